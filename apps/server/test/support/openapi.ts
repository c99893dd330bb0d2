import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A JSON Schema as it appears in the served OpenAPI document. */
export type JsonSchema = Record<string, unknown>;

/** One operation of the served OpenAPI document. */
export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. `/api/challenges/{id}`. */
  path: string;
  /** `METHOD /path`, for messages. */
  name: string;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema; required: boolean }[];
  /** The JSON body's schema, when the operation declares one. */
  body: JsonSchema | undefined;
  /** Whether its success is an open event stream (answered over a socket, not `inject`). */
  streams: boolean;
  /** The raw operation object, with its extensions. */
  raw: Record<string, unknown>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Reads `/docs/json` and lists its operations. */
export async function loadOperations(app: FastifyInstance): Promise<Operation[]> {
  const response = await app.inject({ method: 'GET', url: '/docs/json' });
  if (response.statusCode !== 200) throw new Error(`/docs/json answered ${response.statusCode}`);
  return operationsOf(response.json());
}

/** The operations of an OpenAPI document. */
export function operationsOf(document: unknown): Operation[] {
  const spec = document as { paths: Record<string, Record<string, Record<string, unknown>>> };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const parameters = (raw['parameters'] ?? []) as {
        in: string;
        name: string;
        required?: boolean;
        schema?: JsonSchema;
      }[];
      const content = (raw['requestBody'] as { content?: Record<string, { schema?: JsonSchema }> })
        ?.content;
      const responses = (raw['responses'] ?? {}) as Record<string, { content?: object }>;
      const streams = Object.values(responses).some((r) =>
        Object.keys(r.content ?? {}).includes('text/event-stream'),
      );
      operations.push({
        method: method.toUpperCase(),
        path,
        name: `${method.toUpperCase()} ${path}`,
        pathParams: parameters
          .filter((p) => p.in === 'path')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        queryParams: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })),
        body: content?.['application/json']?.schema,
        streams,
        raw,
      });
    }
  }
  return operations;
}

/** Percent-encodes a path segment or query value, even one holding lone surrogates. */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: send its UTF-8 bytes as a lenient encoder would.
    return [...Buffer.from(value, 'utf8')]
      .map((b) => `%${b.toString(16).padStart(2, '0')}`)
      .join('');
  }
}

/** Fills `{name}` in an OpenAPI path with already-encoded segments. */
export function fillPath(path: string, segments: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => segments[name] ?? 'missing');
}

/** One HTTP request as the suites send it. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The exact body text, when there is one. */
  payload?: string;
}

/**
 * What came back; `status` 0 when nothing came back: `hung` past the
 * deadline, or a body saying the request was `not sent` (refused by the
 * client) or the `connection broke` (the server cut it).
 */
export interface Answer {
  status: number;
  body: string;
  ms: number;
  hung: boolean;
}

const excerpt = (text: string, max = 300) =>
  text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;

/** A request and its answer on one line, for failure reports. */
export function describeExchange(request: SentRequest, answer: Answer): string {
  const auth = request.headers['authorization'] ? ' (signed in)' : '';
  return `${request.method} ${excerpt(request.url, 200)}${auth} body=${excerpt(
    JSON.stringify(request.payload ?? null),
  )} → ${answer.hung ? 'no answer' : answer.status} ${excerpt(answer.body, 200)}`;
}

/**
 * Sends requests with a deadline each: through `inject()`, or over a
 * loopback socket for event streams (which never end, so only their head
 * is read).
 */
export class Sender {
  private base: { host: string; port: number } | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(request: SentRequest, options: { stream?: boolean } = {}): Promise<Answer> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Answer>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 0, body: '', ms: Date.now() - started, hung: true }),
        this.timeoutMs,
      );
    });
    const exchange = options.stream ? this.overSocket(request) : this.inject(request);
    try {
      const answer = await Promise.race([exchange, deadline]);
      return { ...answer, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  private async inject(request: SentRequest): Promise<Answer> {
    const response = await this.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: request.headers,
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    });
    return { status: response.statusCode, body: response.body, ms: 0, hung: false };
  }

  private async overSocket(request: SentRequest): Promise<Answer> {
    if (!this.base) {
      if (!this.app.server.listening) await this.app.listen({ host: '127.0.0.1', port: 0 });
      const address = this.app.server.address() as AddressInfo;
      this.base = { host: '127.0.0.1', port: address.port };
    }
    const { host, port } = this.base;
    return new Promise<Answer>((resolve) => {
      const refused = (error: Error) =>
        resolve({ status: 0, body: `not sent: ${error.message}`, ms: 0, hung: false });
      let outgoing: ReturnType<typeof httpRequest>;
      // Node's client refuses some paths itself (control characters): not sent.
      try {
        outgoing = httpRequest(
          {
            host,
            port,
            method: request.method,
            path: request.url,
            headers: request.headers,
            // A connection per request: one left by a cut stream is never reused.
            agent: false,
          },
          (response) => {
            const status = response.statusCode ?? 0;
            if (String(response.headers['content-type']).startsWith('text/event-stream')) {
              // The stream stays open: its head is the answer.
              response.destroy();
              resolve({ status, body: '(event stream)', ms: 0, hung: false });
              return;
            }
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status, body: Buffer.concat(chunks).toString('utf8'), ms: 0, hung: false }),
            );
            response.on('error', () => resolve({ status, body: '', ms: 0, hung: false }));
          },
        );
      } catch (error) {
        refused(error as Error);
        return;
      }
      outgoing.on('error', (error) =>
        resolve({ status: 0, body: `connection broke: ${error.message}`, ms: 0, hung: false }),
      );
      if (request.payload !== undefined) outgoing.write(request.payload);
      outgoing.end();
    });
  }
}
