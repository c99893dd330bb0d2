import fc from 'fast-check';
import {
  describeExchange,
  encodeSegment,
  fillPath,
  type JsonSchema,
  type Operation,
  type Sender,
  type SentRequest,
} from './openapi.js';

/**
 * Schema-driven fuzzing: for each operation of the OpenAPI document, fast-check
 * derives requests from its schemas — valid ones, and the same spoiled with
 * hostile values — and the suite checks that none answers 5xx or hangs.
 */

/** One megabyte of text: four times the body limit, and far past any field's. */
export const MEGABYTE = 'x'.repeat(1024 * 1024);

/** Strings that broke or may break a server: control, surrogates, invisible and bidi characters… */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u200b',
  'jane\u200b@example.org',
  '\u202e' + 'gro.elpmaxe@eno',
  '\u200f\u200e',
  '\ufeff',
  '\u0085\u2028\u2029',
  'e\u0301',
  '%00',
  '%',
  '../../../../etc/passwd',
  "'; drop table participant; --",
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e308',
  '1e400',
  'Infinity',
  '18446744073709551616',
  '0x10',
  '١٢٣',
  'a,b@example.org',
  '"quoted"@example.org',
  'victim@[127.0.0.1]',
  '__proto__',
  'constructor',
  'ö'.repeat(300),
  '😀'.repeat(100),
  MEGABYTE,
];

/** Numbers at the edges; `1e400` is sent as raw JSON and parses to Infinity. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  2 ** 64,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
];

/** Raw path segments that are malformed once percent-decoding starts. */
export const HOSTILE_SEGMENTS: readonly string[] = [
  '%00',
  '%ED%A0%80',
  '%C0%AF',
  '%E2%80%AE',
  '%',
  '%zz',
  '..',
  '%2e%2e%2f',
  'a'.repeat(300),
];

// A raw number that JSON.stringify cannot write: placed as a marker string,
// then swapped into the body text.
const RAW_MARKERS: Record<string, string> = {
  '\u0001raw:1e400': '1e400',
  '\u0001raw:-1e400': '-1e400',
  '\u0001raw:1e-400': '1e-400',
  '\u0001raw:big': '123456789012345678901234567890',
  // Deep nesting is written as text: building it as a value would overflow
  // the test's own stack before the server sees it.
  '\u0001raw:deep-array-600': `${'['.repeat(600)}0${']'.repeat(600)}`,
  '\u0001raw:deep-object-5000': `${'{"a":'.repeat(5_000)}0${'}'.repeat(5_000)}`,
  '\u0001raw:deep-array-10000': `${'['.repeat(10_000)}0${']'.repeat(10_000)}`,
};

/** Deeply nested JSON: arrays or objects `depth` levels down. */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...Object.keys(RAW_MARKERS)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': null }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(nested(20, 'object'), nested(100, 'array')),
  },
  { weight: 1, arbitrary: fc.array(fc.constant('x'), { minLength: 1000, maxLength: 1000 }) },
);

/** Hints by property name: values the schema cannot tell (ids, e-mails, URLs). */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

const MAX_GENERATED_STRING = 40;

