import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '@tandem/core';
import { startTestPlatform, type TestPlatform } from '@tandem/core/testing';
import { AVUF_STUDENTS, AVUF_TOWNS } from '../src/examples/avuf-tour.js';
import {
  BOURG_LA_REINE_HOUSEHOLDS_GOAL,
  BOURG_LA_REINE_REGISTERED,
} from '../src/examples/bourg-la-reine-coffee.js';
import { CLICHY_PLEDGES } from '../src/examples/clichy-bike.js';
import {
  describeLoad,
  examples,
  teamRanking,
  type ReferenceExample,
} from '../src/examples/index.js';
import {
  GERES_PARTNER_ORGANIZATIONS,
  GERES_PARTNERS,
  GERES_SCALE,
  geresFigures,
} from '../src/examples/geres-million.js';
import { MEDIATERRE_PLEDGES } from '../src/examples/mediaterre-catalogue.js';
import { NO_IMPACT_DAYS, NO_IMPACT_EMPLOYEES } from '../src/examples/no-impact-week.js';
import { defineExample, ensureOrganization } from '../src/examples/support.js';
import { SYCTOM_BY_CODE, SYCTOM_ENROLMENTS, SYCTOM_GOAL } from '../src/examples/syctom-sorting.js';
import {
  VEOLIA_COMPLETIONS,
  VEOLIA_COURSE_ID,
  VEOLIA_PLEDGES,
  VEOLIA_UNPLEDGED_COMPLETIONS,
} from '../src/examples/veolia-ecodriving.js';
import { plugins } from '../src/tandem.config.js';
import { repoRoot, testSecretKey } from './process.js';

const configured = new Set(plugins.map((plugin) => plugin.id));

/** The key of a challenge's whole counters in `progress_slot` (teams have their own). */
const WHOLE = '';

let platform: TestPlatform;
/** Campaign ids of each example's first load. */
const loaded = new Map<string, string[]>();

beforeAll(async () => {
  platform = await startTestPlatform({ plugins });
});
afterAll(() => platform?.stop());

const report = (campaignId: string) =>
  services.campaignReport(platform.ctx, services.asAdmin, campaignId);

async function load(name: string): Promise<string[]> {
  const example = examples[name];
  if (!example) throw new Error(`no example ${name}`);
  const result = await example.load(platform);
  expect(result.loaded).toBe(true);
  expect(result.campaignIds).toHaveLength(1);
  loaded.set(name, result.campaignIds);
  return result.campaignIds;
}

const count = async (sql: string, params: unknown[]): Promise<number> => {
  const [row] = await platform.db.query<{ n: number }>(sql, params);
  return Number(row?.n);
};

/**
 * What every loaded example must read like: each challenge opened before
 * its history began and after its campaign was created; every pledge,
 * contribution, event and audit entry dated between the opening and the
 * moment of loading (never at the load itself, which took seconds); a
 * closed challenge closed after its last pledge; and a forecast, where
 * there is one, within a plausible factor of the count so far and the goal.
 */
