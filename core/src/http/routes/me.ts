import { Type } from '@sinclair/typebox';
import type { ServiceContext } from '../../services/context.js';
import { describeMe, listMyPledges, updateMe } from '../../services/me.js';
import { erasePersonalData, exportPersonalData } from '../../services/personal-data.js';
import { access } from '../access.js';
import type { App } from '../types.js';
import { errors, Locale, StringEnum } from '../schemas.js';

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
    showAs: Type.String(),
    mailOptOut: Type.Boolean(),
    postcode: Nullable(Type.String()),
    communeCode: Nullable(Type.String()),
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
  signInAccounts: Type.Array(
    Type.Object({
      issuer: Type.String(),
      subject: Type.String(),
      since: When,
      lastSignInAt: When,
    }),
    { description: "accounts at organizations' identity providers that sign this person in" },
  ),
  pledges: Type.Array(
    Type.Object({
      id: Type.String(),
      challengeId: Type.String(),
      challenge: Type.String(),
      status: Type.String(),
      details: AnyJson,
      displayName: Nullable(Type.String()),
      // Where they pledged, as coarse as it is kept: a commune and a 200 m map cell.
      location: Type.Union([
        Type.Object({
          commune: Type.Union([
            Type.Object({ code: Type.String(), name: Nullable(Type.String()) }),
            Type.Null(),
          ]),
          cell: Nullable(Type.String()),
        }),
        Type.Null(),
      ]),
      showAs: StringEnum(['name', 'anonymous']),
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
      correctedAt: When,
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
  deliveriesDeclared: Type.Array(
    Type.Object(
      {
        challengeId: Type.String(),
        tierId: Type.String(),
        organization: Nullable(Type.String()),
        fulfilledAt: When,
      },
      { description: 'tiers the person marked delivered for an organization (ADR 0035)' },
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

const ShowAs = StringEnum(['name', 'anonymous'], {
  description: 'whether the feed shows my display name, or "someone from <my commune>"',
});
const Postcode = Type.String({ pattern: '^[0-9]{5}$', description: 'a French postcode, 5 digits' });

const Me = Type.Object({
  kind: StringEnum(['participant', 'admin']),
  id: Type.Optional(Type.String()),
  email: Type.Optional(Nullable(Type.String())),
  displayName: Type.Optional(Nullable(Type.String())),
  locale: Type.Optional(Locale),
  showAs: Type.Optional(ShowAs),
  mailOptOut: Type.Optional(
    Type.Boolean({ description: 'no notification mail; mails I ask for still come' }),
  ),
  place: Type.Optional(
    Type.Union([
      Type.Object({
        postcode: Type.String(),
        code: Nullable(Type.String({ description: 'the commune’s INSEE code' })),
        name: Nullable(Type.String({ description: 'the commune’s name' })),
      }),
      Type.Null(),
    ]),
  ),
  memberships: Type.Array(
    Type.Object({
      organization: Type.String(),
      name: Type.String(),
      role: Type.String(),
    }),
  ),
});

const MeChanges = Type.Object(
  {
    displayName: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 200, description: 'trimmed; 1 to 60 characters' }),
        Type.Null(),
      ]),
    ),
    showAs: Type.Optional(ShowAs),
    locale: Type.Optional(Locale),
    mailOptOut: Type.Optional(Type.Boolean()),
    postcode: Type.Optional(Type.Union([Postcode, Type.Null()])),
  },
  { additionalProperties: false },
);

const MyContribution = Type.Object({
  id: Type.String(),
  quantity: Type.Number(),
  co2eKg: Type.Number(),
  source: Nullable(Type.String({ description: 'where the CO2e factor comes from' })),
  details: AnyJson,
  occurredAt: Type.String({ format: 'date-time' }),
  recordedAt: Type.String({ format: 'date-time' }),
  editableUntil: Nullable(
    Type.String({
      format: 'date-time',
      description: 'until when I may correct or delete it; null when I may not',
    }),
  ),
});

const MyPledges = Type.Object({
  pledges: Type.Array(
    Type.Object({
      id: Type.String(),
      status: StringEnum(['pending', 'confirmed', 'withdrawn', 'invalidated'], {
        description: 'invalidated: confirmed, then taken out of the counts by the organizer',
      }),
      showAs: ShowAs,
      team: Type.Union([Type.Object({ slug: Type.String(), name: Type.String() }), Type.Null()]),
      details: AnyJson,
      createdAt: Type.String({ format: 'date-time' }),
      confirmedAt: When,
      withdrawnAt: When,
      challenge: Type.Object({
        id: Type.String(),
        title: Type.String(),
        status: Type.String(),
        actionType: Type.String(),
        unit: Nullable(Type.String()),
      }),
      contributions: Type.Array(MyContribution),
    }),
  ),
  totals: Type.Object({ co2eKg: Type.Number({ description: 'kg CO2e my contributions avoided' }) }),
});

/** `/api/me`: who I am and my settings, my pledges, and my rights over my data. */
export async function meRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/me',
    {
      schema: {
        'x-tandem-access': access.participant({ platformAdmin: 'allow' }),
        tags: ['auth'],
        summary: 'Who I am, my settings and my roles',
        response: { 200: Me, ...errors(401) },
      },
    },
    async (request) => describeMe(ctx, request.viewer),
  );

  app.patch(
    '/api/me',
    {
      schema: {
        'x-tandem-access': access.participant(),
        tags: ['auth'],
        summary:
          'Change my settings: display name, how the feed shows me, language, mail, postcode',
        description:
          '`mailOptOut: true` stops every notification mail (reminders, progress and unlock news); a mail I ask for, such as a sign-in link or a pledge confirmation, still comes. A `null` removes a display name or a postcode.',
        body: MeChanges,
        response: { 200: Me, ...errors(400, 401, 403) },
      },
    },
    async (request) => updateMe(ctx, request.viewer, request.body),
  );

  app.get(
    '/api/me/pledges',
    {
      schema: {
        'x-tandem-access': access.participant(),
        tags: ['auth'],
        summary: 'My pledges, newest first, each with the contributions I reported',
        response: { 200: MyPledges, ...errors(401, 403) },
      },
    },
    async (request) => listMyPledges(ctx, request.viewer),
  );

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
