import { describe, expect, it } from 'vitest';
import { tileOrigin, withTileOrigin } from '../src/lib/server/csp.js';

describe("the basemap's place in the pages' CSP", () => {
  it('takes the origin of a tile template, and nothing for same-site or unset tiles', () => {
    expect(tileOrigin('https://tiles.example.org:8443/osm/{z}/{x}/{y}.png')).toBe(
      'https://tiles.example.org:8443',
    );
    expect(tileOrigin('/tiles/{z}/{x}/{y}.png')).toBeNull();
    expect(tileOrigin(undefined)).toBeNull();
    expect(tileOrigin('  ')).toBeNull();
  });

  it('refuses a wildcard host, another scheme, or a value that would add a directive', () => {
    expect(() => tileOrigin('https://{a-c}.tile.example.org/{z}/{x}/{y}.png')).toThrow(
      /fixed host/,
    );
    expect(() => tileOrigin('ftp://tiles.example.org/{z}/{x}/{y}.png')).toThrow(/http\(s\)/);
    expect(() => tileOrigin("https://x.org;script-src 'unsafe-inline'/{z}")).toThrow();
  });

  it('adds the origin to img-src and connect-src only', () => {
    const policy =
      "default-src 'self'; script-src 'self' 'nonce-abc'; img-src 'self' data: blob:; connect-src 'self'";
    expect(withTileOrigin(policy, 'https://tiles.example.org')).toBe(
      "default-src 'self'; script-src 'self' 'nonce-abc'; img-src 'self' data: blob: https://tiles.example.org; connect-src 'self' https://tiles.example.org",
    );
  });
});
