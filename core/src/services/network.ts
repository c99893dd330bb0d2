import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network range an address belongs to, as the integrity alerts group
 * pledges (ADR 0039): its /24 for IPv4, its /48 for IPv6 (what one home,
 * office or small provider block usually holds). An IPv4 address mapped in
 * IPv6 (`::ffff:192.0.2.7`) is its IPv4 range. `null` for anything that is
 * not an address. The range is only ever stored as a keyed hash.
 */
export function networkRangeOf(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const v4 = mapped?.[1] ?? address;
  if (isIPv4(v4)) {
    const [a, b, c] = v4.split('.');
    return `${a}.${b}.${c}.0/24`;
  }
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return null;
  const groups = expandIPv6(bare);
  return `${groups.slice(0, 3).join(':')}::/48`;
}

/** The eight groups of an IPv6 address, each as four lower-case hex digits. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted quad is two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
    text = `${text.slice(0, quad.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.map((g) => g.padStart(4, '0'));
}

/** The HMAC purpose network ranges are keyed under (a separate key, derived from the master key). */
const NETWORK_PURPOSE = 'network-range';

/**
 * What a pledge stores of where it came from: a keyed hash of its network
 * range (HMAC-SHA-256 under a key derived from the master key), shortened
 * to 24 hex digits — enough to tell ranges apart, useless to find the
 * address again without the key, and nothing at all for an unreadable
 * address (docs/privacy.md).
 */
export function networkKeyOf(
  keyring: { fingerprint(purpose: string, value: string): string },
  address: string | undefined,
): string | null {
  if (!address) return null;
  const range = networkRangeOf(address);
  return range ? keyring.fingerprint(NETWORK_PURPOSE, range).slice(0, 24) : null;
}
