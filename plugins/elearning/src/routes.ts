/**
 * The elearning plugin's HTTP routes: the xAPI statement endpoint partners'
 * platforms send to (Basic auth with a partner key), and the organization
 * admins' routes that register partners, rotate their keys, map xAPI
 * accounts to people and read what became of each statement.
 */
import {
  access,
  errorResponses as errors,
  invalid,
  newId,
  parseEmailField,
  TandemError,
  Title,
  Type,
  type PluginContext,
  type PluginReply,
  type PluginRequest,
  type PluginRouter,
  type TSchema,
} from '@tandem/core';
import { elearningErrors } from './errors.js';
import {
  generatePartnerKey,
  hashPartnerKey,
  keyMatches,
  keyPrefix,
  parseBasicAuth,
} from './keys.js';
import {
  conflictingIds,
  receiveStatement,
  type Partner,
  type Receipt,
  type StatementsContext,
} from './statements.js';
import {
  isSupportedVersion,
  readStatement,
  readStatements,
  XAPI_VERSION,
  type ReadStatement,
} from './xapi.js';

/** Where the xAPI routes are mounted (the plugin's `routePrefix`). */
export const XAPI_PREFIX = '/api/integrations/xapi';

/** What the routes use of the platform. */
export type ElearningContext = StatementsContext & PluginContext<'organizations'>;

/** Where partners' platforms send statements: their LRS endpoint is this path's parent. */
export const XAPI_STATEMENTS_PATH = '/api/integrations/xapi/statements';

/** The endpoint to configure in a partner's platform (xAPI clients append `statements`). */
export const XAPI_ENDPOINT_PATH = '/api/integrations/xapi/';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const PartnerParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const PartnerView = Type.Object({
  id: Type.String({ description: 'The Basic auth user name' }),
  organizationId: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  keyRotatedAt: Nullable(Type.String({ format: 'date-time' })),
  keyPrefix: Nullable(
    Type.String({
      description:
        'The first characters of the current key, to tell keys apart; null for a key made before they were kept',
    }),
  ),
  lastUsedAt: Nullable(
    Type.String({
      format: 'date-time',
      description: 'When the partner last called with its key (to the minute); null if never',
    }),
  ),
  revokedAt: Nullable(
    Type.String({ format: 'date-time', description: 'When its access was revoked, for good' }),
  ),
});

const Credentials = Type.Object({
  endpoint: Type.String({ description: 'The LRS endpoint to configure in the platform' }),
  username: Type.String(),
  password: Type.String({ description: 'The key; shown only in this answer' }),
});

const PartnerWithKey = Type.Object({
  ...PartnerView.properties,
  key: Type.String({ description: 'The key, shown only in this answer; Tandem keeps its hash' }),
  xapi: Credentials,
});

const StatementLogEntry = Type.Object({
  statementId: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  verb: Type.String(),
  objectId: Nullable(Type.String()),
  outcome: Type.Union([Type.Literal('counted'), Type.Literal('ignored')]),
  reason: Nullable(Type.String()),
  challengeIds: Type.Array(Type.String()),
});

/** The xAPI statement endpoint's 401 challenge, as LRS clients expect it. */
const WWW_AUTHENTICATE = 'Basic realm="Tandem xAPI", charset="UTF-8"';

interface PartnerRow {
  id: string;
  organization_id: string;
  name: string;
  created_at: Date;
  key_rotated_at: Date | null;
  key_prefix: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const PARTNER_COLUMNS =
  'id, organization_id, name, created_at, key_rotated_at, key_prefix, last_used_at, revoked_at';

/**
 * How stale `last_used_at` may be: a partner sending statements all day
 * writes its row about once a minute, not on every request.
 */
const LAST_USE_PRECISION = '1 minute';

const iso = (value: Date | string) => new Date(value).toISOString();

const partnerView = (row: PartnerRow) => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  createdAt: iso(row.created_at),
  keyRotatedAt: row.key_rotated_at ? iso(row.key_rotated_at) : null,
  keyPrefix: row.key_prefix,
  lastUsedAt: row.last_used_at ? iso(row.last_used_at) : null,
  revokedAt: row.revoked_at ? iso(row.revoked_at) : null,
});

