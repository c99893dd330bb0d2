import 'ol/ol.css';
import OlMap from 'ol/Map';
import View from 'ol/View';
import GeoJSON from 'ol/format/GeoJSON';
import VectorLayer from 'ol/layer/Vector';
import TileLayer from 'ol/layer/Tile';
import VectorSource from 'ol/source/Vector';
import XYZ from 'ol/source/XYZ';
import { defaults as defaultControls } from 'ol/control/defaults';
import { fromLonLat, transformExtent } from 'ol/proj';
import { Fill, Stroke, Style, Text } from 'ol/style';
import type { FeatureLike } from 'ol/Feature';
import outlineUrl from 'world-atlas/countries-110m.json?url';
import type { MapOptions } from './options';

/** Where the map opens: metropolitan France. */
const START = { center: fromLonLat([2.4, 46.6]), zoom: 5 };
/** How close the first view may come when it frames where people are. */
const FIT_MAX_ZOOM = 12;
/** Waits this long after the last move before asking for cells. */
const DEBOUNCE_MS = 250;

/** World-atlas ids of the countries whose outline crosses ±180° (Fiji, Russia). */
const ACROSS_ANTIMERIDIAN = new Set(['242', '643']);

type Ring = number[][];

/** Moves a ring's western points by 360° so the outline stays whole (STACK.md). */
function shiftRing(ring: Ring): Ring {
  const east = ring.some(([lon]) => (lon ?? 0) > 150);
  return east ? ring.map(([lon = 0, lat = 0]) => [lon < 0 ? lon + 360 : lon, lat]) : ring;
}

async function outlineLayer(): Promise<VectorLayer> {
  const [{ feature }, answer] = await Promise.all([import('topojson-client'), fetch(outlineUrl)]);
  const topology = (await answer.json()) as Parameters<typeof feature>[0];
  const countries = feature(
    topology,
    (topology as unknown as { objects: { countries: Parameters<typeof feature>[1] } }).objects
      .countries,
  ) as unknown as {
    features: { id?: string; geometry: { type: string; coordinates: unknown } }[];
  };
  for (const country of countries.features) {
    if (!ACROSS_ANTIMERIDIAN.has(String(country.id))) continue;
    const geometry = country.geometry;
    if (geometry.type === 'Polygon') {
      geometry.coordinates = (geometry.coordinates as Ring[]).map(shiftRing);
    } else if (geometry.type === 'MultiPolygon') {
      geometry.coordinates = (geometry.coordinates as Ring[][]).map((p) => p.map(shiftRing));
    }
  }
  const source = new VectorSource({
    features: new GeoJSON().readFeatures(countries, { featureProjection: 'EPSG:3857' }),
  });
  return new VectorLayer({
    source,
    style: new Style({
      fill: new Fill({ color: '#e8efe6' }),
      stroke: new Stroke({ color: '#8da595', width: 1 }),
    }),
  });
}

async function basemap(options: MapOptions): Promise<TileLayer | VectorLayer | null> {
  if (options.tiles) {
    return new TileLayer({
      source: new XYZ({
        url: options.tiles,
        ...(options.attribution ? { attributions: options.attribution } : {}),
        crossOrigin: 'anonymous',
      }),
    });
  }
  if (options.pmtiles) {
    const [{ PMTilesVectorSource }, { default: VectorTileLayer }] = await Promise.all([
      import('ol-pmtiles'),
      import('ol/layer/VectorTile'),
    ]);
    return new VectorTileLayer({
      declutter: true,
      source: new PMTilesVectorSource({
        url: options.pmtiles,
        ...(options.attribution ? { attributions: options.attribution } : {}),
      }),
      style: new Style({
        fill: new Fill({ color: '#eef2ec' }),
        stroke: new Stroke({ color: '#a9b9ad', width: 1 }),
      }),
    }) as unknown as VectorLayer;
  }
  return null;
}

function cellStyle(feature: FeatureLike): Style {
  const count = Number(feature.get('count')) || 0;
  const alpha = Math.min(0.25 + Math.log10(Math.max(count, 1)) / 4, 0.8);
  return new Style({
    fill: new Fill({ color: `rgba(29, 107, 58, ${alpha.toFixed(2)})` }),
    stroke: new Stroke({ color: '#14512b', width: 1.5 }),
    text: new Text({
      text: String(count),
      font: '600 13px system-ui, sans-serif',
      fill: new Fill({ color: '#fff' }),
      stroke: new Stroke({ color: '#14512b', width: 3 }),
    }),
  });
}

/**
 * Creates the challenge map in `target`: a basemap (the operator's tiles,
 * their PMTiles file, else an offline outline of the world), and the
 * challenge's cells (`GET /api/challenges/{id}/map`) fetched for the view
 * after each move. Returns its disposal.
 */
