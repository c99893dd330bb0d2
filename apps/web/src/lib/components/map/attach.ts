import type { Attachment } from 'svelte/attachments';
import type { MapOptions } from './options';

/**
 * Mounts the challenge map on an element, in the browser only: OpenLayers
 * is a dynamic import, so its chunk loads on pages that show a map and
 * never during server rendering; the map is disposed with the element.
 */
export function challengeMap(options: MapOptions): Attachment<HTMLElement> {
  return (node) => {
    let dispose: (() => void) | null = null;
    let cancelled = false;
    void import('./create-map').then(({ createMap }) => {
      if (!cancelled) dispose = createMap(node, options);
    });
    return () => {
      cancelled = true;
      dispose?.();
    };
  };
}
