/**
 * What the reference examples share: the example definition with its
 * idempotence (the `seed_mark` table), organizations created once, agents,
 * deterministic people, places and dates, and the few plugin routes an
 * example needs (collection points, e-learning partners) called in-process.
 */
import {
  services,
  TandemError,
  type Platform,
  type Role,
  type ServiceContext,
  type Viewer,
} from '@tandem/core';
import { FIRST_NAMES, LAST_NAMES, seededRandom } from '../synthetic.js';

export { seededRandom };

/** A reason an example cannot load that the user can fix (a plugin missing, a partial load). */
export class ExampleError extends Error {
  override readonly name = 'ExampleError';
}

/** What loading an example did. */
export interface ExampleLoad {
  /** False when the example was already in the database (nothing was written). */
  loaded: boolean;
  /** The example's campaigns, in the order the example lists them. */
  campaignIds: string[];
}

/**
 * A reference campaign of DESIGN.md, loadable by `npx tandem example <name>`.
 * Loading is idempotent: a second load writes nothing and answers the same
 * campaign ids.
 */
export interface ReferenceExample {
  /** The name on the command line, e.g. `humanis-commute`. */
  readonly name: string;
  readonly title: string;
  /** Slugs of the organizations it creates (or reuses when they exist). */
  readonly organizations: string[];
  /** Ids of the action types and integrations it needs registered in tandem.config.ts. */
  readonly requires: readonly string[];
  load(platform: Platform, options?: LoadOptions): Promise<ExampleLoad>;
  /**
   * Lines worth printing after a load besides the campaign report, such as
   * a ranking between teams; read from the database, so they are the same
   * after a first and a second load.
   */
  highlights?(platform: Platform, campaignIds: readonly string[]): Promise<string[]>;
}

/** How to load an example. */
export interface LoadOptions {
  /**
   * At full scale, for the examples that load at a fraction of it by
   * default (GERES: the million actions instead of 10,000).
   */
  full?: boolean;
}

/** A campaign an example creates, as it is found again on a second load. */
export interface CampaignRef {
  organization: string;
  title: string;
}

/** What {@link defineExample} needs: the example's description and how to write it. */
export interface ExampleDefinition {
  name: string;
  title: string;
  organizations: string[];
  requires: readonly string[];
  /** The campaigns `build` creates, in the order it returns their ids. */
  campaigns: readonly CampaignRef[];
  /**
   * Writes the example through `story.ctx`, moving `story` on to each date
   * of its history as it goes; returns the ids of `campaigns`, in order.
   */
  build(platform: Platform, story: Story, options: LoadOptions): Promise<string[]>;
  highlights?: ReferenceExample['highlights'];
}

/** The `seed_mark` row that says an example was loaded completely. */
export const exampleMark = (name: string): string => `example:${name}`;

/** The registered plugin ids an example needs and the platform lacks. */
export function missingPlugins(platform: Platform, requires: readonly string[]): string[] {
  const registered = new Set([
    ...platform.registry.actionTypes().map((plugin) => plugin.id),
    ...platform.registry.integrations().map((plugin) => plugin.id),
  ]);
  return requires.filter((id) => !registered.has(id));
}

async function findCampaigns(platform: Platform, refs: readonly CampaignRef[]) {
  const found: (string | undefined)[] = [];
  for (const ref of refs) {
    const [row] = await platform.db.query<{ id: string }>(
      `select c.id from campaign c join organization o on o.id = c.organization_id
        where o.slug = ? and c.title = ? order by c.created_at, c.id limit 1`,
      [ref.organization, ref.title],
    );
    found.push(row?.id);
  }
  return found;
}

/**
 * Makes a {@link ReferenceExample} whose `load` writes it once. The mark is
 * written after the last row, so an interrupted load leaves no mark; a
 * campaign of the example found without the mark means such a load, and
 * the next one refuses rather than adding a second copy beside it.
 *
 * @throws Error when a plugin the example needs is not registered, or a
 *   previous load stopped part-way
 */