export function createMap(target: HTMLElement, options: MapOptions): () => void {
  const cells = new VectorSource();
  const format = new GeoJSON();
  const map = new OlMap({
    target,
    view: new View({ ...START, minZoom: 2, maxZoom: 18 }),
    controls: defaultControls({
      rotate: false,
      attribution: Boolean(options.attribution),
      attributionOptions: { tipLabel: options.labels.attributions },
      zoomOptions: {
        zoomInTipLabel: options.labels.zoomIn,
        zoomOutTipLabel: options.labels.zoomOut,
      },
    }),
    layers: [new VectorLayer({ source: cells, style: cellStyle, zIndex: 10 })],
  });
  let disposed = false;
  void (options.tiles || options.pmtiles ? basemap(options) : outlineLayer()).then((layer) => {
    if (layer && !disposed) {
      layer.setZIndex(0);
      map.addLayer(layer);
    }
  });

  let timer: ReturnType<typeof setTimeout> | null = null;
  let inflight: AbortController | null = null;
  // The first answers frame the map on where people act: while a single
  // cell shows, zoom to it (a few rounds at most), and step back if it
  // would split into cells too small to show. Only published cells steer
  // the view, so nothing under k can pull it. Later moves are the visitor's.
  let framing = 4;
  let lastGood: { center: number[] | undefined; zoom: number | undefined } | null = null;
  const load = async () => {
    const size = map.getSize();
    const zoom = map.getView().getZoom();
    if (!size || zoom === undefined) return;
    const [minLon = -180, minLat = -85, maxLon = 180, maxLat = 85] = transformExtent(
      map.getView().calculateExtent(size),
      'EPSG:3857',
      'EPSG:4326',
    );
    const clamp = (v: number, limit: number) => Math.max(-limit, Math.min(limit, v));
    const bbox = [clamp(minLon, 180), clamp(minLat, 85), clamp(maxLon, 180), clamp(maxLat, 85)]
      .map((v) => v.toFixed(4))
      .join(',');
    const level = Math.max(0, Math.min(20, Math.round(zoom)));
    inflight?.abort();
    inflight = new AbortController();
    try {
      const answer = await fetch(
        `/api/challenges/${encodeURIComponent(options.challengeId)}/map?bbox=${bbox}&zoom=${level}`,
        { signal: inflight.signal, headers: { accept: 'application/geo+json, application/json' } },
      );
      if (!answer.ok || disposed) return;
      const collection = (await answer.json()) as unknown;
      const features = format.readFeatures(collection, { featureProjection: 'EPSG:3857' });
      cells.clear();
      cells.addFeatures(features);
      const shown = features.map((f) => ({
        cell: String(f.get('cell') ?? ''),
        count: Number(f.get('count')) || 0,
      }));
      target.dataset['zoom'] = String(level);
      target.dataset['cells'] = JSON.stringify(shown);
      options.onCells?.(shown);
      if (framing > 0 && frame(features.length)) return;
      framing = 0;
      target.dataset['framed'] = 'true';
    } catch (error) {
      if ((error as Error).name !== 'AbortError') target.dataset['cellsError'] = 'true';
    }
  };
  /** One framing round; true when it moved the view (its moveend loads again). */
  const frame = (shown: number): boolean => {
    framing -= 1;
    const view = map.getView();
    if (shown === 0 && lastGood) {
      framing = 0;
      view.setCenter(lastGood.center);
      if (lastGood.zoom !== undefined) view.setZoom(lastGood.zoom);
      return true;
    }
    const extent = cells.getExtent();
    const before = view.getZoom();
    if (!extent || shown === 0) return false;
    if (shown > 1) {
      // Several cells: centre them at this zoom, and stop there.
      framing = 0;
      const center = view.getCenter();
      view.fit(extent, { maxZoom: before ?? FIT_MAX_ZOOM, padding: [24, 24, 24, 24] });
      const moved = view.getCenter();
      return Boolean(center && moved && (center[0] !== moved[0] || center[1] !== moved[1]));
    }
    lastGood = { center: view.getCenter(), zoom: before };
    view.fit(extent, { maxZoom: FIT_MAX_ZOOM, padding: [24, 24, 24, 24] });
    return view.getZoom() !== before;
  };
  const onMoveEnd = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void load(), DEBOUNCE_MS);
  };
  map.on('moveend', onMoveEnd);

  return () => {
    disposed = true;
    if (timer) clearTimeout(timer);
    inflight?.abort();
    map.un('moveend', onMoveEnd);
    map.setTarget(undefined);
    map.dispose();
  };
}
