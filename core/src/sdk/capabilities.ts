/**
 * The capabilities a plugin may ask for, Backstage-style: small, typed
 * interfaces, each declared by name in the manifest (`capabilities: [...]`).
 * A plugin's routes, jobs and event handlers receive only the ones it
 * declared; touching another throws `TANDEM_PLUGIN_INVALID` naming it. The
 * engine implements them on its services and store
 * (`core/src/plugins/capabilities.ts`); nothing here names the engine.
 */
import type { Role, Sql, Viewer } from './people.js';

/** Every capability name, in the order the docs list them. */
export const CAPABILITY_NAMES = [
  'tables',
  'organizations',
  'challenges',
  'contributions',
  'participants',
  'enrolments',
  'mail',
  'jobs',
  'secrets',
] as const;

/** One capability a manifest can declare. */
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/**
 * SQL on the plugin's own tables (prefixed with its id), and reads of core's
 * where a plugin needs them (a pledge's status, a challenge's action type).
 * Core's tables are written through the other capabilities only.
 */
export interface TablesCapability extends Sql {
  /**
   * Runs `fn` in one transaction: it commits when `fn` resolves, rolls back
   * when it throws. Pass `tx` to `contributions.record` or
   * `participants.upsertByEmail` to make their writes part of it.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

/** An organization as a plugin sees it. */
export interface PluginOrganization {
  id: string;
  slug: string;
  name: string;
  timeZone: string;
}

/** Organizations and their members' roles. */
export interface OrganizationsCapability {
  /**
   * The organization with this slug.
   *
   * @throws 404 `TANDEM_NOT_FOUND` when there is none
   */
  findBySlug(slug: string): Promise<PluginOrganization>;
  /** Whether the viewer holds at least `minimum` there (a platform admin holds every role). */
  hasRole(viewer: Viewer, organizationId: string, minimum: Role): boolean;
  /**
   * @throws 401 `TANDEM_AUTH_REQUIRED` for an anonymous viewer, 403
   *   `TANDEM_AUTH_FORBIDDEN` for one without the role
   */
  requireRole(viewer: Viewer, organizationId: string, minimum: Role): void;
}

/** A challenge as a plugin sees it. */
export interface PluginChallenge {
  id: string;
  campaignId: string;
  organizationId: string;
  title: string;
  status: string;
  actionType: string;
  actionSettings: Record<string, unknown>;
}

/** What a challenge page shows, as a mail or a report quotes it. */
export interface PluginChallengeView extends PluginChallenge {
  unit: string | null;
  progress: { participants: number; quantity: number };
}

/** Challenges, as the viewer may see them. */
export interface ChallengesCapability {
  /**
   * The challenge if the viewer may see it: 404 for one that does not exist
   * or is a draft they may not see, 401/403 for a members-only campaign.
   */
  loadVisible(viewer: Viewer, id: string): Promise<PluginChallenge>;
  /** Like `loadVisible`, and 409 when the challenge takes no pledges or reports now. */
  loadWritable(viewer: Viewer, id: string): Promise<PluginChallenge>;
  /** The challenge's public view with its progress, or `null` once deleted. */
  view(id: string): Promise<PluginChallengeView | null>;
}

/** Who a contribution is recorded for (as core's contributions route takes it). */
export type ContributionParticipant = { email: string } | { code: string } | null;

/** A contribution to record through core, which checks and counts it. */
export interface ContributionInput {
  details: unknown;
  /** ISO-8601; default now. */
  occurredAt?: string;
  /** Omitted: the viewer reports their own; otherwise an agent records for this person. */
  participant?: ContributionParticipant;
}

/** What core answers for a recorded contribution. */
export interface ContributionReceipt {
  id: string;
  quantity: number;
  unit: string | null;
  occurredAt: string;
  impact: { co2eKg: number; source?: string };
}

/** Where a write runs: `tx` makes it part of a transaction from `tables.transaction`. */
export interface WithinTransaction {
  tx?: Sql;
}

/** Contributions, recorded with every check core makes on its own route. */
export interface ContributionsCapability {
  /**
   * Records a contribution as `by` would through `POST
   * /api/challenges/{id}/contributions` (`'platform'`: as the platform, for
   * partners' statements). Given `tx`, it commits or rolls back with it.
   */
  record(
    by: Viewer | 'platform',
    challengeId: string,
    input: ContributionInput,
    options?: WithinTransaction,
  ): Promise<ContributionReceipt>;
}

/** Participants, known by address. */
export interface ParticipantsCapability {
  /**
   * The participant with this address, created when new.
   *
   * @throws 400 `TANDEM_REQUEST_INVALID` on `email` when it is not an address
   */
  upsertByEmail(email: string, options?: WithinTransaction): Promise<{ id: string }>;
}

/** An assisted enrolment (an agent records a resident's pledge with their consent). */
export interface EnrolmentInput {
  resident: { email: string } | { code: string };
  consent: { given: boolean; text: string; givenAt?: string };
  displayName?: string;
  location?: { lat: number; lon: number };
  team?: string;
  details?: Record<string, unknown>;
  locale?: 'fr' | 'en';
}

/** What an enrolment did. */
export interface EnrolmentReceipt {
  pledgeId: string;
  participantId: string;
  /** Whether this call made the pledge count (false when it already did). */
  confirmedNow: boolean;
  /** The resident's code (upper-cased), when enrolled by code. */
  code?: string;
}

/** Pledges an organization's agent records for residents. */
export interface EnrolmentsCapability {
  /** Checks the agent role and the consent, records the pledge; it counts at once. */
  enrol(viewer: Viewer, challengeId: string, input: EnrolmentInput): Promise<EnrolmentReceipt>;
}

/** One mail, already rendered. */
export interface PluginMail {
  /** The recipient's canonical address, as stored. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** What the mail is for (the dev mailbox shows it). */
  purpose: string;
}

/** The platform's mailer. */
export interface MailCapability {
  /**
   * Sends one mail; resolves once the server accepted it.
   *
   * @throws Error when `to` is not an address; 503 `TANDEM_UNAVAILABLE` when the server refuses
   */
  send(mail: PluginMail): Promise<void>;
}

/** How a job is enqueued. */
export interface JobOptions {
  /** A deterministic id (no `:`, not all digits): a second enqueue while the first is known is ignored. */
  jobId?: string;
  /** At most one job of this key runs and one waits. */
  dedupeKey?: string;
  /** Attempts before the job is given up (default 5). */
  attempts?: number;
  /** First retry delay in ms, doubling each attempt. */
  backoffMs?: number;
  delayMs?: number;
}

/** The plugin's own jobs. */
export interface JobsCapability {
  /** Enqueues one of this plugin's jobs by its short name (`send-receipt`). */
  enqueue(job: string, data: Record<string, unknown>, options?: JobOptions): Promise<void>;
}

/** Secrets at rest, sealed with the platform's key (`TANDEM_SECRET_KEY`). */
export interface SecretsCapability {
  /** Encrypts `plaintext`, bound to `context` (a value sealed for one row does not open on another). */
  seal(plaintext: string, context: string): string;
  /**
   * Decrypts a value from `seal` with the same context.
   *
   * @throws Error when it was tampered with or sealed under another key or context
   */
  open(sealed: string, context: string): string;
  /** Whether a stored value is sealed (rather than still in clear). */
  isSealed(value: string): boolean;
}

/** Every capability by name. */
export interface CapabilityMap {
  tables: TablesCapability;
  organizations: OrganizationsCapability;
  challenges: ChallengesCapability;
  contributions: ContributionsCapability;
  participants: ParticipantsCapability;
  enrolments: EnrolmentsCapability;
  mail: MailCapability;
  jobs: JobsCapability;
  secrets: SecretsCapability;
}

/** What every plugin gets, declared or not. */
export interface PluginBasics {
  readonly pluginId: string;
  /** The platform's clock (tests move it). */
  now(): Date;
  /** The public URL the site is served at, without a trailing slash (for links in mails). */
  readonly publicUrl: string;
}

/**
 * What a plugin's routes, jobs and event handlers receive: the basics and
 * the capabilities `C` it declared.
 */
export type PluginContext<C extends CapabilityName = CapabilityName> = PluginBasics &
  Readonly<Pick<CapabilityMap, C>>;
