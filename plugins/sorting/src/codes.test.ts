import { describe, expect, it } from 'vitest';
import { services } from '@tandem/core';
import { CODE_ALPHABET, CODE_LENGTH, generateCode } from './codes.js';

describe('resident codes', () => {
  it('leaves out the symbols read as others', () => {
    for (const ambiguous of ['0', 'O', '1', 'I', 'L'])
      expect(CODE_ALPHABET).not.toContain(ambiguous);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
  });

  it('writes 4 + 4 symbols that core accepts as a resident code', () => {
    let n = 0;
    const code = generateCode((size) => n++ % size);
    expect(code).toBe('2345-6789');
    expect(code.replace('-', '')).toHaveLength(CODE_LENGTH);
    expect(services.RESIDENT_CODE_PATTERN.test(code)).toBe(true);
  });

  it('draws every symbol of the alphabet, the last one included', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++)
      for (const symbol of generateCode().replace('-', '')) seen.add(symbol);
    expect([...seen].sort().join('')).toBe([...CODE_ALPHABET].sort().join(''));
  });
});
