/**
 * How much one weigh-in may hold. Shared by the action type's
 * `limits.check` (every route) and the weigh-ins route (which can name its
 * own body field, `kg`, rather than core's `details`).
 */
import { MATERIAL_INFO, type Material } from './factors.js';
import type { CollectionSettings } from './schemas.js';

/** The limit a challenge's weigh-ins are held to, in kg: its own setting or its material's. */
export function maxKgPerWeighIn(settings: CollectionSettings): number {
  return settings.maxKgPerWeighIn ?? MATERIAL_INFO[settings.material as Material].maxKgPerWeighIn;
}

/** A sentence saying why `kg` is too much for one weigh-in, or null when it is plausible. */
export function weighInComplaint(kg: number, settings: CollectionSettings): string | null {
  const max = maxKgPerWeighIn(settings);
  if (kg <= max) return null;
  const material = MATERIAL_INFO[settings.material as Material].title.en.toLowerCase();
  return `${kg} kg in one weigh-in is more than the ${max} kg allowed for ${material} in this challenge; check for a typo, or split it`;
}