async function findPartner(
  context: ElearningContext,
  organizationId: string,
  id: string,
): Promise<PartnerRow> {
  const [row] = await context.tables.query<PartnerRow>(
    `select ${PARTNER_COLUMNS} from elearning_partner where id = ? and organization_id = ?`,
    [id, organizationId],
  );
  if (!row) throw new TandemError('TANDEM_NOT_FOUND', `No e-learning partner "${id}".`);
  return row;
}

/** The credentials block a partner's platform is configured with. */
const credentials = (context: ElearningContext, partnerId: string, key: string) => ({
  endpoint: `${context.publicUrl}${XAPI_ENDPOINT_PATH}`,
  username: partnerId,
  password: key,
});

/**
 * The partner each authenticated xAPI request comes from, set by the
 * `onRequest` hook; keyed by the request object, so nothing outlives it.
 */
const partnersByRequest = new WeakMap<object, Partner>();

function partnerOf(request: object): Partner {
  const partner = partnersByRequest.get(request);
  if (!partner) throw new Error('xAPI route reached without an authenticated partner');
  return partner;
}

/**
 * Authenticates an xAPI request before anything else runs: Basic auth with
 * a partner key (401 otherwise), then `X-Experience-API-Version` 1.0.x (400
 * otherwise).
 *
 * The `Authorization` header is taken off the request once read: core's
 * own credential check, which runs later for every route, knows only
 * Bearer tokens and would refuse a Basic header. For the same reason the
 * partner is named as the scope of its `Idempotency-Key`s: to core the
 * request is otherwise anonymous.
 */
function authenticatePartner(context: ElearningContext) {
  return async (request: PluginRequest, reply: PluginReply): Promise<void> => {
    void reply.header('x-experience-api-version', XAPI_VERSION);
    const header = request.headers['authorization'];
    delete request.headers['authorization'];
    const given = parseBasicAuth(typeof header === 'string' ? header : undefined);
    if (!given) {
      void reply.header('www-authenticate', WWW_AUTHENTICATE);
      throw new TandemError(
        header === undefined ? 'TANDEM_AUTH_REQUIRED' : 'TANDEM_AUTH_INVALID',
        'Send Authorization: Basic base64(partnerId:key), with the key given when the partner was registered.',
      );
    }
    const [row] = await context.tables.query<{
      id: string;
      organization_id: string;
      key_hash: string;
    }>(
      'select id, organization_id, key_hash from elearning_partner where id = ? and revoked_at is null',
      [given.username],
    );
    // A revoked partner is refused exactly like a wrong key: nothing tells
    // a caller holding an old key that the partner exists.
    if (!row || !keyMatches(given.password, row.key_hash)) {
      void reply.header('www-authenticate', WWW_AUTHENTICATE);
      throw new TandemError('TANDEM_AUTH_INVALID', 'Unknown partner or wrong key.');
    }
    if (!isSupportedVersion(request.headers['x-experience-api-version'])) {
      const path = 'headers/x-experience-api-version';
      const message = `must be 1.0.x; this endpoint speaks xAPI ${XAPI_VERSION}`;
      throw new TandemError('TANDEM_REQUEST_INVALID', `${path}: ${message}`, [{ path, message }]);
    }
    await context.tables.query(
      `update elearning_partner set last_used_at = ?
        where id = ? and (last_used_at is null or last_used_at < ?::timestamptz - interval '${LAST_USE_PRECISION}')`,
      [context.now(), row.id, context.now()],
    );
    request.idempotencyScope = `elearning-partner:${row.id}`;
    partnersByRequest.set(request, { id: row.id, organizationId: row.organization_id });
  };
}

