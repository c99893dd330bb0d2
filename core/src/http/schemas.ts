import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Request and response schemas of the HTTP API. Tandem's own request bodies
 * refuse unknown fields (`additionalProperties: false`); responses list
 * their fields so that OpenAPI at /docs tells the whole contract.
 */

/**
 * A string enum as JSON Schema `enum` (not a union of constants), so a wrong
 * value is reported once, with the allowed values, rather than once per
 * constant.
 */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An open JSON object, for data whose shape belongs to a plugin. */
export const AnyObject = Type.Object({}, { additionalProperties: true });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'A code from the catalogue, e.g. TANDEM_NOT_FOUND' }),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  },
  { $id: 'TandemError', title: 'Error' },
);

export const Slug = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
  description: 'lower-case letters, digits and dashes',
});
export const Email = Type.String({ minLength: 3, maxLength: 254 });
export const Id = Type.String({ minLength: 1, maxLength: 100 });
export const Locale = StringEnum(['fr', 'en']);
export const DateTime = Type.String({ format: 'date-time' });

/**
 * A title or a name: trimmed before it is stored, and refused when nothing
 * but white space is left.
 */
export const Title = (options: { maxLength: number; minLength?: number; description?: string }) =>
  Type.String({ minLength: 1, pattern: '\\S', 'x-trim': true, ...options });

/**
 * An absolute http(s) URL — the only schemes Tandem accepts anywhere a URL
 * is given, since it may end up in a link (`javascript:`, `data:` never).
 */
export const HttpUrl = Type.String({
  format: 'uri',
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+',
  maxLength: 2000,
  description: 'an http:// or https:// URL',
});

/** The proof of a delivered counterpart, as a sponsor gives it. */
export const Proof = Type.Object(
  {
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 5000 })),
    url: Type.Optional(HttpUrl),
    fileId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'a file uploaded by the sponsor’s (or the organizer’s) organization with `POST /api/organizations/{slug}/files`',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The proof of a delivered counterpart, as it was recorded. */
export const ProofView = Type.Object({
  text: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  file: Type.Optional(
    Type.Object(
      {
        id: Type.String(),
        sha256: Type.String({ description: 'of the bytes shown as proof, hex' }),
        contentType: Type.String(),
        size: Type.Integer(),
        url: Type.String({ description: '`/api/files/{id}`: public once it is a proof' }),
      },
      {
        description:
          'The uploaded file, with the SHA-256 of its bytes recorded when the tier was fulfilled.',
      },
    ),
  ),
});

