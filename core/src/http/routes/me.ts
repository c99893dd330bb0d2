import { Type } from '@sinclair/typebox';
import type { ServiceContext } from '../../services/context.js';
import { erasePersonalData, exportPersonalData } from '../../services/personal-data.js';
import { access } from '../access.js';
import type { App } from '../types.js';
import { errors } from '../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const When = Nullable(Type.String({ format: 'date-time' }));
/** Details and plugins' sections are whatever their action type or plugin stores. */
const AnyJson = Type.Unknown();

const PersonalDataExport = Type.Object({
  exportedAt: Type.String({ format: 'date-time' }),
  identity: Type.Object({
    id: Type.String(),
    email: Nullable(Type.String()),
    displayName: Nullable(Type.String()),
    locale: Type.String(),
    verified: Type.Boolean(),
    verifiedAt: When,
    createdAt: When,
  }),
  memberships: Type.Array(
    Type.Object({
      organization: Type.String(),
      name: Type.String(),
      role: Type.String(),
      since: When,
    }),
  ),
  pledges: Type.Array(
    Type.Object({
      id: Type.String(),
      challengeId: Type.String(),
      challenge: Type.String(),
      status: Type.String(),
      details: AnyJson,
      displayName: Nullable(Type.String()),
      location: Type.Union([Type.Object({ lat: Type.Number(), lon: Type.Number() }), Type.Null()]),
      team: Type.Union([
        Type.Object({ slug: Type.String(), name: Nullable(Type.String()) }),
        Type.Null(),
      ]),
      createdAt: When,
      confirmedAt: When,
      withdrawnAt: When,
    }),
  ),
  contributions: Type.Array(
    Type.Object({
      id: Type.String(),
      challengeId: Type.String(),
      challenge: Type.String(),
      details: AnyJson,
      quantity: Type.Number(),
      co2eKg: Type.Number(),
      recordedBy: Type.Union([Type.Literal('self'), Type.Literal('agent')]),
      occurredAt: When,
      createdAt: When,
    }),
  ),
  consents: Type.Array(
    Type.Object({
      challengeId: Type.String(),
      text: Type.String(),
      givenAt: When,
      recordedAt: When,
    }),
  ),
  sessions: Type.Array(Type.Object({ createdAt: When, expiresAt: When })),
  reminders: Type.Object({ optedOutAt: When }),
  uploads: Type.Array(
    Type.Object(
      {
        fileId: Type.String(),
        organization: Type.String(),
        mediaType: Type.String(),
        size: Type.Integer(),
        sha256: Type.String(),
        public: Type.Boolean(),
        uploadedAt: When,
      },
      { description: 'files the person uploaded for an organization (their bytes are its own)' },
    ),
  ),
  links: Type.Array(
    Type.Object({ purpose: Type.String(), createdAt: When, expiresAt: When, usedAt: When }),
  ),
  mails: Type.Array(
    Type.Object({
      subject: Type.String(),
      text: Type.String(),
      purpose: Type.String(),
      sentAt: When,
    }),
  ),
  plugins: Type.Record(Type.String(), AnyJson),
});

/** `GET /api/me/export` and `DELETE /api/me`: a person's rights over their data. */
export async function meRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/me/export',
    {
      schema: {
        'x-tandem-access': access.participant(),
        tags: ['auth'],
        summary: 'Everything Tandem and its plugins hold about me, as JSON',
        response: { 200: PersonalDataExport, ...errors(401, 403) },
      },
    },
    async (request) => exportPersonalData(ctx, request.viewer),
  );

  app.delete(
    '/api/me',
    {
      schema: {
        'x-tandem-access': access.participant(),
        tags: ['auth'],
        summary:
          'Erase every personal detail of mine; my pledges and contributions stay, anonymous, so counts do not change',
        response: {
          200: Type.Object({ status: Type.Literal('erased') }),
          ...errors(401, 403, 409),
        },
      },
    },
    async (request) => erasePersonalData(ctx, request.viewer),
  );
}
