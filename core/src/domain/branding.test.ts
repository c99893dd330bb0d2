import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contrastWithWhite,
  MIN_CONTRAST_WITH_WHITE,
  parseLogoUrl,
  parsePrimaryColor,
  parseShortText,
} from './branding.js';

const invalidAt = (path: string) =>
  expect.objectContaining({
    code: 'TANDEM_REQUEST_INVALID',
    details: [expect.objectContaining({ path })],
  });

const PATH = 'branding/primaryColor';

describe('primary colour', () => {
  it('measures contrast with white as WCAG 2.1 does', () => {
    expect(contrastWithWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastWithWhite('#ffffff')).toBeCloseTo(1, 5);
    // Reference values from the WCAG formula: #767676 is the lightest grey that passes.
    expect(contrastWithWhite('#767676')).toBeCloseTo(4.54, 2);
    expect(contrastWithWhite('#777777')).toBeCloseTo(4.48, 2);
  });

  it('takes a colour white text stays readable on, lower-cased', () => {
    expect(parsePrimaryColor('#1D4ED8', PATH)).toBe('#1d4ed8');
    expect(parsePrimaryColor('#767676', PATH)).toBe('#767676');
  });

  it('refuses a colour white text is unreadable on, naming the field', () => {
    for (const light of ['#ffffff', '#ffff00', '#777777', '#22c55e']) {
      expect(() => parsePrimaryColor(light, PATH)).toThrow(invalidAt(PATH));
    }
  });

  it('refuses anything but #rrggbb', () => {
    for (const bad of [
      '1d4ed8',
      '#1d4ed',
      '#1d4ed8ff',
      'blue',
      '#ggg000',
      '#1d4ed8\n',
      ' #000000',
    ]) {
      expect(() => parsePrimaryColor(bad, PATH)).toThrow(invalidAt(PATH));
    }
  });

  it('accepts exactly the colours whose contrast is at least 4.5:1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        const hex = `#${n.toString(16).padStart(6, '0')}`;
        const readable = contrastWithWhite(hex) >= MIN_CONTRAST_WITH_WHITE;
        if (readable) expect(parsePrimaryColor(hex, PATH)).toBe(hex);
        else expect(() => parsePrimaryColor(hex, PATH)).toThrow(invalidAt(PATH));
      }),
    );
  });
});

describe('logo URL', () => {
  const at = 'branding/logoUrl';
  it('takes an https URL', () => {
    expect(parseLogoUrl('https://cdn.example.org/logo.png', at)).toBe(
      'https://cdn.example.org/logo.png',
    );
    expect(parseLogoUrl('HTTPS://Example.org/a b.png', at)).toBe('https://example.org/a%20b.png');
  });

  it('refuses other schemes, credentials, relative and overlong URLs', () => {
    for (const bad of [
      'http://example.org/logo.png',
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'file:///etc/passwd',
      '//example.org/logo.png',
      '/logo.png',
      'https://user:secret@example.org/logo.png',
      'https://user@example.org/logo.png',
      `https://example.org/${'a'.repeat(2000)}`,
      'not a url',
    ]) {
      expect(() => parseLogoUrl(bad, at), bad).toThrow(invalidAt(at));
    }
  });
});

describe('short text', () => {
  const at = 'branding/shortText';
  it('trims, and empty means none', () => {
    expect(parseShortText('  Hello  ', at)).toBe('Hello');
    expect(parseShortText('   ', at)).toBeNull();
  });
  it('counts characters, not UTF-16 units, up to 280', () => {
    expect(parseShortText('🚲'.repeat(280), at)).toBe('🚲'.repeat(280));
    expect(() => parseShortText('a'.repeat(281), at)).toThrow(invalidAt(at));
  });
});
