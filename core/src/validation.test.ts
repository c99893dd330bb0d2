import { describe, expect, it } from 'vitest';
import { TandemError } from './errors.js';
import { jsonDepthExceeds, validateOrThrow } from './validation.js';

const schema = {
  type: 'object',
  properties: { note: { type: 'string' }, items: { type: 'array' } },
  additionalProperties: false,
};

const refusal = (value: unknown): TandemError => {
  try {
    validateOrThrow(schema, value, 'details');
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('validateOrThrow (plugins’ schemas)', () => {
  it('refuses NUL and unpaired surrogates with 400 naming the field', () => {
    for (const bad of ['a\u0000', '\ud800x', 'x\udc00', '\ud83d']) {
      const error = refusal({ note: bad });
      expect(error.code).toBe('TANDEM_REQUEST_INVALID');
      expect(error.details?.[0]?.path).toBe('details/note');
    }
    expect(refusal({ items: ['ok', 'a\u0000'] }).details?.[0]?.path).toBe('details/items/1');
  });

  it('accepts paired surrogates (emoji) and ordinary text', () => {
    expect(validateOrThrow(schema, { note: 'vélo 🚲' }, 'details')).toEqual({ note: 'vélo 🚲' });
  });

  it('refuses values nested past the bound', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(refusal({ items: deep }).code).toBe('TANDEM_REQUEST_INVALID');
  });
});

describe('jsonDepthExceeds', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepthExceeds('[[[1]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[1]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds('["[[[[\\"[[[["]', 3)).toBe(false);
  });
});
