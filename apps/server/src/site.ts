import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, Platform } from '@tandem/core';

/** What adapter-node's build exports: a Node request handler. */
type SiteHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** A request as the site sees it, with the in-process API attached (apps/web/src/app.d.ts). */
type SiteRequest = IncomingMessage & { tandemApi?: (request: Request) => Promise<Response> };

/** Paths that belong to the API server; every other path is a page (API.md, "Serving"). */
const API_PREFIXES = ['/api/', '/docs', '/ops', '/.well-known/'];
const isApiPath = (url: string) =>
  url === '/api' || API_PREFIXES.some((prefix) => url.startsWith(prefix));

/**
 * Headers through which the server tells the site what Fastify already
 * established (protocol and host, honouring `TANDEM_TRUST_PROXY`, and the
 * client's address). adapter-node reads their names from the environment
 * when it loads; the server overwrites them on every request, so a visitor
 * cannot choose them.
 */
const FORWARDED = {
  protocol: 'x-tandem-site-protocol',
  host: 'x-tandem-site-host',
  address: 'x-tandem-site-address',
} as const;

/**
 * Loads the built site, with a sentence that says what to do when it is not
 * built. With `TANDEM_PUBLIC_URL` set, the site's origin (for its CSRF check
 * and absolute links) is that one, as it is for the API's Origin rule.
 */
async function loadSite(publicOrigin: string | undefined): Promise<SiteHandler> {
  if (publicOrigin) process.env['ORIGIN'] = publicOrigin;
  // Without these, adapter-node takes every request for https and refuses
  // plain-http form posts on a laptop as cross-site.
  process.env['PROTOCOL_HEADER'] = FORWARDED.protocol;
  process.env['HOST_HEADER'] = FORWARDED.host;
  process.env['ADDRESS_HEADER'] = FORWARDED.address;
  try {
    const module = (await import('@tandem/web/handler')) as { handler: SiteHandler };
    return module.handler;
  } catch (error) {
    throw new Error(
      'The site is not built (apps/web/build/handler.js is missing): run `npm run build`.',
      { cause: error },
    );
  }
}

/** Response headers from inject, as a fetch `Headers`. */
function headersOf(raw: Record<string, string | string[] | number | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  return headers;
}

/**
 * The API as a `fetch`, answered in this process by Fastify's `inject`: no
 * socket, no port, and the visitor's own address as the client address, so
 * the API's per-address rate limits see the visitor, not the site.
 */
export function inProcessFetch(app: App, clientAddress: string) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const answer = await app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      remoteAddress: clientAddress,
      ...(body ? { payload: body } : {}),
    });
    const empty =
      answer.statusCode === 204 || answer.statusCode === 304 || request.method === 'HEAD';
    return new Response(empty ? null : answer.rawPayload, {
      status: answer.statusCode,
      headers: headersOf(answer.headers),
    });
  };
}

/**
 * Serves the SvelteKit site (apps/web) on the API's port: every path that
 * is not the API's goes to the site's handler, which renders pages, runs
 * form actions and serves its own assets. Bodies of page requests are left
 * unread for SvelteKit (form posts are not JSON); the site sets its own
 * Content-Security-Policy with per-answer nonces, so helmet's stays on the
 * API's paths (ADR 0033).
 */
export async function mountSite(app: App, platform: Platform): Promise<void> {
  const handler = await loadSite(platform.config.publicOrigin);
  await app.register(async (site) => {
    site.removeAllContentTypeParsers();
    site.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const serve = (
      request: { raw: IncomingMessage; ip: string; url: string; protocol: string; host: string },
      reply: { hijack(): void; raw: ServerResponse; callNotFound(): void },
    ) => {
      if (isApiPath(request.url)) {
        reply.callNotFound();
        return;
      }
      const req = request.raw as SiteRequest;
      req.headers[FORWARDED.protocol] = request.protocol;
      req.headers[FORWARDED.host] = request.host;
      req.headers[FORWARDED.address] = request.ip;
      req.tandemApi = inProcessFetch(app, request.ip);
      reply.hijack();
      handler(req, reply.raw, () => {
        reply.raw.statusCode = 404;
        reply.raw.end('Not found');
      });
    };
    const options = { schema: { hide: true }, helmet: false as const };
    site.route({ method: ['GET', 'POST'], url: '/', ...options, handler: serve });
    site.route({ method: ['GET', 'POST'], url: '/*', ...options, handler: serve });
  });
}