async function expectStoryDates(name: string): Promise<void> {
  const [campaignId] = loaded.get(name) ?? [];
  const result = await report(campaignId as string);
  const loadedAt = Date.now();
  for (const summary of result.challenges) {
    const [row] = await platform.db.query<{
      opened_at: Date;
      closed_at: Date | null;
      created_at: Date;
      campaign_created_at: Date;
      first_pledge: Date | null;
      last_pledge: Date | null;
      first_write: Date | null;
      last_write: Date | null;
      first_event: Date;
      last_event: Date;
      first_audit: Date;
      last_audit: Date;
    }>(
      `select c.opened_at, c.closed_at, c.created_at, k.created_at as campaign_created_at,
              (select min(confirmed_at) from pledge where challenge_id = c.id) as first_pledge,
              (select max(confirmed_at) from pledge where challenge_id = c.id) as last_pledge,
              (select min(created_at) from contribution where challenge_id = c.id) as first_write,
              (select max(created_at) from contribution where challenge_id = c.id) as last_write,
              (select min(created_at) from outbox_event where challenge_id = c.id) as first_event,
              (select max(created_at) from outbox_event where challenge_id = c.id) as last_event,
              (select min(at) from audit_entry where challenge_id = c.id) as first_audit,
              (select max(at) from audit_entry where challenge_id = c.id) as last_audit
         from challenge c join campaign k on k.id = c.campaign_id where c.id = ?`,
      [summary.id],
    );
    if (!row) throw new Error(`no challenge ${summary.id}`);
    const time = (date: Date | null) => (date ? new Date(date).getTime() : null);
    const opened = time(row.opened_at) as number;
    // A history of days or weeks, over well before the load (which takes seconds).
    const story = loadedAt - 60 * 60_000;
    expect(time(row.campaign_created_at)).toBeLessThanOrEqual(opened);
    expect(time(row.created_at)).toBeLessThanOrEqual(opened);
    expect(opened).toBeLessThan(loadedAt - 2 * 86_400_000);
    for (const [first, last] of [
      [row.first_pledge, row.last_pledge],
      [row.first_write, row.last_write],
    ] as const) {
      if (first === null || last === null) continue;
      expect(time(first), `${name}: first write`).toBeGreaterThanOrEqual(opened);
      expect(time(last), `${name}: last write`).toBeLessThan(story);
    }
    expect(time(row.first_event)).toBeLessThanOrEqual(opened + 1000);
    expect(time(row.first_audit), `${name}: first audit entry`).toBeLessThan(opened);
    expect(time(row.last_audit), `${name}: last audit entry`).toBeLessThan(story);
    if (row.closed_at !== null) {
      expect(time(row.closed_at), `${name}: closing`).toBeLessThan(story);
      expect(time(row.closed_at), `${name}: closing`).toBeGreaterThanOrEqual(
        time(row.last_pledge) ?? opened,
      );
      expect(time(row.last_event), `${name}: last event`).toBeLessThan(story);
    }
    const view = await services.getChallenge(platform.ctx, services.asAdmin, summary.id);
    const forecast = view.progress.forecast;
    if (view.closedAt !== null || view.deadline === null) {
      expect(forecast).toBeNull();
      continue;
    }
    expect(forecast, `${name}: ${summary.title} has a forecast`).not.toBeNull();
    const elapsed = forecast?.elapsed ?? 0;
    const expected = forecast?.expectedAtDeadline.participants ?? 0;
    // Opened days ago, not at the load: the pace is that of the story.
    expect(elapsed).toBeGreaterThan(0.2);
    expect(elapsed).toBeLessThan(1);
    expect(expected).toBeGreaterThanOrEqual(view.progress.participants);
    expect(expected).toBeLessThanOrEqual(Math.ceil(view.progress.participants / elapsed) + 1);
    const goals = view.tiers.map((tier) => tier.goal.participants ?? 0);
    expect(expected).toBeLessThan(5 * Math.max(view.progress.participants, ...goals));
  }
}