export const Money = Type.Object(
  { value: Type.Number({ exclusiveMinimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
  { additionalProperties: false },
);

export const Goal = Type.Object(
  {
    participants: Type.Optional(Type.Integer({ minimum: 1 })),
    quantity: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    match: Type.Optional(StringEnum(['all', 'any'])),
  },
  { additionalProperties: false },
);

export const Counterpart = Type.Union([
  Type.Object(
    { kind: Type.Literal('donation'), amount: Money, beneficiaryId: Id },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('act'), description: Type.String({ minLength: 1, maxLength: 2000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('matching'), perUnit: Money, cap: Money, beneficiaryId: Id },
    { additionalProperties: false },
  ),
]);

export const Audience = Type.Union([
  Type.Object({ type: Type.Literal('public') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('members') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('email-domain'),
      domains: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
    },
    { additionalProperties: false },
  ),
]);

export const OrganizationKind = StringEnum(['company', 'city', 'association', 'network']);

export const Role = StringEnum(['owner', 'admin', 'agent', 'member']);

export const Progress = Type.Object({
  participants: Type.Number(),
  quantity: Type.Number(),
  co2eKg: Type.Number(),
});

export const PacingForecast = Type.Object(
  {
    tierId: Type.String({ description: 'the tier aimed at: the lowest not reached yet' }),
    expectedAtDeadline: Type.Object({ participants: Type.Number(), quantity: Type.Number() }),
    ratio: Type.Number({ description: "expected share of that tier's goal (1 = reached)" }),
    onTrack: Type.Boolean(),
    elapsed: Type.Number({ description: 'share of the time from opening to deadline gone (0..1)' }),
    method: Type.Literal('linear-since-opening'),
  },
  {
    description:
      'Progress expected at the deadline if the pace since opening holds: `expectedAtDeadline` holds the projected participants (whole people) and quantity (in the unit); `onTrack` says whether they reach the goal of tier `tierId`. Early on (small `elapsed`) the projection is noisy. Null without a deadline, before opening, at or after the deadline, or once closed. Computed from the counters when the answer is built; a cached answer is at most `TANDEM_VIEW_CACHE_MS` old and never outlives the deadline.',
  },
);

/** A challenge's counters and, while it is open with a deadline, where they are heading. */
export const ChallengeProgress = Type.Object({
  participants: Type.Number(),
  quantity: Type.Number(),
  co2eKg: Type.Number(),
  forecast: Nullable(
    Type.Object(PacingForecast.properties, {
      description: 'The same as the challenge’s `forecast`, kept here for earlier clients.',
    }),
  ),
});

export const TierView = Type.Object({
  id: Type.String(),
  rank: Type.Integer(),
  goal: AnyObject,
  counterpart: Nullable(AnyObject),
  sponsor: Nullable(Type.String({ description: 'slug of the sponsoring organization' })),
  sponsorship: StringEnum(['accepted', 'proposed', 'declined'], {
    description:
      "whether the sponsor agreed: a tier naming another organization than the organizer is `proposed` until that organization's admins accept it; the challenge opens only when every tier is `accepted`",
  }),
  unlockedAt: Nullable(Type.String()),
  fulfilledAt: Nullable(Type.String()),
  fulfilledBy: Nullable(
    Type.String({ description: 'slug of the organization that declared it delivered' }),
  ),
  fulfilledByName: Nullable(
    Type.String({ description: 'name of the organization that declared it delivered' }),
  ),
  proof: Nullable(ProofView),
  deliverBy: Nullable(
    Type.String({
      description:
        'when the counterpart is due: 90 days after the unlock unless the sponsor set another date; null until unlocked',
    }),
  ),
  overdue: Type.Boolean({
    description: 'unlocked, not fulfilled, and `deliverBy` has passed',
  }),
  receivedAt: Nullable(
    Type.String({ description: 'when the beneficiary confirmed receipt through the mailed link' }),
  ),
  owed: Nullable(
    Type.Object(
      { value: Type.Number(), currency: Type.String() },
      {
        description:
          "For a matching counterpart: what the challenge's quantity so far is worth, perUnit × quantity, floored to the cent and capped at `cap` — the figure reports pay on once the tier is unlocked. Null for donations, acts and tiers without a counterpart.",
      },
    ),
  ),
});

/** A tier naming an organization as sponsor, as that organization's admins see it. */
export const SponsorshipView = Type.Object({
  challengeId: Type.String(),
  tierId: Type.String(),
  rank: Type.Integer(),
  sponsorship: StringEnum(['accepted', 'proposed', 'declined']),
  decidedAt: Nullable(Type.String()),
  organizer: Type.Object({ slug: Type.String(), name: Type.String() }),
  challenge: Type.Object({
    id: Type.String(),
    title: Type.String(),
    description: Nullable(Type.String()),
    status: Type.String(),
    actionType: Type.String(),
    deadline: Nullable(Type.String()),
    createdAt: Type.String(),
  }),
  goal: AnyObject,
  counterpart: Nullable(AnyObject),
  beneficiary: Nullable(
    Type.Object({ id: Type.String(), name: Type.String(), url: Nullable(Type.String()) }),
  ),
});

/** One organization's share of a federated challenge's counters (ADR 0043). */
export const ShareView = Type.Object({
  organization: Type.String({ description: 'the organization’s slug' }),
  name: Type.String(),
  participants: Type.Integer(),
  quantity: Type.Number(),
  co2eKg: Type.Number(),
});

export const ChallengeView = Type.Object({
  id: Type.String(),
  campaignId: Type.String(),
  organizationId: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  status: Type.String(),
  actionType: Type.String(),
  actionSettings: AnyObject,
  unit: Nullable(Type.String()),
  goal: Nullable(AnyObject),
  counterpart: Nullable(AnyObject),
  deadline: Nullable(Type.String()),
  openedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  progress: ChallengeProgress,
  forecast: Nullable(PacingForecast),
  tiers: Type.Array(TierView),
  federated: Type.Boolean({
    description: 'whether other organizations were invited to feed it (ADR 0043)',
  }),
  shares: Type.Array(ShareView, {
    description:
      'each organization’s share of the counters — the owner, every accepted partner, and any that holds a share — by participants then name; they add up to `progress` exactly; `[]` when not federated',
  }),
});

export const CampaignSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  startsAt: Nullable(Type.String()),
  endsAt: Nullable(Type.String()),
  audience: AnyObject,
});

export const TeamView = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
});

export const CampaignView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  organization: Nullable(Type.String()),
  organizationName: Type.Optional(Nullable(Type.String())),
  title: Type.String(),
  description: Nullable(Type.String()),
  startsAt: Nullable(Type.String()),
  endsAt: Nullable(Type.String()),
  audience: AnyObject,
  teams: Type.Array(TeamView),
  challenges: Type.Optional(Type.Array(ChallengeView)),
});

export const OrganizationView = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  timeZone: Type.String({ description: 'IANA time zone, e.g. Europe/Paris' }),
});

/** How an organization's pages look (ADR 0030). */
export const BrandingView = Type.Object(
  {
    logoUrl: Nullable(
      Type.String({
        description:
          'an https URL, or `/api/files/{fileId}` (relative to the API) for an uploaded logo',
      }),
    ),
    primaryColor: Nullable(
      Type.String({
        pattern: '^#[0-9a-f]{6}$',
        description: '#rrggbb; white text on it has a contrast of at least 4.5:1',
      }),
    ),
    shortText: Nullable(Type.String({ maxLength: 280 })),
  },
  { description: "An organization's logo, primary colour and short text; each may be null." },
);

/** What `PATCH /api/organizations/{slug}` may change of the branding. */
export const BrandingInput = Type.Object(
  {
    logoUrl: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 2000,
          description:
            'an https:// URL without credentials; setting it clears logoFileId; null clears it',
        }),
      ),
    ),
    logoFileId: Type.Optional(
      Nullable(
        Type.String({
          minLength: 1,
          maxLength: 100,
          description:
            'a PNG or JPEG uploaded by this organization (`POST /api/organizations/{slug}/files`), which becomes public; setting it clears logoUrl; null clears it',
        }),
      ),
    ),
    primaryColor: Type.Optional(
      Nullable(
        Type.String({
          maxLength: 7,
          description:
            '#rrggbb; refused when white text on it would have a contrast under 4.5:1 (WCAG 2.1 AA)',
        }),
      ),
    ),
    shortText: Type.Optional(
      Nullable(Type.String({ maxLength: 2000, description: 'at most 280 characters, trimmed' })),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Each field left out stays as it is; null clears it. logoUrl and logoFileId together are refused.',
  },
);

export const BeneficiaryView = Type.Object({
  id: Type.String(),
  organizationId: Type.Optional(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  url: Nullable(Type.String()),
});

/** Standard error answers a route may give, for OpenAPI. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
