import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TandemError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { IDEMPOTENCY_TTL_MS, participantIdempotencyScope } from '../store/retention.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { scope: string; key: string; owner: string; stored: boolean };
    /**
     * Whose `Idempotency-Key`s these are, for callers that core does not
     * know as a viewer (a plugin's own credential, such as a partner's
     * Basic key). Set it in the route's own authentication hook;
     * unset, an anonymous caller is scoped to its address.
     */
    idempotencyScope?: string;
    /**
     * What stands for a body that is not JSON in the key's fingerprint (an
     * upload's SHA-256), set by the route before the key is checked, so
     * that the same key with another file is 422 rather than a replay.
     */
    idempotencyContent?: string;
  }
}

const HEADER = 'idempotency-key';

export { IDEMPOTENCY_TTL_MS, participantIdempotencyScope };

/** What a sealed replay holds. */
interface StoredAnswer {
  contentType: string | null;
  body: string;
}

/**
 * Whose keys a request's are. A participant's are theirs whatever the
 * session (a client that signs in again before retrying is recognised), the
 * platform admin's are the admin's. An anonymous caller has nothing but its
 * address, so its keys live in its address's space: another client elsewhere
 * cannot replay its answers. Behind one address (an office's NAT), a replay
 * is still only served to the same key with the same method, path and body,
 * and an anonymous answer says nothing the body does not already hold but
 * for the session of `POST /api/auth/session`, whose body is the one-time
 * secret itself (ADR 0016).
 */
function scopeOf(request: FastifyRequest, ctx: ServiceContext): string {
  const viewer = request.viewer;
  if (viewer?.kind === 'participant') return participantIdempotencyScope(viewer.participantId);
  if (viewer?.kind === 'admin') return 'admin';
  if (request.idempotencyScope) return request.idempotencyScope;
  return `ip:${ctx.keyring.fingerprint('idempotency-address', request.ip)}`;
}

const sealContext = (scope: string, key: string) => `idempotency:${scope}:${key}`;

/**
 * `Idempotency-Key` on every POST (API.md): the first answer is stored
 * (sealed: some answers carry a session token, a partner key or a webhook
 * secret) and a replay with the same key and body gets it again for 24 h;
 * the same key with another body is 422; a replay while the first is still
 * running is 409, until the first's lease (`TANDEM_IDEMPOTENCY_LEASE_MS`)
 * runs out: a request that died with its database leaves its key to the
 * next retry of the same request, taken over by exactly one of them.
 */
export function installIdempotency(app: FastifyInstance, ctx: ServiceContext): void {
  const sql = ctx.db;
  const leaseSeconds = ctx.config.idempotencyLeaseMs / 1000;
  const ttlSeconds = IDEMPOTENCY_TTL_MS / 1000;

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers[HEADER];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > 200) {
      throw new TandemError(
        'TANDEM_REQUEST_INVALID',
        'Idempotency-Key must be 1 to 200 characters.',
      );
    }
    const scope = scopeOf(request, ctx);
    // Keyed: an anonymous body holds an address, which a plain hash would
    // let anyone holding the table confirm by guessing.
    const fingerprint = ctx.keyring.fingerprint(
      'idempotency-request',
      `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}${
        request.idempotencyContent === undefined ? '' : `\n${request.idempotencyContent}`
      }`,
    );
    const owner = randomUUID();
    // Two tries: the row seen as taken may be released before it is read.
    for (let attempt = 0; attempt < 2; attempt++) {
      // One statement takes a new key, an expired one (any body), or one
      // left in progress past its lease by the same request; the row lock
      // and the re-checked condition let exactly one concurrent retry win.
      const taken = await sql.query(
        `insert into idempotency_key (scope, key, fingerprint, owner, created_at)
         values (?, ?, ?, ?, now())
         on conflict (scope, key) do update
           set fingerprint = excluded.fingerprint, owner = excluded.owner,
               status = null, sealed_response = null, created_at = excluded.created_at
         where idempotency_key.created_at <= now() - make_interval(secs => ?)
            or (idempotency_key.status is null
                and idempotency_key.fingerprint = excluded.fingerprint
                and idempotency_key.created_at <= now() - make_interval(secs => ?))
         returning key`,
        [scope, key, fingerprint, owner, ttlSeconds, leaseSeconds],
      );
      if (taken.length > 0) {
        request.idempotency = { scope, key, owner, stored: false };
        return;
      }
      const [row] = await sql.query<{
        fingerprint: string;
        status: number | null;
        sealed_response: string | null;
      }>(
        'select fingerprint, status, sealed_response from idempotency_key where scope = ? and key = ?',
        [scope, key],
      );
      if (!row) continue;
      if (row.fingerprint !== fingerprint) {
        throw new TandemError(
          'TANDEM_IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was used with another request; use a new key.',
        );
      }
      if (row.status === null || row.sealed_response === null) {
        void reply.header('retry-after', String(Math.max(1, Math.ceil(leaseSeconds / 10))));
        throw new TandemError(
          'TANDEM_IDEMPOTENCY_IN_PROGRESS',
          'The first request with this Idempotency-Key is still running; retry shortly.',
        );
      }
      const answer = JSON.parse(
        ctx.keyring.open(row.sealed_response, sealContext(scope, key)),
      ) as StoredAnswer;
      void reply.code(row.status).header('idempotent-replayed', 'true');
      if (answer.contentType) void reply.type(answer.contentType);
      return reply.send(answer.body);
    }
    throw new TandemError('TANDEM_IDEMPOTENCY_IN_PROGRESS', 'Retry this request.');
  };

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const state = request.idempotency;
    if (!state || state.stored) return payload;
    // A 5xx is not an answer to remember: the client should be able to retry.
    if (reply.statusCode >= 500) return payload;
    const body = typeof payload === 'string' ? payload : payload == null ? '' : null;
    if (body === null) return payload;
    const contentType = reply.getHeader('content-type');
    const answer: StoredAnswer = {
      contentType: typeof contentType === 'string' ? contentType : null,
      body,
    };
    // `owner`: a request whose lease was taken over leaves the taker's row alone.
    await sql.query(
      `update idempotency_key set status = ?, sealed_response = ?
        where scope = ? and key = ? and owner = ?`,
      [
        reply.statusCode,
        ctx.keyring.seal(JSON.stringify(answer), sealContext(state.scope, state.key)),
        state.scope,
        state.key,
        state.owner,
      ],
    );
    state.stored = true;
    return payload;
  };

  const onResponse = async (request: FastifyRequest) => {
    const state = request.idempotency;
    if (!state || state.stored) return;
    await sql.query(
      'delete from idempotency_key where scope = ? and key = ? and owner = ? and status is null',
      [state.scope, state.key, state.owner],
    );
  };

  // Only POST routes take a key: reads and other writes skip these hooks
  // altogether instead of entering three async hooks that return at once
  // (a measurable share of a cached read, docs/performance.md). Route-level
  // hooks run after the app's own (the viewer is resolved first, as before).
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    route.preHandler = [preHandler, ...hookList(route.preHandler)];
    route.onSend = [...hookList(route.onSend), onSend];
    route.onResponse = [...hookList(route.onResponse), onResponse];
  });
}

/** A route option that may hold one hook, a list of them, or none. */
function hookList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}
