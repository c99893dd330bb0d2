/**
 * Who may call a route, declared once beside the route and published in the
 * OpenAPI document as the operation's `x-tandem-access` extension. The
 * services enforce access; this declaration is what the access matrix test
 * holds them to, so a route whose guard drifts (or that has no declaration)
 * fails a test that names it. See docs/decisions/0015-access-declared-beside-routes.md.
 */

/**
 * The callers the matrix tries on a thing of organization A (a members-only
 * campaign, its challenges, its settings).
 *
 * - `anonymous`: no credentials;
 * - `citizen`: signed in, no role anywhere;
 * - `member`, `agent`, `admin`, `owner`: that role in organization A;
 * - `otherAdmin`: admin of another organization B;
 * - `platformAdmin`: the platform admin token.
 */
export const ACCESS_CALLERS = [
  'anonymous',
  'citizen',
  'member',
  'agent',
  'admin',
  'owner',
  'otherAdmin',
  'platformAdmin',
] as const;

/** One of {@link ACCESS_CALLERS}. */
export type AccessCaller = (typeof ACCESS_CALLERS)[number];

/**
 * A class of answers: `allow` any 2xx, `auth` 401, `forbid` 403, `hide` 404,
 * `conflict` 409, `invalid` 400.
 */
export type AccessOutcome = 'allow' | 'auth' | 'forbid' | 'hide' | 'conflict' | 'invalid';

/** One outcome, or several that are all acceptable (e.g. `['forbid', 'hide']`). */
export type AccessExpectation = AccessOutcome | readonly AccessOutcome[];

/** What each caller gets from a route, with valid input. */
export interface AccessRule {
  readonly callers: Readonly<Record<AccessCaller, AccessExpectation>>;
  /**
   * For routes on a thing that belongs to one participant (their pledge):
   * what that participant gets. The other callers are then strangers to it.
   */
  readonly self?: AccessExpectation;
  /**
   * For things that follow a campaign's audience: what changes when the
   * campaign is public (the callers above are for a members-only one).
   */
  readonly public?: Readonly<Partial<Record<AccessCaller, AccessExpectation>>>;
  /** Why the rule is what it is, when it is not obvious. */
  readonly note?: string;
}

/** The statuses an outcome stands for. */
export function accessStatuses(outcome: AccessOutcome): (status: number) => boolean {
  switch (outcome) {
    case 'allow':
      return (status) => status >= 200 && status < 300;
    case 'auth':
      return (status) => status === 401;
    case 'forbid':
      return (status) => status === 403;
    case 'hide':
      return (status) => status === 404;
    case 'conflict':
      return (status) => status === 409;
    case 'invalid':
      return (status) => status === 400;
  }
}

/** Whether `status` is one the expectation accepts. */
export function meetsExpectation(expectation: AccessExpectation, status: number): boolean {
  const outcomes: readonly AccessOutcome[] =
    typeof expectation === 'string' ? [expectation] : expectation;
  return outcomes.some((outcome) => accessStatuses(outcome)(status));
}

type Overrides = Partial<Record<AccessCaller, AccessExpectation>> & {
  self?: AccessExpectation;
  public?: Partial<Record<AccessCaller, AccessExpectation>>;
  note?: string;
};

const build = (
  callers: Record<AccessCaller, AccessExpectation>,
  overrides: Overrides = {},
): AccessRule => {
  const { self, note, public: onPublic, ...rest } = overrides;
  return Object.freeze({
    callers: Object.freeze({ ...callers, ...rest }),
    ...(self !== undefined ? { self } : {}),
    ...(onPublic !== undefined ? { public: Object.freeze({ ...onPublic }) } : {}),
    ...(note !== undefined ? { note } : {}),
  });
};

const ROLE_ORDER = ['member', 'agent', 'admin', 'owner'] as const;

/** The same expectation for every caller. */
const every = (expectation: AccessExpectation): Record<AccessCaller, AccessExpectation> =>
  Object.fromEntries(ACCESS_CALLERS.map((caller) => [caller, expectation])) as Record<
    AccessCaller,
    AccessExpectation
  >;

/**
 * Ready-made rules; each takes overrides for the callers that differ.
 *
 * @example
 * schema: { 'x-tandem-access': access.role('admin'), body: … }
 * schema: { 'x-tandem-access': access.anyone({ note: 'public page data' }) }
 */
export const access = {
  /** Everyone, signed in or not. */
  anyone: (overrides?: Overrides): AccessRule => build(every('allow'), overrides),

  /**
   * At least `minimum` in the organization the thing belongs to (a platform
   * admin acts as an owner): 401 anonymous, 403 anyone else signed in.
   */
  role: (minimum: (typeof ROLE_ORDER)[number], overrides?: Overrides): AccessRule => {
    const from = ROLE_ORDER.indexOf(minimum);
    const roleOutcome = (role: (typeof ROLE_ORDER)[number]): AccessOutcome =>
      ROLE_ORDER.indexOf(role) >= from ? 'allow' : 'forbid';
    return build(
      {
        anonymous: 'auth',
        citizen: 'forbid',
        member: roleOutcome('member'),
        agent: roleOutcome('agent'),
        admin: roleOutcome('admin'),
        owner: roleOutcome('owner'),
        otherAdmin: 'forbid',
        platformAdmin: 'allow',
      },
      overrides,
    );
  },

  /**
   * Things of a campaign, seen as its audience allows: on a members-only
   * campaign, members and up (401 anonymous, 403 outsiders); on a public
   * one, everyone.
   */
  audience: (overrides?: Overrides): AccessRule =>
    access.role('member', {
      public: every('allow'),
      ...overrides,
    }),

  /** Only the platform admin token. */
  platformAdmin: (overrides?: Overrides): AccessRule =>
    build({ ...every('forbid'), anonymous: 'auth', platformAdmin: 'allow' }, overrides),

  /** Any signed-in participant (the platform admin token is no participant: 403). */
  participant: (overrides?: Overrides): AccessRule =>
    build({ ...every('allow'), anonymous: 'auth', platformAdmin: 'forbid' }, overrides),

  /**
   * Routes whose credential is in the request itself (a mailed one-time
   * token, a partner's key): the caller's session changes nothing, and a
   * request without a valid one gets `outcome` whoever sends it.
   */
  token: (outcome: AccessExpectation, overrides?: Overrides): AccessRule =>
    build(every(outcome), overrides),
} as const;

/** The OpenAPI extension that carries a route's {@link AccessRule}. */
export const ACCESS_EXTENSION = 'x-tandem-access';

declare module 'fastify' {
  interface FastifySchema {
    /** Who may call this route: see {@link access}. Published in OpenAPI. */
    'x-tandem-access'?: AccessRule;
  }
}
