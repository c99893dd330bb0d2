/**
 * Where deliveries may go, and how one is sent. Endpoints are URLs typed by
 * organization admins, so without a guard they could make the server call
 * its own private network (SSRF: cloud metadata at 169.254.169.254, Redis on
 * 127.0.0.1, an intranet). The guard works twice: at registration on the
 * URL's host as written, and at delivery on every address the host resolves
 * to, inside the connection's own DNS lookup, so a name that resolves to a
 * public address at registration and a private one later (DNS rebinding)
 * is still refused.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Two lists: a BlockList treats IPv4 addresses as IPv4-mapped IPv6 ones, so
// the `::ffff:0:0/96` rule would otherwise match every IPv4 address.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blockedV4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0', 96], // IPv4-mapped: would reach any IPv4 address, private ones included
  ['64:ff9b::', 96], // NAT64: likewise
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds an IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blockedV6.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an IP address is loopback, private, link-local or otherwise not a
 * public unicast address. Anything that is not an IP address is `false`.
 *
 * @example
 * isPrivateAddress('169.254.169.254'); // true
 * isPrivateAddress('2a01:4f8::1'); // false
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? blockedV4.check(address, 'ipv4') : blockedV6.check(address, 'ipv6');
}

/** The host of a parsed URL without IPv6 brackets. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Checks an endpoint URL as written: http(s), and, unless private networks
 * are allowed, not a local name (`localhost`, `*.localhost`) nor a private
 * IP literal. Names are resolved only when delivering (see {@link publicOnlyLookup}).
 *
 * @returns the reason it is refused, or `null` when it is acceptable
 */
export function refuseEndpointUrl(
  text: string,
  options: { allowPrivateNetworks: boolean },
): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (options.allowPrivateNetworks) return null;
  // The URL parser has already turned 2130706433 or 0x7f.1 into 127.0.0.1.
  const host = hostOf(url).toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'must not point to this machine (localhost)';
  }
  if (isPrivateAddress(host)) {
    return `must not point to a loopback or private address (${host})`;
  }
  return null;
}

/** The error of a connection refused because its host resolved to a private address. */
export class PrivateAddressError extends Error {
  readonly code = 'ETANDEM_PRIVATE_ADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback or private address; refused`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * A `lookup` for `http.request` that resolves like `dns.lookup` but fails
 * when any address of the name is private, so the socket can only connect
 * to the addresses that were checked.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  const all: LookupAllOptions = { ...options, all: true };
  dnsLookup(hostname, all, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const bad = addresses.find((entry) => isPrivateAddress(entry.address));
    const first = addresses[0];
    if (bad || !first) {
      const reason = bad
        ? new PrivateAddressError(hostname, bad.address)
        : Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
      callback(reason, '', 0);
      return;
    }
    if (options.all) {
      (callback as unknown as (e: null, list: LookupAddress[]) => void)(null, addresses);
    } else {
      callback(null, first.address, first.family);
    }
  });
};

/** What one attempt produced; `statusCode` is null when no answer came. */
export interface SendResult {
  statusCode: number | null;
  responseMs: number;
  /** Why the attempt did not succeed (network error, timeout, non-2xx answer), or null. */
  error: string | null;
}

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

/** How much of a failed answer's body is kept in the log, to help the sponsor debug. */
const SNIPPET_BYTES = 200;

/**
 * POSTs one signed delivery and reports what happened; never throws. A 2xx
 * is success; redirects are not followed (a 3xx is a failure, as the
 * Standard Webhooks specification advises). The timeout covers the whole
 * exchange, from connecting to the end of the answer.
 */
export function sendWebhook(options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return Promise.resolve({ statusCode: null, responseMs: 0, error: 'the URL is not valid' });
  }
  if (!options.allowPrivateNetworks && isPrivateAddress(hostOf(url))) {
    const error = `${hostOf(url)} is a loopback or private address; refused`;
    return Promise.resolve({ statusCode: null, responseMs: 0, error });
  }
  return new Promise<SendResult>((resolve) => {
    let done = false;
    let answered: number | null = null;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(options.body)),
        'user-agent': 'Tandem-Webhooks/0.1',
      },
      // A fresh connection each time: nothing pooled outlives the attempt.
      agent: false,
      ...(options.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
    });
    const timer = setTimeout(() => {
      finish({ statusCode: answered, error: `timed out after ${options.timeoutMs} ms` });
      request.destroy();
    }, options.timeoutMs);
    function finish(result: Omit<SendResult, 'responseMs'>) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...result, responseMs: elapsed() });
    }
    request.on('error', (error) => finish({ statusCode: null, error: error.message }));
    request.on('response', (response: IncomingMessage) => {
      const statusCode = response.statusCode ?? 0;
      answered = statusCode;
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < SNIPPET_BYTES) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      response.on('error', (error) =>
        finish({ statusCode, error: `the answer broke off: ${error.message}` }),
      );
      response.on('end', () => {
        if (statusCode >= 200 && statusCode < 300) {
          finish({ statusCode, error: null });
          return;
        }
        const snippet = Buffer.concat(chunks).toString('utf8').slice(0, SNIPPET_BYTES).trim();
        finish({ statusCode, error: `HTTP ${statusCode}${snippet ? `: ${snippet}` : ''}` });
      });
    });
    request.end(options.body);
  });
}
