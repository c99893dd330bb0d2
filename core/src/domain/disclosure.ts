/**
 * What the map and the counts by place publish about people
 * (docs/privacy.md, docs/decisions/0026): nothing under `minCount` (k), and
 * above it a count moved by a small, consistent perturbation.
 *
 * The perturbation follows the cell-key method of official statistics: a
 * keyed hash of the cell and its true count (computed by the caller with
 * the platform's secret key) picks a value from a fixed table. The same
 * cell holding the same count therefore always publishes the same figure —
 * asking again, or through another viewport, teaches nothing — while a
 * parent's figure minus its children's carries the sum of several
 * perturbations, so it never pins down the people of a cell left out.
 */

/**
 * The table: the perturbation and its chance, out of 65,536 (the first two
 * bytes of the key). 0 for 40 %, ±1 for 20 % each, ±2 for 10 % each.
 */
const TABLE: readonly { upTo: number; shift: number }[] = [
  { upTo: 6_554, shift: -2 },
  { upTo: 19_661, shift: -1 },
  { upTo: 45_875, shift: 0 },
  { upTo: 58_982, shift: 1 },
  { upTo: 65_536, shift: 2 },
];

/** The largest perturbation either way; what docs/privacy.md promises. */
export const MAX_PERTURBATION = 2;

/**
 * The perturbation a key (hex, at least 4 digits) picks from the table.
 *
 * @example perturbation('0000…') // -2
 */
export function perturbation(keyHex: string): number {
  const draw = Number.parseInt(keyHex.slice(0, 4), 16);
  if (!Number.isInteger(draw)) throw new TypeError('a cell key is hexadecimal');
  for (const entry of TABLE) if (draw < entry.upTo) return entry.shift;
  return 0;
}

/**
 * The figure published for `people` people: null under `minCount`, never
 * below `minCount` otherwise (a perturbation that would go under it stops
 * at it).
 *
 * @param keyHex the keyed hash of (challenge, cell or place, `people`)
 */
export function publishedCount(people: number, minCount: number, keyHex: string): number | null {
  if (people < minCount) return null;
  return Math.max(minCount, people + perturbation(keyHex));
}