/** A value that satisfies `schema` as far as a schema can tell. */
export function fromSchema(
  schema: JsonSchema,
  hints: Hints = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  if ('const' in schema) return fc.constant(schema['const']);
  const alternatives = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => fromSchema(s, hints, depth + 1)));
  if (Array.isArray(schema['allOf']))
    return fromSchema((schema['allOf'] as JsonSchema[])[0] ?? {}, hints, depth);
  const type = schema['type'];
  if (Array.isArray(type)) {
    return fc.oneof(...type.map((t) => fromSchema({ ...schema, type: t }, hints, depth)));
  }
  const orNull = (arbitrary: fc.Arbitrary<unknown>) =>
    schema['nullable'] === true ? fc.option(arbitrary, { nil: null }) : arbitrary;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return orNull(fc.boolean());
    case 'integer':
    case 'number': {
      const exclusiveMin = schema['exclusiveMinimum'];
      const exclusiveMax = schema['exclusiveMaximum'];
      let min = typeof schema['minimum'] === 'number' ? (schema['minimum'] as number) : -1e6;
      let max = typeof schema['maximum'] === 'number' ? (schema['maximum'] as number) : 1e6;
      if (typeof exclusiveMin === 'number') min = exclusiveMin + (type === 'integer' ? 1 : 1e-3);
      else if (exclusiveMin === true) min += type === 'integer' ? 1 : 1e-3;
      if (typeof exclusiveMax === 'number') max = exclusiveMax - (type === 'integer' ? 1 : 1e-3);
      else if (exclusiveMax === true) max -= type === 'integer' ? 1 : 1e-3;
      if (type === 'integer')
        return orNull(fc.integer({ min: Math.ceil(min), max: Math.floor(max) }));
      return orNull(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
    }
    case 'string': {
      const minLength = (schema['minLength'] as number | undefined) ?? 0;
      const maxLength = Math.min(
        (schema['maxLength'] as number | undefined) ?? MAX_GENERATED_STRING,
        Math.max(minLength, MAX_GENERATED_STRING),
      );
      const format = schema['format'];
      if (format === 'date-time') {
        return orNull(
          fc
            .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
        );
      }
      if (format === 'date') {
        return orNull(
          fc
            .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
        );
      }
      if (format === 'uri') return orNull(fc.webUrl());
      if (format === 'email') return orNull(fc.emailAddress());
      if (typeof schema['pattern'] === 'string') {
        return orNull(
          fc
            .stringMatching(new RegExp(schema['pattern'] as string))
            .filter((s) => s.length >= minLength && s.length <= maxLength),
        );
      }
      return orNull(fc.string({ minLength, maxLength }));
    }
    case 'array': {
      const items = (schema['items'] ?? {}) as JsonSchema;
      const minLength = (schema['minItems'] as number | undefined) ?? 0;
      const maxLength = Math.min((schema['maxItems'] as number | undefined) ?? 4, minLength + 4);
      const item = fromSchema(items, hints, depth + 1);
      return orNull(
        schema['uniqueItems']
          ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(item, { minLength, maxLength }),
      );
    }
    case 'object':
    default: {
      const properties = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      const names = Object.keys(properties);
      if (names.length === 0 && type !== 'object') return fc.jsonValue({ maxDepth: 2 });
      const required = (schema['required'] ?? []) as string[];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const name of names) {
        const derived = fromSchema(properties[name] ?? {}, hints, depth + 1);
        const hint = hints[name];
        model[name] = hint
          ? fc.oneof({ weight: 3, arbitrary: hint }, { weight: 1, arbitrary: derived })
          : derived;
      }
      const record = fc.record(model, { requiredKeys: required.filter((r) => r in model) });
      if (names.length === 0) {
        // An open object whose shape belongs to a plugin: hints first.
        const open = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 4,
        });
        return orNull(open);
      }
      return orNull(record);
    }
  }
}

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(prefix);
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  for (const [key, child] of Object.entries(value)) {
    pathsOf(child, [...prefix, Array.isArray(value) ? Number(key) : key], out, depth + 1);
  }
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string] = value;
  return copy;
}

/** How a valid body is spoiled. */
export type Spoil =
  | { kind: 'none' }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'unknown-field'; pick: number; name: string; value: unknown }
  | { kind: 'whole'; value: unknown }
  | { kind: 'text'; text: string };

const spoil: fc.Arbitrary<Spoil> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      pick: fc.nat(),
      value: hostileValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('unknown-field' as const),
      pick: fc.nat(),
      name: fc.constantFrom(
        '__proto__',
        'constructor',
        'role',
        'isAdmin',
        'organizationId',
        'status',
        'x',
      ),
      value: fc.oneof(
        hostileValue,
        fc.constant({ polluted: true }),
        fc.constant({ prototype: { polluted: true } }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('whole' as const), value: hostileValue }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      text: fc.constantFrom(
        '{',
        '{"a":',
        '[1,]',
        'nul',
        '"\\ud800"',
        '{"a":1}{"b":2}',
        '\u0000',
        MEGABYTE,
      ),
    }),
  },
);

