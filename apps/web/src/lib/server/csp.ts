/**
 * The origin of the operator's tile server (`TANDEM_MAP_TILES`, an XYZ
 * template such as `https://tiles.example/{z}/{x}/{y}.png`), which pages
 * must be allowed to load images from; null when tiles are same-site or
 * unset. A template with a `{a-c}` host is refused rather than widening
 * the policy to a wildcard.
 */
export function tileOrigin(template: string | undefined): string | null {
  const value = template?.trim();
  if (!value || value.startsWith('/')) return null;
  const host = value.split('/')[2] ?? '';
  if (!/^https?:\/\//.test(value) || !host || /[{}\s;,]/.test(host)) {
    throw new Error(
      'TANDEM_MAP_TILES must be an http(s) XYZ template with a fixed host, e.g. https://tiles.example/{z}/{x}/{y}.png',
    );
  }
  return new URL(value).origin;
}

/** SvelteKit's nonce policy with `origin` added to where images and fetches may come from. */
export function withTileOrigin(policy: string, origin: string): string {
  return policy
    .replace(/img-src ([^;]*)/, `img-src $1 ${origin}`)
    .replace(/connect-src ([^;]*)/, `connect-src $1 ${origin}`);
}