/** Receives a request's statements in order; 409 if any id is known with other content. */
async function receiveAll(
  context: ElearningContext,
  partner: Partner,
  statements: readonly ReadStatement[],
): Promise<Receipt[]> {
  const conflictMessage = (ids: readonly string[]) =>
    `Statement ${ids.join(', ')} was already received with other content; statements are immutable.`;
  const conflicts = await conflictingIds(context, partner, statements);
  if (conflicts.length > 0)
    throw new TandemError(elearningErrors.STATEMENT_CONFLICT, conflictMessage(conflicts));
  const receipts: Receipt[] = [];
  for (const statement of statements) {
    receipts.push(await receiveStatement(context, partner, statement));
  }
  // Only a concurrent request with other content under the same id gets here.
  const raced = receipts.filter((receipt) => receipt.outcome === 'conflict');
  if (raced.length > 0) {
    throw new TandemError(
      elearningErrors.STATEMENT_CONFLICT,
      conflictMessage(raced.map((r) => r.id)),
    );
  }
  return receipts;
}

/**
 * An xAPI statement as the route schema sees it: an open document whose
 * fields `readStatement` checks itself. Declared, so that core does not
 * refuse the body as one the route never reads.
 */
const OpenStatement = Type.Object({}, { additionalProperties: true });