export function defineExample(definition: ExampleDefinition): ReferenceExample {
  const { build, campaigns, highlights, ...about } = definition;
  return {
    ...about,
    ...(highlights ? { highlights } : {}),
    async load(platform, options = {}) {
      const missing = missingPlugins(platform, definition.requires);
      if (missing.length > 0) {
        throw new ExampleError(
          `Example "${definition.name}" needs the plugin(s) ${missing.join(', ')}; register them in apps/server/src/tandem.config.ts.`,
        );
      }
      const mark = exampleMark(definition.name);
      const [done] = await platform.db.query('select name from seed_mark where name = ?', [mark]);
      const existing = await findCampaigns(platform, campaigns);
      if (done) {
        const ids = existing.filter((id): id is string => id !== undefined);
        return { loaded: false, campaignIds: ids };
      }
      const partial = campaigns.find((_, i) => existing[i] !== undefined);
      if (partial) {
        throw new ExampleError(
          `Organization "${partial.organization}" already holds the campaign "${partial.title}", but no complete load of example "${definition.name}" was recorded: a previous load stopped part-way. Delete that campaign (or the database) and load again.`,
        );
      }
      const story = await startStory(platform);
      const campaignIds = await build(platform, story, options);
      await story.redate(definition.organizations);
      await platform.db.query('insert into seed_mark (name) values (?) on conflict do nothing', [
        mark,
      ]);
      return { loaded: true, campaignIds };
    },
  };
}

/**
 * An example's history as it replays: the services write through `ctx`,
 * whose clock reads the story's current date, and the example moves that
 * date on (`at`) as its history goes — the campaign's creation, the
 * opening, each day's pledges and reports, the deadline. What the database
 * itself dates with its own clock (`now()`: an opening, a confirmation, an
 * event, an audit entry) is moved to the story's dates at the end by
 * {@link Story.redate}, in one transaction.
 */
export interface Story {
  /** The platform's services context, its clock on the story's date. */
  readonly ctx: ServiceContext;
  /** The story's current date. */
  now(): Date;
  /**
   * Moves the story on to `date`: what is written from here on is dated
   * from it. A date before the current one changes nothing (a story never
   * goes back); a date after the moment of loading is refused.
   */
  at(date: Date): Promise<void>;
  /**
   * Replays `items` day by day (UTC), in date order: moves the story to the
   * latest date of each day's items, then runs `work` on them, so what they
   * write is dated that day and after what they report happened.
   */
  replay<T>(
    items: readonly T[],
    dateOf: (item: T) => Date,
    work: (items: T[]) => Promise<unknown>,
    /** Groups by another period than the UTC day: a key per period, in time order. */
    periodOf?: (date: Date) => string,
  ): Promise<void>;
  /**
   * Moves what the database dated during the load, for the rows of these
   * organizations (their campaigns, challenges, pledges, contributions,
   * events, audit entries, people who first came with them), from the
   * moment it was written to the story's date at that moment. The load
   * calls it once the example is built; an example may call it earlier
   * too, when a plugin compares dates it is sent with what is already
   * recorded (what was moved is not moved again).
   */
  redate(organizationSlugs: readonly string[]): Promise<void>;
}

/** Columns that hold a date set on purpose (a deadline, an expiry), never a write's own moment. */
const SET_ON_PURPOSE = new Set([
  'deadline',
  'starts_at',
  'ends_at',
  'expires_at',
  'confirm_by',
  'deliver_by',
  'next_attempt_at',
  'previous_secret_expires_at',
]);

/**
 * A {@link Story} for one load. Its clock starts at the moment of loading;
 * an example moves it back to where its history begins with its first `at`,
 * before it writes anything (what is written before that keeps its date).
 */
export async function startStory(platform: Platform): Promise<Story> {
  /** Pairs of (the database's clock, the story's date), in order. */
  const anchors: { real: Date; story: Date }[] = [];
  const loadedAt = await databaseClock(platform);
  let current = loadedAt;
  const ctx: ServiceContext = { ...platform.ctx, now: () => new Date(current.getTime()) };
  const story: Story = {
    ctx,
    now: () => new Date(current.getTime()),
    async at(date) {
      if (date.getTime() > loadedAt.getTime()) {
        throw new Error(`A story cannot go past the moment of loading (${date.toISOString()}).`);
      }
      if (anchors.length > 0 && date.getTime() <= current.getTime()) return;
      current = new Date(date.getTime());
      anchors.push({ real: await databaseClock(platform), story: current });
    },
    replay: (items, dateOf, work, periodOf = isoDay) =>
      replayByPeriod(story, items, dateOf, work, periodOf),
    async redate(organizationSlugs) {
      if (anchors.length === 0) return;
      const until = await databaseClock(platform);
      await redateRows(platform, anchors, until, organizationSlugs);
      ctx.views?.clear();
    },
  };
  return story;
}

