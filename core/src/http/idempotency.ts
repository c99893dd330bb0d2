import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TandemError } from '../errors.js';
import type { Sql } from '../store/database.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { scope: string; key: string; stored: boolean };
  }
}

const HEADER = 'idempotency-key';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The scope of a caller's stored replays: a hash of their credentials. */
export const idempotencyScope = (authorization: string | undefined): string =>
  sha256(authorization ?? 'anonymous');

/**
 * `Idempotency-Key` on every POST (API.md): the first answer is stored and a
 * replay with the same key and body gets it again; the same key with another
 * body is 422; a replay while the first is still running is 409. Keys are
 * scoped to the caller's credentials so two clients cannot collide.
 */
export function installIdempotency(app: FastifyInstance, sql: Sql): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST') return;
    const header = request.headers[HEADER];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > 200) {
      throw new TandemError(
        'TANDEM_REQUEST_INVALID',
        'Idempotency-Key must be 1 to 200 characters.',
      );
    }
    const scope = idempotencyScope(request.headers.authorization);
    const fingerprint = sha256(
      `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`,
    );
    const inserted = await sql.query(
      `insert into idempotency_key (scope, key, fingerprint) values (?, ?, ?)
       on conflict (scope, key) do nothing returning key`,
      [scope, key, fingerprint],
    );
    if (inserted.length > 0) {
      request.idempotency = { scope, key, stored: false };
      return;
    }
    const [row] = await sql.query<{
      fingerprint: string;
      status: number | null;
      response: unknown;
    }>('select fingerprint, status, response from idempotency_key where scope = ? and key = ?', [
      scope,
      key,
    ]);
    if (!row) throw new TandemError('TANDEM_IDEMPOTENCY_IN_PROGRESS', 'Retry this request.');
    if (row.fingerprint !== fingerprint) {
      throw new TandemError(
        'TANDEM_IDEMPOTENCY_MISMATCH',
        'This Idempotency-Key was used with another request; use a new key.',
      );
    }
    if (row.status === null) {
      throw new TandemError(
        'TANDEM_IDEMPOTENCY_IN_PROGRESS',
        'The first request with this Idempotency-Key is still running; retry shortly.',
      );
    }
    return reply.code(row.status).header('idempotent-replayed', 'true').send(row.response);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const state = request.idempotency;
    if (!state || state.stored) return payload;
    // A 5xx is not an answer to remember: the client should be able to retry.
    if (reply.statusCode >= 500) return payload;
    const text = typeof payload === 'string' ? payload : payload == null ? 'null' : null;
    if (text === null) return payload;
    await sql.query(
      'update idempotency_key set status = ?, response = ?::jsonb where scope = ? and key = ?',
      [reply.statusCode, text === '' ? 'null' : text, state.scope, state.key],
    );
    state.stored = true;
    return payload;
  });

  app.addHook('onResponse', async (request) => {
    const state = request.idempotency;
    if (!state || state.stored) return;
    await sql.query('delete from idempotency_key where scope = ? and key = ? and status is null', [
      state.scope,
      state.key,
    ]);
  });
}