/** Mounts the plugin's routes. */
export function elearningRoutes(router: PluginRouter, context: ElearningContext): void {
  const authenticate = authenticatePartner(context);

  router.route({
    method: 'GET',
    url: '/about',
    // xAPI clients send their Basic credentials with every request; the
    // about resource needs none, and core would refuse a Basic header.
    onRequest: async (request) => {
      delete request.headers['authorization'];
    },
    schema: {
      'x-tandem-access': access.anyone(),
      tags: ['elearning'],
      summary: 'The xAPI versions this endpoint speaks (no credentials needed)',
      response: { 200: Type.Object({ version: Type.Array(Type.String()) }) },
    },
    async handler(_request, reply) {
      void reply.header('x-experience-api-version', XAPI_VERSION);
      return { version: [XAPI_VERSION] };
    },
  });

  router.route({
    method: 'POST',
    url: XAPI_STATEMENTS_PATH.slice(XAPI_PREFIX.length),
    onRequest: authenticate,
    bodyLimit: 1024 * 1024,
    schema: {
      'x-tandem-access': access.token('auth', {
        note: "a partner's Basic credentials, whoever else calls",
      }),
      tags: ['elearning'],
      summary:
        'Receive xAPI 1.0.3 statements from a partner (Basic auth): one statement or an array',
      description:
        'Statements are open documents: extensions and unknown fields are accepted. ' +
        '`completed`/`passed` for a course an open challenge counts becomes the ' +
        "actor's contribution, once per statement id and once per person and challenge; " +
        'other statements are stored as ignored. Answers the statement ids, generating ' +
        'UUIDs for statements sent without one.',
      body: Type.Union([OpenStatement, Type.Array(OpenStatement)]),
      response: {
        200: Type.Array(Type.String(), { description: 'The statement ids, in order' }),
        ...errors(400, 401, 409),
      },
    },
    async handler(request) {
      const partner = partnerOf(request);
      const statements = readStatements(request.body);
      const receipts = await receiveAll(context, partner, statements);
      return receipts.map((receipt) => receipt.id);
    },
  });

  router.route({
    method: 'PUT',
    url: XAPI_STATEMENTS_PATH.slice(XAPI_PREFIX.length),
    onRequest: authenticate,
    schema: {
      'x-tandem-access': access.token('auth', {
        note: "a partner's Basic credentials, whoever else calls",
      }),
      tags: ['elearning'],
      summary: 'Receive one xAPI statement under a given id (Basic auth)',
      querystring: Type.Object(
        { statementId: Type.Optional(Type.String({ maxLength: 100 })) },
        { additionalProperties: true },
      ),
      body: OpenStatement,
      response: { 204: Type.Null(), ...errors(400, 401, 409) },
    },
    async handler(request, reply) {
      const partner = partnerOf(request);
      const { statementId } = request.query;
      if (statementId === undefined) throw invalid('statementId', 'is required with PUT');
      if (!/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(statementId)) {
        throw invalid('statementId', 'must be a UUID');
      }
      const statement = readStatement(request.body, 'statement', statementId);
      await receiveAll(context, partner, [statement]);
      return reply.code(204).send(null);
    },
  });

  router.organizationRoute({
    method: 'POST',
    path: '/elearning/partners',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['elearning'],
      summary: 'Register an e-learning partner (org admin); its key is shown only in this answer',
      body: Type.Object({ name: Title({ maxLength: 200 }) }, { additionalProperties: false }),
      response: { 201: PartnerWithKey, ...errors(400, 401, 403, 404) },
    },
    async handler(request, reply, organization) {
      const organizationId = organization.id;
      const name = request.body.name.trim();
      if (name === '') throw invalid('name', 'must not be blank');
      const key = generatePartnerKey();
      const [row] = await context.tables.query<PartnerRow>(
        `insert into elearning_partner (id, organization_id, name, key_hash, key_prefix, created_at)
         values (?, ?, ?, ?, ?, ?)
         returning ${PARTNER_COLUMNS}`,
        [newId('elp'), organizationId, name, hashPartnerKey(key), keyPrefix(key), context.now()],
      );
      if (!row) throw new Error('the partner was not stored');
      return reply
        .code(201)
        .send({ ...partnerView(row), key, xapi: credentials(context, row.id, key) });
    },
  });

  router.organizationRoute({
    method: 'GET',
    path: '/elearning/partners',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['elearning'],
      summary: "An organization's e-learning partners, without their keys (org admin)",
      response: {
        200: Type.Object({ partners: Type.Array(PartnerView) }),
        ...errors(401, 403, 404),
      },
    },
    async handler(request, _reply, organization) {
      const organizationId = organization.id;
      const rows = await context.tables.query<PartnerRow>(
        `select ${PARTNER_COLUMNS}
           from elearning_partner where organization_id = ? order by created_at, id`,
        [organizationId],
      );
      return { partners: rows.map(partnerView) };
    },
  });

  router.organizationRoute({
    method: 'POST',
    path: '/elearning/partners/:id/key',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['elearning'],
      summary:
        "Replace a partner's key (org admin); the new one is shown only in this answer, the old one stops working at once",
      params: PartnerParams,
      response: { 200: PartnerWithKey, ...errors(401, 403, 404, 409) },
    },
    async handler(request, _reply, organization) {
      const organizationId = organization.id;
      const partner = await findPartner(context, organizationId, request.params.id);
      if (partner.revoked_at !== null) {
        throw new TandemError(
          elearningErrors.PARTNER_REVOKED,
          `The access of partner "${partner.id}" was revoked; register it again for a new key.`,
        );
      }
      const key = generatePartnerKey();
      // `revoked_at is null` again: a revocation that commits meanwhile wins.
      const [row] = await context.tables.query<PartnerRow>(
        `update elearning_partner set key_hash = ?, key_prefix = ?, key_rotated_at = ?
          where id = ? and revoked_at is null
         returning ${PARTNER_COLUMNS}`,
        [hashPartnerKey(key), keyPrefix(key), context.now(), request.params.id],
      );
      if (!row) {
        throw new TandemError(
          elearningErrors.PARTNER_REVOKED,
          `The access of partner "${partner.id}" was revoked; register it again for a new key.`,
        );
      }
      return { ...partnerView(row), key, xapi: credentials(context, row.id, key) };
    },
  });

  router.organizationRoute({
    method: 'POST',
    path: '/elearning/partners/:id/revoke',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['elearning'],
      summary:
        "Revoke a partner's access for good (org admin): its key stops working at once; its statements log stays",
      description:
        'Revoking is final and idempotent (a second call answers the same revocation). ' +
        'The partner is kept, with what its statements counted, rather than deleted.',
      params: PartnerParams,
      response: { 200: PartnerView, ...errors(401, 403, 404) },
    },
    async handler(request, _reply, organization) {
      const partner = await findPartner(context, organization.id, request.params.id);
      const [row] = await context.tables.query<PartnerRow>(
        `update elearning_partner set revoked_at = coalesce(revoked_at, ?)
          where id = ? returning ${PARTNER_COLUMNS}`,
        [context.now(), partner.id],
      );
      if (!row) throw new TandemError('TANDEM_NOT_FOUND', `No e-learning partner "${partner.id}".`);
      return partnerView(row);
    },
  });

  router.organizationRoute({
    method: 'POST',
    path: '/elearning/partners/:id/accounts',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['elearning'],
      summary:
        "Map a partner's xAPI account (homePage, name) to a person's e-mail (org admin), for learners it does not know by e-mail",
      params: PartnerParams,
      body: Type.Object(
        {
          homePage: Type.String({ minLength: 1, maxLength: 2000 }),
          name: Type.String({ minLength: 1, maxLength: 500 }),
          email: Type.String({ minLength: 3, maxLength: 320 }),
        },
        { additionalProperties: false },
      ),
      response: {
        201: Type.Object({
          partnerId: Type.String(),
          homePage: Type.String(),
          name: Type.String(),
          participantId: Type.String(),
        }),
        ...errors(400, 401, 403, 404),
      },
    },
    async handler(request, reply, organization) {
      const organizationId = organization.id;
      const partner = await findPartner(context, organizationId, request.params.id);
      const { homePage, name } = request.body;
      const email = parseEmailField(request.body.email, 'email');
      const participantId = await context.tables.transaction(async (tx) => {
        const participant = await context.participants.upsertByEmail(email.canonical, { tx });
        await tx.query(
          `insert into elearning_account (partner_id, home_page, name, participant_id)
           values (?, ?, ?, ?)
           on conflict (partner_id, home_page, name) do update set participant_id = excluded.participant_id`,
          [partner.id, homePage, name, participant.id],
        );
        return participant.id;
      });
      return reply.code(201).send({ partnerId: partner.id, homePage, name, participantId });
    },
  });

  router.organizationRoute({
    method: 'GET',
    path: '/elearning/partners/:id/statements',
    role: 'admin',
    schema: {
      'x-tandem-access': access.role('admin'),
      tags: ['elearning'],
      summary:
        "What became of a partner's recent statements, newest first (org admin): counted, or ignored and why",
      params: PartnerParams,
      querystring: Type.Object(
        { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ statements: Type.Array(StatementLogEntry) }),
        ...errors(400, 401, 403, 404),
      },
    },
    async handler(request, _reply, organization) {
      const organizationId = organization.id;
      const partner = await findPartner(context, organizationId, request.params.id);
      const rows = await context.tables.query<{
        statement_id: string;
        received_at: Date;
        verb_id: string;
        object_id: string | null;
        outcome: 'counted' | 'ignored';
        reason: string | null;
        challenge_ids: string[];
      }>(
        `select statement_id, received_at, verb_id, object_id, outcome, reason, challenge_ids
           from elearning_statement where partner_id = ?
          order by received_at desc, statement_id limit ?`,
        [partner.id, request.query.limit ?? 50],
      );
      return {
        statements: rows.map((row) => ({
          statementId: row.statement_id,
          receivedAt: iso(row.received_at),
          verb: row.verb_id,
          objectId: row.object_id,
          outcome: row.outcome,
          reason: row.reason,
          challengeIds: row.challenge_ids,
        })),
      };
    },
  });
}
