import { createRequire } from 'node:module';

/** A commune as the map and the feed name it: its INSEE code and its name. */
export interface Commune {
  code: string;
  name: string;
}

interface CommuneRecord {
  code: string;
  nom: string;
  type: string;
  codesPostaux?: string[];
  population?: number;
}

interface CommuneIndex {
  byPostcode: Map<string, Commune>;
  byCode: Map<string, Commune>;
}

let index: CommuneIndex | undefined;

/**
 * Builds the index from `@etalab/decoupage-administratif` (the official
 * list of French communes with their postcodes, shipped with the package:
 * no network, no third party sees a postcode).
 *
 * Only current communes (`commune-actuelle`) are kept: delegated and
 * associated communes are parts of one, and Paris, Lyon and Marseille count
 * as one commune each, never by arrondissement — a coarser place gathers
 * more people, which is what the k rule wants, and their postcodes all
 * belong to the city as well. A postcode shared by several communes goes to
 * the most populous one (then the lowest code, so the choice is stable).
 */
function load(): CommuneIndex {
  const require = createRequire(import.meta.url);
  const records = require('@etalab/decoupage-administratif/data/communes.json') as CommuneRecord[];
  const byPostcode = new Map<string, Commune & { population: number }>();
  const byCode = new Map<string, Commune>();
  for (const record of records) {
    if (record.type !== 'commune-actuelle') continue;
    const commune = { code: record.code, name: record.nom };
    byCode.set(record.code, commune);
    const population = record.population ?? 0;
    for (const postcode of record.codesPostaux ?? []) {
      const held = byPostcode.get(postcode);
      const wins =
        !held ||
        population > held.population ||
        (population === held.population && record.code < held.code);
      if (wins) byPostcode.set(postcode, { ...commune, population });
    }
  }
  return {
    byPostcode: new Map(
      [...byPostcode].map(([postcode, { code, name }]) => [postcode, { code, name }]),
    ),
    byCode,
  };
}

/** Loaded once, on first use: the file is 8 MB and most processes never need it. */
function communes(): CommuneIndex {
  index ??= load();
  return index;
}

/** The commune a French postcode belongs to, or null when no commune has it. */
export function communeOfPostcode(postcode: string): Commune | null {
  return communes().byPostcode.get(postcode) ?? null;
}

/** A commune by its INSEE code, or null when it is no current commune. */
export function communeByCode(code: string): Commune | null {
  return communes().byCode.get(code) ?? null;
}
