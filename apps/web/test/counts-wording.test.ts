import { beforeAll, describe, expect, it } from 'vitest';

type Message = (inputs: Record<string, unknown>, options: { locale: 'fr' | 'en' }) => string;
let m: Record<'c_norm_total', Message>;
beforeAll(async () => {
  // The compiled messages are JavaScript the site's own check types; loaded by URL here.
  const compiled = new URL('../src/lib/paraglide/messages.js', import.meta.url).href;
  ({ m } = (await import(compiled)) as { m: typeof m });
});

/** A count of one reads in the singular, in both languages (the page shows "1 personne", not "1 personnes"). */
describe('how the challenge page words a count of people', () => {
  it('says one person in the singular and more in the plural', () => {
    const total = (count: number, locale: 'fr' | 'en') =>
      m.c_norm_total({ count, shown: String(count) }, { locale });
    expect(total(1, 'fr')).toBe('1 personne s’est déjà engagée.');
    expect(total(2, 'fr')).toBe('2 personnes se sont déjà engagées.');
    expect(total(1, 'en')).toBe('1 person has already pledged.');
    expect(total(12, 'en')).toBe('12 people have already pledged.');
  });
});
