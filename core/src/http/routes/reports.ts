import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import type { ServiceContext } from '../../services/context.js';
import { campaignAttestation, publicKeySet } from '../../services/attestations.js';
import { campaignReportPdf } from '../../services/report-pdf.js';
import { campaignReport, reportToCsv } from '../../services/reports.js';
import type { App } from '../types.js';
import { AnyObject, errors, Nullable, StringEnum, TierView } from '../schemas.js';
import { feedLocale } from './map.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const Report = Type.Object({
  campaign: Type.Object({
    id: Type.String(),
    title: Type.String(),
    organization: Nullable(Type.String()),
    startsAt: Nullable(Type.String()),
    endsAt: Nullable(Type.String()),
  }),
  generatedAt: Type.String(),
  challenges: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      actionType: Type.String(),
      unit: Nullable(Type.String()),
      status: Type.String(),
      closedAt: Nullable(Type.String()),
      participants: Type.Number(),
      quantity: Type.Number(),
      co2eKg: Type.Number(),
      tiers: Type.Array(TierView),
      invalidated: Type.Object(
        { participants: Type.Number(), quantity: Type.Number(), co2eKg: Type.Number() },
        { description: 'what batch invalidations took out of the counts (ADR 0039)' },
      ),
    }),
  ),
  totals: Type.Object({
    participants: Type.Number(),
    quantityByUnit: Type.Record(Type.String(), Type.Number()),
    co2eKg: Type.Number(),
  }),
  sources: Type.Array(AnyObject, {
    description:
      'each action type of the campaign with the factors it declares today: id, key, label, value, unit, source, datasetId, versionDate, note',
  }),
  factorsUsed: Type.Array(
    Type.Object({
      id: Type.String({ description: "the factor version's id, a fingerprint of its fields" }),
      actionType: Type.String(),
      key: Type.String(),
      label: Type.String(),
      value: Type.Number(),
      unit: Type.String(),
      source: Type.String({ description: 'publisher and dataset' }),
      datasetId: Type.String({ description: "the value's identifier in the dataset" }),
      versionDate: Type.String({ description: 'the dataset release: YYYY, YYYY-MM or YYYY-MM-DD' }),
      note: Nullable(Type.String()),
      contributions: Type.Integer({ description: 'contributions computed with this version' }),
      current: Type.Boolean({ description: 'whether the plugin still declares this version' }),
    }),
    {
      description:
        'every factor version the recorded contributions were computed with (ADR 0045); a factor changed during the campaign appears once per version',
    },
  ),
});

const PublishedKey = Type.Object(
  {
    kty: Type.Literal('OKP'),
    crv: Type.Literal('Ed25519'),
    x: Type.String({ description: 'the public key, base64url' }),
    kid: Type.String({ description: "the key's RFC 7638 thumbprint (SHA-256)" }),
    alg: Type.Literal('EdDSA'),
    use: Type.Literal('sig'),
  },
  { additionalProperties: false },
);

/** How long verifiers may keep the key set: short, so a rotated key is seen soon. */
const JWKS_CACHE_CONTROL = 'public, max-age=300';

export async function reportRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/campaigns/:id/report',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of a sponsor of one of its tiers',
        }),
        tags: ['reports'],
        summary: 'The campaign report for the organizer and its sponsors',
        params: IdParams,
        response: { 200: Report, ...errors(401, 403, 404) },
      },
    },
    async (request) => campaignReport(ctx, request.viewer, request.params.id),
  );

  app.get(
    '/api/campaigns/:id/report.csv',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of a sponsor of one of its tiers',
        }),
        tags: ['reports'],
        summary: 'The campaign report as CSV',
        params: IdParams,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const report = await campaignReport(ctx, request.viewer, request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="report-${request.params.id}.csv"`)
        .send(reportToCsv(report));
    },
  );

  app.get(
    '/api/campaigns/:id/report.pdf',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of a sponsor of one of its tiers',
        }),
        tags: ['reports'],
        summary: 'The campaign report as PDF',
        description:
          "The same figures as `GET /api/campaigns/{id}/report`, laid out for a sponsor: the campaign and its period, the totals, each challenge's participants, quantity and CO2e, each tier's goal, counterpart, sponsor, unlock, the amount a matching tier owes, its delivery and proof, then the emission factors with their sources. Served as an attachment. In French unless `lang=en` or an `Accept-Language` preferring English asks otherwise (`lang` wins). A browser signed in to the site may follow a plain link to it (its session cookie is accepted on reads).",
        params: IdParams,
        querystring: Type.Object(
          {
            lang: Type.Optional(
              StringEnum(['fr', 'en'], {
                description:
                  'the language of the report; by default from `Accept-Language`, else French',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The report as a PDF document',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const locale = request.query.lang ?? feedLocale(request.headers['accept-language']);
      const { pdf } = await campaignReportPdf(ctx, request.viewer, request.params.id, { locale });
      return reply
        .type('application/pdf')
        .header('vary', 'accept-language')
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename="report-${request.params.id}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/api/campaigns/:id/attestation',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          note: 'also the admins of a sponsor of one of its tiers',
        }),
        tags: ['reports'],
        summary: "The campaign report's figures, signed by the platform",
        description:
          "A compact JWS (RFC 7515) signed with the platform's active Ed25519 key (`alg: EdDSA`); its protected header names the key (`kid`, listed at `/.well-known/jwks.json`) and the type `tandem-attestation+jwt`. The payload is the JSON of `GET /api/campaigns/{id}/report` at this moment, plus `iss` (the platform's public URL), `iat` (seconds since the epoch), `sub` and `campaignId` (the campaign's id). Verify it with `npx tandem verify <file> --jwks <url>` or any JOSE library. `download=1` answers the same JSON as an attachment (`attestation-<id>.json`), for a browser link that saves a file.",
        params: IdParams,
        querystring: Type.Object(
          {
            download: Type.Optional(
              StringEnum(['1', '0'], {
                description:
                  '`1`: send the answer as a file to save (`content-disposition: attachment`)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { jws: Type.String({ description: 'the compact JWS: header.payload.signature' }) },
            { additionalProperties: false },
          ),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const answer = await campaignAttestation(ctx, request.viewer, request.params.id);
      void reply.header('cache-control', 'private, no-store');
      if (request.query.download === '1') {
        void reply.header(
          'content-disposition',
          `attachment; filename="attestation-${request.params.id}.json"`,
        );
      }
      return answer;
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        'x-tandem-access': access.anyone({
          note: 'public keys, for anyone to verify attestations',
        }),
        tags: ['reports'],
        summary: "The platform's public signing keys (JWKS)",
        description:
          'Every key that signs or has signed attestations (RFC 7517), the active one first. A rotated key stays here, so what it signed keeps verifying. Cacheable for five minutes, and readable from any origin.',
        response: {
          200: Type.Object({ keys: Type.Array(PublishedKey) }, { additionalProperties: false }),
        },
      },
    },
    async (_request, reply) => {
      void reply
        .header('cache-control', JWKS_CACHE_CONTROL)
        .header('access-control-allow-origin', '*');
      return publicKeySet(ctx);
    },
  );
}