/**
 * Keeps a challenge whose deadline is already past on the real clock out
 * of reach of the workers while its story replays. A worker evaluates on
 * the real clock: it would close the challenge at its first event, before
 * the story's pledges are in. The deadline column is moved a century on
 * for the seconds of the load (the challenge as created — its audit entry,
 * its view once restored — keeps the story's deadline); the function
 * returned puts it back, after which the example closes the challenge as
 * a worker would at the deadline.
 */
export async function holdDeadline(
  platform: Platform,
  challengeId: string,
): Promise<() => Promise<void>> {
  const [row] = await platform.db.query<{ deadline: Date | null }>(
    `update challenge c set deadline = c.deadline + interval '100 years'
       from (select id, deadline from challenge where id = ? for update) old
      where c.id = old.id returning old.deadline`,
    [challengeId],
  );
  const deadline = row?.deadline ?? null;
  if (deadline === null) throw new Error(`challenge ${challengeId} has no deadline to hold`);
  return async () => {
    await platform.db.query('update challenge set deadline = ? where id = ?', [
      new Date(deadline).toISOString(),
      challengeId,
    ]);
    platform.ctx.views?.clear();
  };
}

async function replayByPeriod<T>(
  story: Story,
  items: readonly T[],
  dateOf: (item: T) => Date,
  work: (items: T[]) => Promise<unknown>,
  periodOf: (date: Date) => string,
): Promise<void> {
  const days = new Map<string, { items: T[]; last: number }>();
  const sorted = [...items].sort((a, b) => dateOf(a).getTime() - dateOf(b).getTime());
  for (const item of sorted) {
    const at = dateOf(item).getTime();
    const day = periodOf(new Date(at));
    const group = days.get(day) ?? { items: [], last: at };
    group.items.push(item);
    group.last = Math.max(group.last, at);
    days.set(day, group);
  }
  for (const group of days.values()) {
    await story.at(new Date(group.last));
    await work(group.items);
  }
}

async function databaseClock(platform: Platform): Promise<Date> {
  const [row] = await platform.db.query<{ at: Date }>('select clock_timestamp() as at');
  return new Date(row?.at ?? Date.now());
}

