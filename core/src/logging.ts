import type { FastifyServerOptions } from 'fastify';

/**
 * What Tandem writes to its logs must not hand out what it protects: the
 * one-time tokens of mailed links sit in URLs (`/sign-in?token=…`), and a
 * database error carries its SQL with the values inlined (addresses,
 * webhook secrets). Everything that logs goes through these helpers.
 */

/** Query parameters whose value is a secret, whatever the route. */
const SECRET_PARAMETER =
  /^(?:.*token.*|.*secret.*|.*password.*|.*passwd.*|.*api[-_]?key.*|key|code|sig|signature|session.*|auth.*|credential.*)$/i;

/** The placeholder that replaces a secret. */
export const REDACTED = '[REDACTED]';

/**
 * A URL (or path with a query string) with the value of every secret-like
 * query parameter replaced, e.g. `/sign-in?token=abc` → `/sign-in?token=[REDACTED]`.
 */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed name is kept as sent; it is checked as such
      }
      return eq >= 0 && SECRET_PARAMETER.test(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

/** Secret-like query parameters inside free text (a log message that quotes a URL). */
const SECRET_IN_TEXT =
  /([?&](?:[^=&\s"']*(?:token|secret|password|passwd|api[-_]?key|session|auth|credential)[^=&\s"']*|key|code|sig|signature)=)[^&\s"'#]+/gi;

/** Free text with the secrets of any URL it quotes replaced. */
export function redactText(text: string): string {
  return text.replace(SECRET_IN_TEXT, `$1${REDACTED}`);
}

interface DatabaseErrorShape {
  name?: string;
  message?: string;
  stack?: string;
  code?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  severity?: unknown;
  detail?: unknown;
  table?: unknown;
  constraint?: unknown;
}

/**
 * Whether `error` came from PostgreSQL: a MikroORM driver exception (it
 * has `sqlState`) or a `pg` error (it has `severity` and a SQLSTATE code).
 */
export function isDatabaseError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as DatabaseErrorShape;
  if (typeof e.sqlState === 'string' || /Exception$/.test(e.name ?? '')) {
    if (typeof e.sqlState === 'string' || typeof e.severity === 'string') return true;
  }
  return (
    typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)
  );
}

/** Quoted SQL literals and `Key (col)=(value)` pairs, where values show. */
const maskValues = (text: string): string =>
  text.replace(/'(?:[^']|'')*'/g, "'?'").replace(/\)=\((?:[^()]|\([^()]*\))*\)/g, ')=(?)');

/**
 * A database error fit for a log or a job's failure reason: its kind,
 * SQLSTATE, table and constraint, and PostgreSQL's sentence with every value
 * masked — never the statement with its parameters. Other errors are
 * returned as they are.
 */
export function redactError(error: unknown): unknown {
  if (!isDatabaseError(error)) return error;
  const e = error as DatabaseErrorShape;
  const sqlState = typeof e.sqlState === 'string' ? e.sqlState : String(e.code);
  // MikroORM's message is "<statement with values> - <PostgreSQL's message>";
  // `sqlMessage` is PostgreSQL's alone (a `pg` error's message is that already).
  let base = typeof e.sqlMessage === 'string' ? e.sqlMessage : String(e.message ?? '');
  const detailAt = base.lastIndexOf('\n - detail:');
  if (detailAt >= 0) base = base.slice(0, detailAt);
  if (typeof e.sqlMessage !== 'string' && /Exception$/.test(e.name ?? '')) {
    const separator = base.lastIndexOf(' - ');
    if (separator >= 0) base = base.slice(separator + 3);
  }
  const detail = typeof e.detail === 'string' ? ` (${maskValues(e.detail)})` : '';
  const safe = new Error(`${maskValues(base)}${detail}`);
  safe.name = e.name ?? 'DatabaseError';
  const frames = (e.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  safe.stack = `${safe.name}: ${safe.message}\n${frames.join('\n')}`;
  Object.assign(safe, {
    code: sqlState,
    ...(typeof e.table === 'string' ? { table: e.table } : {}),
    ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
  });
  return safe;
}

/** The `err` of a log line: a plain object, database errors redacted, causes followed. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) && !isDatabaseError(error)) return error;
  const safe = redactError(error) as Error & { code?: unknown; cause?: unknown };
  const out: Record<string, unknown> = {
    type: safe.name,
    message: redactText(safe.message),
    stack: redactText(safe.stack ?? ''),
  };
  if (safe.code !== undefined) out['code'] = safe.code;
  for (const key of ['table', 'constraint', 'statusCode', 'validation'] as const) {
    const value = (safe as unknown as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  if (safe.cause !== undefined && depth < 5) out['cause'] = serializeError(safe.cause, depth + 1);
  return out;
}

interface RawRequestLike {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  socket?: { remoteAddress?: string; remotePort?: number };
  ip?: string;
  hostname?: string;
}

/**
 * Logger options for Fastify with Tandem's redaction: request URLs lose
 * their secret query values, errors are serialized through
 * {@link serializeError}, credentials in any logged object are censored,
 * and every message string is scrubbed of secret query values — at every
 * level. `false` stays `false`.
 *
 * @example
 * buildApp({ ctx, logger: secureLoggerOptions({ level: 'info' }) });
 */
export function secureLoggerOptions(
  logger: FastifyServerOptions['logger'],
): FastifyServerOptions['logger'] {
  if (logger === false || logger === undefined) return false;
  const options = (logger === true ? {} : logger) as Record<string, unknown>;
  const serializers = (options['serializers'] ?? {}) as Record<string, unknown>;
  const hooks = (options['hooks'] ?? {}) as Record<string, unknown>;
  return {
    ...options,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["idempotency-key"]',
        'res.headers["set-cookie"]',
        'token',
        '*.token',
        'sessionToken',
        '*.sessionToken',
        'secret',
        '*.secret',
        'password',
        '*.password',
      ],
      censor: REDACTED,
    },
    serializers: {
      ...serializers,
      req: (request: RawRequestLike) => ({
        method: request.method,
        url: redactUrl(String(request.url ?? '')),
        hostname: request.hostname,
        remoteAddress: request.ip ?? request.socket?.remoteAddress,
        remotePort: request.socket?.remotePort,
      }),
      err: (error: unknown) => serializeError(error),
    },
    hooks: {
      ...hooks,
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)),
        );
      },
    },
  } as FastifyServerOptions['logger'];
}
