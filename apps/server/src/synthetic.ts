/**
 * Deterministic synthetic data for the demo and the reference campaigns:
 * the same seed gives the same people on every machine.
 */

/** A small deterministic random generator, so the demo is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FIRST_NAMES = [
  'Camille',
  'Léa',
  'Hugo',
  'Inès',
  'Lucas',
  'Chloé',
  'Nathan',
  'Manon',
  'Yanis',
  'Sarah',
  'Louis',
  'Emma',
  'Karim',
  'Julie',
  'Thomas',
  'Aïcha',
  'Paul',
  'Clara',
  'Mehdi',
  'Sophie',
  'Antoine',
  'Fatou',
  'Julien',
  'Élodie',
  'Mathieu',
  'Nadia',
  'Romain',
  'Laura',
  'Samir',
  'Pauline',
  'Nicolas',
  'Amandine',
  'Kevin',
  'Marion',
  'Olivier',
  'Lina',
  'Bruno',
  'Anaïs',
  'Victor',
  'Zoé',
];

export const LAST_NAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefebvre',
  'Michel',
  'Garcia',
  'David',
  'Bertrand',
  'Roux',
  'Vincent',
  'Fournier',
  'Morel',
  'Girard',
  'André',
  'Mercier',
  'Dupont',
  'Lambert',
  'Bonnet',
  'François',
  'Martinez',
  'Benali',
  'Nguyen',
  'Diallo',
];