/** Runs the `tandem` command from its sources; resolves with its exit code and output. */
function tandem(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=tandem-source', '--import', 'tsx', 'apps/server/src/cli.ts', ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          TANDEM_LOG_LEVEL: 'silent',
          TANDEM_SECRET_KEY: testSecretKey,
          ...env,
        },
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the reference examples', () => {
  it('need only plugins that tandem.config.ts registers', () => {
    const needed = new Set(Object.values(examples).flatMap((example) => [...example.requires]));
    expect([...needed].filter((id) => !configured.has(id)).sort()).toEqual([]);
  });

  it('are the cases of DESIGN.md, with their organizations', () => {
    expect(
      Object.fromEntries(Object.values(examples).map((e) => [e.name, e.organizations])),
    ).toEqual({
      'clichy-bike': ['clichy'],
      'bourg-la-reine-coffee': ['bourg-la-reine'],
      'syctom-sorting': ['syctom'],
      'humanis-commute': ['humanis'],
      'grdf-week': ['grdf'],
      'veolia-ecodriving': ['veolia-eau-idf'],
      'avuf-tour': ['avuf'],
      'mediaterre-catalogue': ['unis-cite'],
      'no-impact-week': ['no-impact-week'],
      'geres-million': ['geres', ...GERES_PARTNER_ORGANIZATIONS.map((p) => p.slug)],
    });
    expect(GERES_PARTNER_ORGANIZATIONS).toHaveLength(GERES_PARTNERS);
  });

  it('clichy-bike: 200+ residents pledged, the €5,000 for Solicycle unlocked once', async () => {
    // An organization that already exists is reused, not refused.
    await services.createOrganization(platform.ctx, services.asAdmin, {
      slug: 'clichy',
      name: 'Clichy',
      kind: 'city',
    });
    const [campaignId] = await load('clichy-bike');
    const result = await report(campaignId as string);
    const [challenge] = result.challenges;
    expect(result.challenges).toHaveLength(1);
    expect(challenge?.participants).toBe(CLICHY_PLEDGES);
    expect(challenge?.status).toBe('succeeded');
    expect(challenge?.tiers).toHaveLength(1);
    expect(challenge?.tiers[0]?.unlockedAt).not.toBeNull();
    expect(challenge?.tiers[0]?.counterpart).toMatchObject({
      kind: 'donation',
      amount: { value: 5000, currency: 'EUR' },
    });
    const organization = await services.getOrganization(platform.ctx, services.asAdmin, 'clichy');
    expect(organization.beneficiaries.map((b) => b.name)).toEqual(['Solicycle']);
    expect(
      await count('select count(*)::int as n from unlock where challenge_id = ?', [challenge?.id]),
    ).toBe(1);
    await expectStoryDates('clichy-bike');
    const lines = await describeLoad(platform, examples['clichy-bike'] as ReferenceExample, {
      loaded: true,
      campaignIds: [campaignId as string],
    });
    const [, forecast] =
      /forecast at the deadline: ([\d,]+) participants/.exec(lines.join('\n')) ?? [];
    // Forty days into sixty, at the story's pace: a few hundred, not a million.
    expect(Number(forecast?.replace(/,/g, ''))).toBeGreaterThanOrEqual(CLICHY_PLEDGES);
    expect(Number(forecast?.replace(/,/g, ''))).toBeLessThan(2 * CLICHY_PLEDGES);
  });

  it('bourg-la-reine-coffee: about a tonne against 500 kg, the people goal missed', async () => {
    const [campaignId] = await load('bourg-la-reine-coffee');
    const result = await report(campaignId as string);
    const kg = result.totals.quantityByUnit['kg'] ?? 0;
    expect(kg).toBeGreaterThanOrEqual(950);
    expect(kg).toBeLessThanOrEqual(1050);
    const [challenge] = result.challenges;
    expect(challenge?.status).toBe('succeeded');
    expect(challenge?.closedAt).not.toBeNull();
    const [kgTier, peopleTier] = challenge?.tiers ?? [];
    expect(kgTier?.goal.quantity).toBe(500);
    expect(kgTier?.unlockedAt).not.toBeNull();
    expect(peopleTier?.goal.participants).toBe(BOURG_LA_REINE_HOUSEHOLDS_GOAL);
    expect(peopleTier?.unlockedAt).toBeNull();
    expect(challenge?.participants).toBe(BOURG_LA_REINE_REGISTERED);
    expect(challenge?.co2eKg).toBeGreaterThan(0);

    const points = await platform.app.inject({
      method: 'GET',
      url: '/api/organizations/bourg-la-reine/collection-points',
    });
    const body = points.json<{ points: { id: string; openingHours: unknown[] }[] }>();
    expect(body.points).toHaveLength(3);
    for (const point of body.points) expect(point.openingHours.length).toBeGreaterThan(0);
    // Every weigh-in was recorded by the town's agent, at one of its points.
    const weighIns = await platform.db.query<{ recorded_by: string | null; point: string }>(
      `select recorded_by, details ->> 'pointId' as point from contribution where challenge_id = ?`,
      [challenge?.id],
    );
    expect(weighIns.length).toBeGreaterThan(200);
    expect(weighIns.filter((w) => w.recorded_by === null)).toEqual([]);
    const pointIds = new Set(body.points.map((p) => p.id));
    expect(weighIns.filter((w) => !pointIds.has(w.point))).toEqual([]);
    await expectStoryDates('bourg-la-reine-coffee');
  });

  it('syctom-sorting: a few dozen enrolments door to door, closed failed at its deadline', async () => {
    const [campaignId] = await load('syctom-sorting');
    const [challenge] = (await report(campaignId as string)).challenges;
    expect(challenge?.unit).toBeNull();
    expect(challenge?.participants).toBe(SYCTOM_ENROLMENTS);
    // A few dozen against several hundred households: it did not work.
    expect(SYCTOM_ENROLMENTS).toBeGreaterThanOrEqual(30);
    expect(SYCTOM_ENROLMENTS).toBeLessThanOrEqual(45);
    expect(challenge?.tiers[0]?.goal.participants).toBe(SYCTOM_GOAL);
    expect(challenge?.status).toBe('failed');
    expect(challenge?.tiers[0]?.unlockedAt).toBeNull();
    const view = await services.getChallenge(
      platform.ctx,
      services.asAdmin,
      challenge?.id as string,
    );
    // Closed by the evaluation at the deadline, at the deadline.
    expect(view.closedAt).toBe(view.deadline);
    await expectStoryDates('syctom-sorting');
    expect(
      await count('select count(*)::int as n from consent_record where challenge_id = ?', [
        challenge?.id,
      ]),
    ).toBe(SYCTOM_ENROLMENTS);
    expect(
      await count(
        `select count(*)::int as n from consent_record
          where challenge_id = ? and recorded_by is not null`,
        [challenge?.id],
      ),
    ).toBe(SYCTOM_ENROLMENTS);
    expect(
      await count(
        `select count(*)::int as n from pledge p join participant pt on pt.id = p.participant_id
          where p.challenge_id = ? and pt.resident_code is not null and pt.email is null`,
        [challenge?.id],
      ),
    ).toBe(SYCTOM_BY_CODE);
  });

  it('humanis-commute: 188 employees, 80,360 km and a CO2e figure', async () => {
    const [campaignId] = await load('humanis-commute');
    const result = await report(campaignId as string);
    expect(result.totals.participants).toBe(188);
    expect(result.totals.quantityByUnit['km']).toBe(80360);
    expect(result.totals.co2eKg).toBeGreaterThan(0);
    expect(result.challenges.map((c) => c.title)).toEqual([
      'Je viens en transports en commun',
      'Je covoiture',
      'Je viens à vélo',
      'Je viens à pied',
      'Je viens en trottinette',
    ]);
    // Some employees are in two challenges: the challenges' counts add up to more.
    const summed = result.challenges.reduce((sum, c) => sum + c.participants, 0);
    expect(summed).toBeGreaterThan(188);
    for (const challenge of result.challenges) expect(challenge.quantity).toBeGreaterThan(0);
    expect(result.sources.map((source) => source.actionType)).toEqual(['commute']);

    const humanis = examples['humanis-commute'];
    if (!humanis) throw new Error('humanis-commute is not registered');
    const lines = (
      await describeLoad(platform, humanis, { loaded: true, campaignIds: [campaignId as string] })
    ).join('\n');
    expect(lines).toContain('188 distinct participants, 80,360 km');
    await expectStoryDates('humanis-commute');
  });

  it('humanis-commute: the report lists the factors behind its CO2e', async () => {
    const [campaignId] = loaded.get('humanis-commute') ?? [];
    const [source] = (await report(campaignId as string)).sources;
    // The commute plugin declares its factors in its manifest (`factors`);
    // the report lists them for the sponsor's audit.
    expect(source?.factors.map((f) => f.key)).toEqual(expect.arrayContaining(['car', 'bus']));
    expect(source?.factors.every((f) => f.value >= 0 && f.source.length > 0)).toBe(true);
  });

  it('humanis-commute loaded twice: nothing is duplicated', async () => {
    const [campaignId] = loaded.get('humanis-commute') ?? [];
    const before = await report(campaignId as string);
    const contributions = await count(
      `select count(*)::int as n from contribution c join challenge ch on ch.id = c.challenge_id
        where ch.campaign_id = ?`,
      [campaignId],
    );
    const again = await examples['humanis-commute']?.load(platform);
    expect(again).toEqual({ loaded: false, campaignIds: [campaignId] });
    expect(
      await count(`select count(*)::int as n from organization where slug = 'humanis'`, []),
    ).toBe(1);
    expect(
      await count(
        `select count(*)::int as n from campaign c join organization o on o.id = c.organization_id
          where o.slug = 'humanis'`,
        [],
      ),
    ).toBe(1);
    expect(
      await count(
        `select count(*)::int as n from contribution c join challenge ch on ch.id = c.challenge_id
          where ch.campaign_id = ?`,
        [campaignId],
      ),
    ).toBe(contributions);
    const after = await report(campaignId as string);
    expect(after.totals).toEqual(before.totals);
  });

  it('grdf-week: 564 employees over 3 challenges, 3 beneficiaries, page /o/grdf', async () => {
    const [campaignId] = await load('grdf-week');
    const result = await report(campaignId as string);
    expect(result.totals.participants).toBe(564);
    expect(result.challenges).toHaveLength(3);
    expect(result.challenges.every((c) => c.status === 'succeeded')).toBe(true);
    const beneficiaryIds = result.challenges.map((c) => {
      const counterpart = c.tiers[0]?.counterpart;
      return counterpart?.kind === 'donation' ? counterpart.beneficiaryId : null;
    });
    expect(new Set(beneficiaryIds).size).toBe(3);
    const page = await platform.app.inject({ method: 'GET', url: '/api/organizations/grdf' });
    const organization = page.json<{
      kind: string;
      beneficiaries: { id: string; name: string }[];
    }>();
    expect(organization.kind).toBe('company');
    expect(organization.beneficiaries.map((b) => b.name)).toContain('WiFilles');
    expect(organization.beneficiaries.map((b) => b.id).sort()).toEqual(
      [...(beneficiaryIds as string[])].sort(),
    );
    await expectStoryDates('grdf-week');
  });

  it('veolia-ecodriving: completions from the partner’s xAPI statements count as courses', async () => {
    const [campaignId] = await load('veolia-ecodriving');
    const [challenge] = (await report(campaignId as string)).challenges;
    const completions = VEOLIA_COMPLETIONS + VEOLIA_UNPLEDGED_COMPLETIONS;
    expect(challenge?.unit).toBe('course');
    expect(challenge?.quantity).toBe(completions);
    expect(challenge?.participants).toBe(VEOLIA_PLEDGES + VEOLIA_UNPLEDGED_COMPLETIONS);
    expect(challenge?.tiers[0]?.unlockedAt).not.toBeNull();
    expect(
      await count(
        `select count(*)::int as n from contribution where challenge_id = ? and details ->> 'courseId' = ?`,
        [challenge?.id, VEOLIA_COURSE_ID],
      ),
    ).toBe(completions);
    expect(
      await count(
        `select count(*)::int as n from elearning_partner p join organization o on o.id = p.organization_id
          where o.slug = 'veolia-eau-idf'`,
        [],
      ),
    ).toBe(1);
    await expectStoryDates('veolia-ecodriving');
  });

  it('avuf-tour: towns as teams of one campaign, ranked by actions reported', async () => {
    const [campaignId] = await load('avuf-tour');
    const result = await report(campaignId as string);
    const [challenge] = result.challenges;
    expect(challenge?.participants).toBe(AVUF_STUDENTS);
    const ranking = await teamRanking(platform, campaignId as string);
    expect(ranking.map((s) => s.team.slug).sort()).toEqual(
      AVUF_TOWNS.map((town) => town.slug).sort(),
    );
    expect(ranking.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < ranking.length; i++) {
      expect(ranking[i - 1]?.actions).toBeGreaterThanOrEqual(ranking[i]?.actions ?? 0);
    }
    expect(ranking.reduce((sum, s) => sum + s.participants, 0)).toBe(AVUF_STUDENTS);
    expect(ranking.reduce((sum, s) => sum + s.actions, 0)).toBe(challenge?.quantity);
    expect(ranking[0]?.actions).toBeGreaterThan(ranking[ranking.length - 1]?.actions ?? 0);
    const highlights = await examples['avuf-tour']?.highlights?.(platform, [campaignId as string]);
    expect(highlights?.[2]).toContain(
      `1. ${ranking[0]?.team.name}: ${ranking[0]?.actions} actions`,
    );
    await expectStoryDates('avuf-tour');
  });

  it('mediaterre-catalogue: more than 5,300 pledges, each picking several catalogue actions', async () => {
    const [campaignId] = await load('mediaterre-catalogue');
    const [challenge] = (await report(campaignId as string)).challenges;
    expect(challenge?.participants).toBe(MEDIATERRE_PLEDGES);
    expect(challenge?.participants).toBeGreaterThanOrEqual(5300);
    expect(challenge?.tiers.map((t) => t.unlockedAt !== null)).toEqual([true, true]);
    await expectStoryDates('mediaterre-catalogue');
    // Written in batches, the people are those the API knows: pledging again finds them.
    const [someone] = await platform.db.query<{ email: string }>(
      `select pt.email from pledge p join participant pt on pt.id = p.participant_id
        where p.challenge_id = ? order by p.confirmed_at limit 1`,
      [challenge?.id],
    );
    const people = await count('select count(*)::int as n from participant', []);
    expect(
      await services.importConfirmedPledges(platform.ctx, challenge?.id as string, [
        { email: someone?.email as string, details: { actions: ['tap-water', 'led-bulbs'] } },
      ]),
    ).toBe(0);
    expect(await count('select count(*)::int as n from participant', [])).toBe(people);
    expect(
      await count(
        `select count(*)::int as n from pledge
          where challenge_id = ? and jsonb_array_length(details -> 'actions') >= 2`,
        [challenge?.id],
      ),
    ).toBe(MEDIATERRE_PLEDGES);
  });

  it('no-impact-week: a theme a day, each with its catalogue actions, closed each evening', async () => {
    const [campaignId] = await load('no-impact-week');
    const result = await report(campaignId as string);
    expect(result.challenges.map((c) => c.title)).toEqual(NO_IMPACT_DAYS.map((d) => d.title));
    expect(NO_IMPACT_DAYS.map((d) => d.theme).slice(0, 4)).toEqual([
      'waste',
      'transport',
      'food',
      'energy',
    ]);
    const closings: number[] = [];
    for (const [i, summary] of result.challenges.entries()) {
      const view = await services.getChallenge(platform.ctx, services.asAdmin, summary.id);
      expect(view.closedAt).not.toBeNull();
      closings.push(new Date(view.closedAt as string).getTime());
      // Opened and closed the same day, each the day after the one before.
      const opened = new Date(view.openedAt as string).getTime();
      expect(new Date(view.closedAt as string).getTime() - opened).toBeLessThan(86_400_000);
      if (i > 0) expect(closings[i]! - closings[i - 1]!).toBe(86_400_000);
      const offered = (view.actionSettings as { actions: { id: string }[] }).actions.map(
        (a) => a.id,
      );
      expect(offered.sort()).toEqual([...(NO_IMPACT_DAYS[i]?.actions ?? [])].sort());
      expect(summary.participants).toBeGreaterThan(0);
      expect(summary.quantity).toBeGreaterThan(0);
      expect(summary.status === 'succeeded' || summary.status === 'failed').toBe(true);
    }
    expect(result.totals.participants).toBeLessThanOrEqual(NO_IMPACT_EMPLOYEES);
    expect(result.totals.participants).toBeGreaterThan(NO_IMPACT_EMPLOYEES / 2);
    await expectStoryDates('no-impact-week');
    const lines = await examples['no-impact-week']?.highlights?.(platform, [campaignId as string]);
    expect(lines?.[0]).toContain('illustrative');
    const actions = result.challenges.reduce((sum, c) => sum + c.quantity, 0);
    expect(lines?.at(-1)).toContain(
      `${result.totals.participants} distinct employees, ${actions} actions done`,
    );
  });

  it('geres-million: 10,000 actions at 1/100, fed by 50 partners whose shares add up', async () => {
    const [campaignId] = await load('geres-million');
    const result = await report(campaignId as string);
    const [summary] = result.challenges;
    const { actions, people } = geresFigures(GERES_SCALE);
    expect(actions).toBe(10_000);
    expect(geresFigures(1).actions).toBe(1_000_000);
    expect(summary?.participants).toBe(people);
    expect(summary?.status).toBe('succeeded');
    const view = await services.getChallenge(platform.ctx, services.asAdmin, summary?.id as string);
    expect(view.federated).toBe(true);
    // Every accepted partner and the owner, their shares adding up to the whole.
    expect(view.shares).toHaveLength(GERES_PARTNERS + 1);
    expect(view.shares.reduce((sum, s) => sum + s.participants, 0)).toBe(people);
    expect(view.shares.every((s) => s.participants > 0)).toBe(true);
    const partners = await platform.app.inject({
      method: 'GET',
      url: `/api/challenges/${summary?.id}/partners`,
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    const items = partners.json<{ items: { status: string }[] }>().items;
    expect(items).toHaveLength(GERES_PARTNERS);
    expect(items.every((p) => p.status === 'accepted')).toBe(true);
    // Each share counted in the database as the recount reads it.
    const byVia = await platform.db.query<{ via: string | null; n: number }>(
      `select via_organization_id as via, count(*)::int as n from participation
        where challenge_id = ? group by 1`,
      [summary?.id],
    );
    expect(byVia.reduce((sum, row) => sum + row.n, 0)).toBe(people);
    expect(byVia.filter((row) => row.via !== null)).toHaveLength(GERES_PARTNERS);
    const picks = await count(
      'select coalesce(sum(picks), 0)::int as n from actions_catalogue_pick where challenge_id = ?',
      [summary?.id],
    );
    expect(picks).toBe(actions);
    await expectStoryDates('geres-million');
    const geres = examples['geres-million'];
    if (!geres) throw new Error('geres-million is not registered');
    const lines = (
      await describeLoad(platform, geres, { loaded: true, campaignIds: [campaignId as string] })
    ).join('\n');
    expect(lines).toContain('Actions committed to: 10,000 (1/100 scale');
    expect(lines).toContain(`${people.toLocaleString('en-US')} distinct participants`);
  });

  it('each example prints totals of the report’s order of magnitude, and says when they are illustrative', async () => {
    const printed = async (name: string) => {
      const example = examples[name];
      if (!example) throw new Error(`no example ${name}`);
      const campaignIds = loaded.get(name) ?? [];
      return (await describeLoad(platform, example, { loaded: true, campaignIds })).join('\n');
    };
    // SYCTOM: tens of households; Médiaterre: more than 5,300 people.
    expect(await printed('syctom-sorting')).toMatch(
      /Mon foyer trie ses déchets \[failed\]: [1-9]\d participants/,
    );
    const mediaterre = await printed('mediaterre-catalogue');
    const [, households] = /Totals: ([\d,]+) distinct participants/.exec(mediaterre) ?? [];
    expect(Number(households?.replace(/,/g, ''))).toBeGreaterThanOrEqual(5300);
    for (const name of ['veolia-ecodriving', 'avuf-tour', 'no-impact-week']) {
      expect(await printed(name)).toContain('Figures are illustrative');
    }
    for (const name of ['clichy-bike', 'mediaterre-catalogue', 'geres-million']) {
      expect(await printed(name)).not.toContain('illustrative');
    }
  });

  it('once the jobs have run: nothing unlocked twice, the catalogue counts every pick', async () => {
    await platform.settle();
    const [row] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from (select challenge_id, tier_id from unlock group by 1, 2 having count(*) > 1) d',
    );
    expect(row?.n).toBe(0);
    const [campaignId] = loaded.get('clichy-bike') ?? [];
    const [clichy] = (await report(campaignId as string)).challenges;
    expect(clichy?.tiers.filter((t) => t.unlockedAt)).toHaveLength(1);

    const [mediaterre] = (await report(loaded.get('mediaterre-catalogue')?.[0] as string))
      .challenges;
    const picks = await count(
      `select coalesce(sum(jsonb_array_length(details -> 'actions')), 0)::int as n from pledge
        where challenge_id = ? and status = 'confirmed'`,
      [mediaterre?.id],
    );
    const catalogue = await platform.app.inject({
      method: 'GET',
      url: `/api/challenges/${mediaterre?.id}/actions`,
    });
    const actions = catalogue.json<{ actions: { picks: number }[] }>().actions;
    expect(actions.reduce((sum, action) => sum + action.picks, 0)).toBe(picks);
  });

  it('syctom-sorting: the failure mail went to every household enrolled with an address', async () => {
    await platform.settle();
    const mails = await platform.db.query<{ to_email: string }>(
      `select to_email from dev_mail where purpose = 'challenge-failed' and to_email like ?`,
      ['%@habitants-saint-mande.example'],
    );
    expect(mails).toHaveLength(SYCTOM_ENROLMENTS - SYCTOM_BY_CODE);
    expect(new Set(mails.map((m) => m.to_email)).size).toBe(SYCTOM_ENROLMENTS - SYCTOM_BY_CODE);
  });

  it('a recount after loading finds nothing to repair', async () => {
    await platform.settle();
    const mismatched = await platform.db.query<{ id: string }>(
      `select c.id from challenge c
        where c.id in (select id from challenge where campaign_id in (?))
          and ((select count(*) from participation p
                 where p.challenge_id = c.id and (p.pledged or p.contributions > 0))
               <> (select coalesce(sum(participants), 0) from progress_slot s
                    where s.challenge_id = c.id and s.team_id = ?)
            or (select coalesce(sum(quantity), 0) from contribution k
                 where k.challenge_id = c.id and k.invalidation_id is null)
               <> (select coalesce(sum(quantity), 0) from progress_slot s
                    where s.challenge_id = c.id and s.team_id = ?)
            or (select coalesce(sum(co2e_kg), 0) from contribution k
                 where k.challenge_id = c.id and k.invalidation_id is null)
               <> (select coalesce(sum(co2e_kg), 0) from progress_slot s
                    where s.challenge_id = c.id and s.team_id = ?))`,
      [[...loaded.values()].flat(), WHOLE, WHOLE, WHOLE],
    );
    expect(mismatched).toEqual([]);
    const [checked] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from challenge where campaign_id in (?)',
      [[...loaded.values()].flat()],
    );
    expect(checked?.n).toBeGreaterThanOrEqual(loaded.size);
  });

  it('every example loaded again answers its campaigns and adds nothing', async () => {
    const [before] = await platform.db.query<{ pledges: number; contributions: number }>(
      `select (select count(*)::int from pledge) as pledges,
              (select count(*)::int from contribution) as contributions`,
    );
    for (const [name, campaignIds] of loaded) {
      expect(await examples[name]?.load(platform)).toEqual({ loaded: false, campaignIds });
    }
    const [after] = await platform.db.query<{ pledges: number; contributions: number }>(
      `select (select count(*)::int from pledge) as pledges,
              (select count(*)::int from contribution) as contributions`,
    );
    expect(after).toEqual(before);
  });

  it('refuses to load over a load that stopped part-way', async () => {
    const slug = `partial-${Date.now().toString(36)}`;
    let fail = true;
    const example = defineExample({
      name: slug,
      title: 'stops part-way',
      organizations: [slug],
      requires: [],
      campaigns: [{ organization: slug, title: 'Half done' }],
      async build(p) {
        await ensureOrganization(p.ctx, { slug, name: 'Partial', kind: 'association' });
        const campaign = await services.createCampaign(p.ctx, services.asAdmin, slug, {
          title: 'Half done',
        });
        if (fail) throw new Error('interrupted');
        return [campaign.id];
      },
    });
    await expect(example.load(platform)).rejects.toThrow('interrupted');
    fail = false;
    await expect(example.load(platform)).rejects.toThrow(/stopped part-way/);
    expect(
      await count(
        `select count(*)::int as n from campaign c join organization o on o.id = c.organization_id
          where o.slug = ?`,
        [slug],
      ),
    ).toBe(1);
  });
});