const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * The SQL of {@link Story.redate}. Every date column of every table (core's
 * and the plugins') whose value falls within the load is mapped, when its
 * row belongs to the example: by its challenge, its campaign, its
 * organization or its person. A value written at a moment `t` after the
 * anchor (r, s) becomes `s + (t - r)`: the order of writes is kept, and
 * what one step of the story wrote stays within its seconds. The audit log
 * refuses updates by a trigger; this transaction lifts it for its own
 * statement and restores it before committing, holding the table's lock
 * meanwhile, so no other writer ever sees it lifted.
 */
async function redateRows(
  platform: Platform,
  anchors: readonly { real: Date; story: Date }[],
  until: Date,
  organizationSlugs: readonly string[],
): Promise<void> {
  const from = (anchors[0] as { real: Date }).real;
  await platform.db.transaction(async (tx) => {
    await tx.query(
      'create temp table story_anchor (real timestamptz primary key, story timestamptz not null) on commit drop',
    );
    await tx.query(
      `insert into story_anchor (real, story) values ${anchors.map(() => '(?, ?)').join(', ')}`,
      anchors.flatMap((anchor) => [anchor.real.toISOString(), anchor.story.toISOString()]),
    );
    const window = [from.toISOString(), until.toISOString()];
    await tx.query(
      'create temp table story_organization on commit drop as select id from organization where slug in (?)',
      [[...organizationSlugs]],
    );
    await tx.query(
      `create temp table story_campaign on commit drop as
         select id from campaign where organization_id in (select id from story_organization)
            and created_at between ?::timestamptz and ?::timestamptz`,
      // Created during the load, or already moved to the story by an earlier call.
      [(anchors[0] as { story: Date }).story.toISOString(), until.toISOString()],
    );
    await tx.query(
      `create temp table story_challenge on commit drop as
         select id from challenge where campaign_id in (select id from story_campaign)`,
    );
    await tx.query(
      `create temp table story_participant on commit drop as
         select participant_id as id from participation
          where challenge_id in (select id from story_challenge)
         union select participant_id from pledge where challenge_id in (select id from story_challenge)
         union select participant_id from membership
          where organization_id in (select id from story_organization)`,
    );
    const columns = await tx.query<{ table_name: string; column_name: string }>(
      `select c.table_name, c.column_name from information_schema.columns c
         join information_schema.tables t
           on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
          and c.data_type = 'timestamp with time zone'
        order by c.table_name, c.ordinal_position`,
    );
    const all = await tx.query<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns
        where table_schema = current_schema()`,
    );
    const has = (table: string, column: string) =>
      all.some((c) => c.table_name === table && c.column_name === column);
    const scopes: Record<string, string> = {
      organization: 'id in (select id from story_organization)',
      campaign: 'id in (select id from story_campaign)',
      challenge: 'id in (select id from story_challenge)',
      participant: 'id in (select id from story_participant)',
    };
    const scopeOf = (table: string): string | null =>
      scopes[table] ??
      (has(table, 'challenge_id')
        ? 'challenge_id in (select id from story_challenge)'
        : has(table, 'campaign_id')
          ? 'campaign_id in (select id from story_campaign)'
          : has(table, 'organization_id')
            ? 'organization_id in (select id from story_organization)'
            : has(table, 'participant_id')
              ? 'participant_id in (select id from story_participant)'
              : null);
    const tables = new Map<string, string[]>();
    for (const { table_name: table, column_name: column } of columns) {
      if (SET_ON_PURPOSE.has(column) || table.startsWith('story_')) continue;
      tables.set(table, [...(tables.get(table) ?? []), column]);
    }
    const inWindow = (column: string) =>
      `t.${quoted(column)} between ?::timestamptz and ?::timestamptz`;
    const mapped = (column: string) =>
      `(select a.story + (t.${quoted(column)} - a.real) from story_anchor a
          where a.real <= t.${quoted(column)} order by a.real desc limit 1)`;
    const audit = tables.has('audit_entry');
    if (audit) await tx.query('alter table audit_entry disable trigger audit_entry_append_only');
    for (const [table, cols] of tables) {
      const scope = scopeOf(table);
      if (!scope) continue;
      const sets = cols.map(
        (column) =>
          `${quoted(column)} = case when ${inWindow(column)} then coalesce(${mapped(column)}, t.${quoted(column)}) else t.${quoted(column)} end`,
      );
      // A delivery date is set from its unlock: it moves with it.
      if (table === 'unlock' && cols.includes('unlocked_at')) {
        sets.push(
          `deliver_by = t.deliver_by + (case when ${inWindow('unlocked_at')} then coalesce(${mapped('unlocked_at')}, t.unlocked_at) else t.unlocked_at end - t.unlocked_at)`,
        );
      }
      const params = [
        ...cols.flatMap(() => window),
        ...(table === 'unlock' && cols.includes('unlocked_at') ? window : []),
        ...cols.flatMap(() => window),
      ];
      await tx.query(
        `update ${quoted(table)} t set ${sets.join(', ')}
          where t.${scope} and (${cols.map(inWindow).join(' or ')})`,
        params,
      );
    }
    if (audit) await tx.query('alter table audit_entry enable trigger audit_entry_append_only');
  });
}

/**
 * The organization with this slug, created when it does not exist yet, so
 * that an example loads into a database where someone already made it.
 */
export async function ensureOrganization(
  ctx: ServiceContext,
  input: { slug: string; name: string; kind: 'company' | 'city' | 'association' | 'network' },
): Promise<{ id: string; slug: string }> {
  try {
    const created = await services.createOrganization(ctx, services.asAdmin, input);
    return { id: created.id, slug: created.slug };
  } catch (error) {
    if (!(error instanceof TandemError) || error.code !== 'TANDEM_ORGANIZATION_SLUG_TAKEN')
      throw error;
    const existing = await services.getOrganization(ctx, services.asAdmin, input.slug);
    return { id: existing.id, slug: existing.slug };
  }
}

/**
 * Makes `email` an agent (or another role) of the organization and answers
 * the viewer that person is once signed in, so that what an example records
 * "as an agent" carries that agent as `recorded_by`, as on a tablet.
 */
export async function memberViewer(
  ctx: ServiceContext,
  slug: string,
  email: string,
  role: Role = 'agent',
): Promise<Viewer> {
  const member = await services.addMember(ctx, services.asAdmin, slug, { email, role });
  return {
    kind: 'participant',
    participantId: member.participantId,
    email: member.email,
    roles: new Map([[member.organizationId, role]]),
  };
}

/**
 * The signed-in viewers of people who already pledged, by e-mail, so that
 * an example records their reports as they would themselves (not as an
 * agent). One query for them all; the addresses must be canonical already
 * (the examples' synthetic ones are: lower-case, no `+tag`).
 */
export async function participantViewers(
  platform: Platform,
  emails: readonly string[],
): Promise<Map<string, Viewer>> {
  const unique = [...new Set(emails)];
  const rows =
    unique.length === 0
      ? []
      : await platform.db.query<{ id: string; canonical_email: string }>(
          'select id, canonical_email from participant where canonical_email in (?)',
          [unique],
        );
  const viewers = new Map<string, Viewer>(
    rows.map((row) => [
      row.canonical_email,
      { kind: 'participant', participantId: row.id, email: row.canonical_email, roles: new Map() },
    ]),
  );
  const unknown = unique.filter((email) => !viewers.has(email));
  if (unknown.length > 0) throw new Error(`No participant with e-mail ${unknown.join(', ')}.`);
  return viewers;
}

/**
 * Calls one of Tandem's HTTP routes in-process as the platform admin, for
 * what only a plugin's route does (collection points, e-learning
 * partners). Needs `TANDEM_ADMIN_TOKEN`; `tandem example` makes one up for
 * its own run when it is unset.
 *
 * @throws Error with the route's error body when it does not answer 2xx
 */
export async function adminRequest<T>(
  platform: Platform,
  method: 'POST' | 'GET',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const token = platform.config.adminToken;
  if (!token) throw new Error('Loading this example needs TANDEM_ADMIN_TOKEN to be set.');
  const response = await platform.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
  });
  if (response.statusCode >= 300) {
    throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  }
  return (response.body ? response.json() : undefined) as T;
}

/** A seeded random generator with the helpers the generators use. */
export interface Dice {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A value drawn by weight, e.g. `[['bus', 3], ['rer', 1]]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[];
}

/** Dice on {@link seededRandom}: the same seed gives the same example on every machine. */
export function dice(seed: number): Dice {
  const next = seededRandom(seed);
  const self: Dice = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    weighted(entries) {
      const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
      let at = next() * total;
      for (const [value, weight] of entries) {
        at -= weight;
        if (at < 0) return value;
      }
      return (entries[entries.length - 1] as (typeof entries)[number])[0];
    },
    shuffle(items) {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as (typeof copy)[number], copy[i] as (typeof copy)[number]];
      }
      return copy;
    },
    sample: (items, count) => self.shuffle(items).slice(0, count),
  };
  return self;
}