/** Applies a spoil to a valid body and writes the body text. */
export function spoilBody(valid: unknown, how: Spoil): string {
  let value = valid;
  if (how.kind === 'text') return how.text;
  if (how.kind === 'whole') value = how.value;
  if (how.kind === 'replace') {
    const paths = pathsOf(valid);
    value = setAt(valid, paths[how.pick % paths.length] ?? [], how.value);
  }
  if (how.kind === 'unknown-field') {
    const objects = pathsOf(valid).filter((path) => {
      let node: unknown = valid;
      for (const key of path) node = (node as Record<string | number, unknown>)[key];
      return node !== null && typeof node === 'object' && !Array.isArray(node);
    });
    const target = objects[how.pick % Math.max(1, objects.length)];
    if (target) {
      let text = JSON.stringify(valid);
      // `__proto__` must be an own key of the JSON text, which an object literal cannot hold.
      const parent = JSON.stringify(
        target.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], valid),
      );
      const extra = `${JSON.stringify(how.name)}:${JSON.stringify(how.value)}`;
      const patched = parent === '{}' ? `{${extra}}` : `{${extra},${parent.slice(1)}`;
      text = target.length === 0 ? patched : text.replace(parent, () => patched);
      return rawNumbers(text);
    }
  }
  return rawNumbers(JSON.stringify(value) ?? 'null');
}

function rawNumbers(text: string): string {
  let out = text;
  for (const [marker, raw] of Object.entries(RAW_MARKERS)) {
    out = out.split(JSON.stringify(marker)).join(raw);
  }
  return out;
}

/** What the fuzz knows of the world: callers' tokens, real ids, hints. */
export interface FuzzContext {
  /** Bearer tokens to sign in with; `undefined` for anonymous. */
  tokens: readonly (string | undefined)[];
  ids: readonly string[];
  /** Ids that fit one path parameter of one operation (a campaign id for `/api/campaigns/{id}`). */
  fitting?: (operation: Operation, name: string) => readonly string[];
  hints: Hints;
}

