import { describe, expect, it } from 'vitest';
import { describePerson } from './map.js';

describe('describePerson', () => {
  it('words a person as they chose to be shown, in French with its elisions, and in English', () => {
    const cases: [string | null, string | null, string | undefined, string | undefined][] = [
      ['Claire', 'Clichy', 'Claire, de Clichy', 'Claire from Clichy'],
      [null, 'Clichy', "quelqu'un de Clichy", 'someone from Clichy'],
      [null, 'Aubervilliers', "quelqu'un d'Aubervilliers", 'someone from Aubervilliers'],
      [null, 'Le Havre', "quelqu'un du Havre", 'someone from Le Havre'],
      ['Inès', 'Les Lilas', 'Inès, des Lilas', 'Inès from Les Lilas'],
      ['Inès', null, 'Inès', 'Inès'],
      [null, null, undefined, undefined],
    ];
    for (const [name, place, french, english] of cases) {
      expect(describePerson({ name, place }, 'fr')).toBe(french);
      expect(describePerson({ name, place }, 'en')).toBe(english);
    }
  });
});