/** A synthetic person: an address at a reserved `.example` domain and a public name. */
export interface Person {
  email: string;
  displayName: string;
}

const ascii = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');

/**
 * `count` synthetic people with distinct addresses at `domain` (use a
 * reserved `.example` domain: no mail ever reaches anyone). Display names
 * are a first name and an initial, as the pledge forms suggest.
 */
export function makePeople(random: Dice, count: number, domain: string): Person[] {
  return Array.from({ length: count }, (_, i) => {
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    return {
      email: `${ascii(first)}.${ascii(last)}.${String(i + 1).padStart(4, '0')}@${domain}`,
      displayName: `${first} ${last.charAt(0)}.`,
    };
  });
}

/** A point within about `radiusKm` of `center`; core keeps pledges' locations coarse anyway. */
export function around(
  random: Dice,
  center: { lat: number; lon: number },
  radiusKm: number,
): { lat: number; lon: number } {
  const angle = random.next() * 2 * Math.PI;
  const distance = Math.sqrt(random.next()) * radiusKm;
  const lat = center.lat + (distance / 111) * Math.sin(angle);
  const lon =
    center.lon + (distance / (111 * Math.cos((center.lat * Math.PI) / 180))) * Math.cos(angle);
  return { lat: Math.round(lat * 1e5) / 1e5, lon: Math.round(lon * 1e5) / 1e5 };
}

const DAY_MS = 86_400_000;

/** Midnight UTC `days` days before `now`, plus `hour` hours. */
export function daysBefore(now: Date, days: number, hour = 0): Date {
  const midnight = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return new Date(midnight - days * DAY_MS + hour * 3_600_000);
}

/** `YYYY-MM-DD` of a date, in UTC. */
export const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Runs `work` over `items` with at most `concurrency` at a time, in order of
 * start; the first failure stops new starts and is rethrown.
 */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/**
 * Splits `total` into `parts` non-negative integers that add up exactly,
 * each proportional to its weight (largest remainders get the leftovers).
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new Error('apportion needs a positive total weight');
  const exact = weights.map((w) => (total * w) / sum);
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact
    .map((value, i) => ({ i, rest: value - Math.floor(value) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] as number) + 1;
    left--;
  }
  return floors;
}