/** The arbitrary of whole requests for one operation. */
export function requestArbitrary(
  operation: Operation,
  context: FuzzContext,
): fc.Arbitrary<SentRequest> {
  const segment = (name: string, schema: JsonSchema) => {
    const fitting = context.fitting?.(operation, name) ?? [];
    return fc.oneof(
      ...(fitting.length > 0 ? [{ weight: 8, arbitrary: fc.constantFrom(...fitting) }] : []),
      { weight: 2, arbitrary: fc.constantFrom(...context.ids).map(encodeSegment) },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 2000))
          .map(encodeSegment),
      },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
      { weight: 1, arbitrary: fromSchema(schema).map((v) => encodeSegment(String(v))) },
    );
  };
  const pathParams = fc.record(
    Object.fromEntries(operation.pathParams.map((p) => [p.name, segment(p.name, p.schema)])),
  ) as fc.Arbitrary<Record<string, string>>;
  const queryParams = fc.record(
    Object.fromEntries(
      operation.queryParams.map((p) => [
        p.name,
        fc.option(
          fc.oneof(
            { weight: 3, arbitrary: (context.hints[p.name] ?? fromSchema(p.schema)).map(String) },
            { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(encodeSegment) },
            { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
          ),
          { nil: undefined, freq: p.required ? 8 : 2 },
        ),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, string | undefined>>;
  const writes = operation.method !== 'GET' && operation.method !== 'DELETE';
  const body: fc.Arbitrary<string | undefined> = operation.body
    ? fc
        .tuple(fromSchema(operation.body, context.hints), spoil)
        .map(([valid, how]) => spoilBody(valid, how))
    : writes
      ? fc
          .option(
            fc
              .tuple(fc.jsonValue({ maxDepth: 3 }), spoil)
              .map(([valid, how]) => spoilBody(valid, how)),
            { freq: 3 },
          )
          .map((v) => v ?? undefined)
      : fc.constant(undefined);
  const authorization = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(...context.tokens).map((t) => (t ? `Bearer ${t}` : undefined)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer ',
        'Bearer \u0000',
        'Bearer x y',
        'Basic Og==',
        'Basic ' + Buffer.from('nobody:nothing').toString('base64'),
        'Bearer ' + 'a'.repeat(5000),
      ),
    },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=latin1',
  );
  const idempotencyKey = fc.option(
    fc.oneof(fc.uuid(), fc.constantFrom('k', ' ', 'x'.repeat(201))),
    {
      freq: 3,
    },
  );
  return fc
    .record({ pathParams, queryParams, body, authorization, contentType, idempotencyKey })
    .map((parts) => {
      const query = Object.entries(parts.queryParams)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${encodeURIComponent(name)}=${value}`)
        .join('&');
      const headers: Record<string, string> = {};
      if (parts.authorization) headers['authorization'] = parts.authorization;
      if (parts.idempotencyKey) headers['idempotency-key'] = parts.idempotencyKey;
      if (parts.body !== undefined) headers['content-type'] = parts.contentType;
      return {
        method: operation.method,
        url: `${fillPath(operation.path, parts.pathParams)}${query ? `?${query}` : ''}`,
        headers,
        ...(parts.body !== undefined ? { payload: parts.body } : {}),
      };
    });
}

/** A valid request with its body spoiled, and sometimes an Idempotency-Key. */
export function spoiledBase(bases: readonly SentRequest[]): fc.Arbitrary<SentRequest> {
  return fc
    .record({
      base: fc.constantFrom(...bases),
      how: spoil,
      idempotencyKey: fc.option(fc.uuid(), { freq: 2 }),
      cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 2 }),
    })
    .map(({ base, how, idempotencyKey, cut }) => {
      const type = base.headers['content-type'] ?? '';
      if (type.startsWith('multipart/') && base.payload !== undefined && cut !== null) {
        // A form cut short anywhere: in its headers, its file, its closing boundary.
        const headers = { ...base.headers };
        if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
        return {
          ...base,
          headers,
          payload: base.payload.slice(0, Math.floor(base.payload.length * cut)),
        };
      }
      const headers: Record<string, string> = {
        ...base.headers,
        'content-type': 'application/json',
      };
      if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
      // A form sent as JSON instead: the upload route must refuse that too.
      const valid: unknown =
        base.payload === undefined || type.startsWith('multipart/') ? {} : JSON.parse(base.payload);
      return { ...base, headers, payload: spoilBody(valid, how) };
    });
}

export interface FuzzResult {
  operations: number;
  requests: number;
  /** One line per 5xx, hang or connection cut by the server. */
  failures: string[];
  /** How many answers of each status, to see how deep the requests went. */
  statuses: Record<number, number>;
  /** Requests that could not be sent or whose connection broke, with why. */
  unsent: string[];
  /** Operations that no request passed with a 2xx (only refusals were seen). */
  neverAccepted: string[];
}

/** A stable number from a text, to give each operation its own seed. */
const hash = (text: string) => {
  let h = 0;
  for (const char of text) h = (Math.imul(h, 31) + char.charCodeAt(0)) | 0;
  return h;
};

/** Sends `runs` requests per operation and collects every 5xx and hang. */
export async function runFuzz(options: {
  operations: readonly Operation[];
  sender: Sender;
  context: FuzzContext;
  seed: number;
  runs: number;
  /**
   * Valid requests of the operation (an admin's, an agent's…), which the
   * fuzz spoils too: hostile values then reach past access checks.
   */
  bases?: (operation: Operation) => Promise<SentRequest[]>;
}): Promise<FuzzResult> {
  const result: FuzzResult = {
    operations: 0,
    requests: 0,
    failures: [],
    statuses: {},
    unsent: [],
    neverAccepted: [],
  };
  for (const operation of options.operations) {
    result.operations += 1;
    const bases = options.bases ? await options.bases(operation) : [];
    const arbitrary =
      bases.length > 0
        ? fc.oneof(
            { weight: 1, arbitrary: requestArbitrary(operation, options.context) },
            { weight: 1, arbitrary: spoiledBase(bases) },
          )
        : requestArbitrary(operation, options.context);
    const requests = fc.sample(arbitrary, {
      seed: (options.seed ^ hash(operation.name)) | 0,
      numRuns: options.runs,
    });
    let accepted = false;
    for (const request of requests) {
      const answer = await options.sender.send(request, { stream: operation.streams });
      result.requests += 1;
      result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) accepted = true;
      if (answer.status === 0 && !answer.hung) {
        result.unsent.push(`${operation.name}: ${describeExchange(request, answer)}`);
      }
      const broke = answer.status === 0 && answer.body.startsWith('connection broke');
      if (answer.hung || broke || answer.status >= 500) {
        result.failures.push(`${operation.name}: ${describeExchange(request, answer)}`);
      }
    }
    if (!accepted) result.neverAccepted.push(operation.name);
  }
  return result;
}