describe('tandem example', () => {
  it('lists the examples without a name, and answers 2 with the list to an unknown one', async () => {
    const [list, listed, unknown] = await Promise.all([
      tandem(['example'], {}),
      tandem(['example', '--list'], {}),
      tandem(['example', 'atlantis'], {}),
    ]);
    expect(list.code, list.out).toBe(0);
    expect(listed.out).toBe(list.out);
    for (const name of Object.keys(examples)) expect(list.out).toContain(name);
    expect(list.out).toContain('geres-million');
    expect(list.out).toContain('no-impact-week');
    expect(list.out).toContain('organizations geres and 50 partners');
    expect(unknown.code, unknown.out).toBe(2);
    expect(unknown.out).toContain('Unknown example "atlantis"');
    expect(unknown.out).toContain('humanis-commute');
  });

  it('loads into DATABASE_URL; a second run adds nothing and prints the report', async () => {
    const run = await tandem(['example', 'humanis-commute'], {
      DATABASE_URL: platform.config.databaseUrl as string,
      // The database's own key: people are recognised by fingerprints made with it.
      TANDEM_SECRET_KEY: (platform.config.secretKey as Buffer).toString('base64'),
    });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('already loaded');
    expect(run.out).toContain('188 distinct participants, 80,360 km');
  });
});
