import { UniqueConstraintViolationException, type EntityName } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChallengeStatus, Goal } from '../domain/types.js';
import { newId } from '../ids.js';
import { evaluateChallengeNow } from '../jobs/handlers/evaluate-challenge.js';
import { applyParticipation } from '../store/participation.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { loadChallenge } from '../store/challenges.js';
import { openDatabase, type Database, type Sql } from '../store/database.js';
import {
  CampaignEntity,
  ChallengeEntity,
  entities,
  OrganizationEntity,
} from '../store/entities.js';
import { migrationsList } from '../store/migrations/index.js';
import { Type } from '@sinclair/typebox';
import { definePluginEvent } from '../sdk/events.js';
import {
  appendEvents,
  claimEvents,
  claimPendingEvents,
  definedEvent,
  EventTypes,
  markRelayed,
} from '../store/outbox.js';
import {
  bumpProgress,
  PROGRESS_SLOTS,
  readChallengeProgress,
  readProgress,
  readTeamProgress,
  WHOLE_CHALLENGE,
} from '../store/progress.js';

interface SeededChallenge {
  organizationId: string;
  campaignId: string;
  challengeId: string;
  tierIds: string[];
}

/** The minimal organization → campaign → challenge (→ tiers) rows, written in plain SQL. */
async function seedChallenge(
  sql: Sql,
  options: { status?: ChallengeStatus; deadline?: Date | null; goals?: Goal[] } = {},
): Promise<SeededChallenge> {
  const organizationId = newId('org');
  const campaignId = newId('cmp');
  const challengeId = newId('chl');
  await sql.query(`insert into organization (id, slug, name, kind) values (?, ?, ?, 'city')`, [
    organizationId,
    organizationId.replace('_', '-'),
    'Ville de test',
  ]);
  await sql.query(
    `insert into campaign (id, organization_id, title, audience) values (?, ?, ?, ?::jsonb)`,
    [campaignId, organizationId, 'Campagne', JSON.stringify({ kind: 'public' })],
  );
  await sql.query(
    `insert into challenge (id, campaign_id, organization_id, title, action_type, status, deadline, opened_at)
     values (?, ?, ?, ?, 'test.cycle', ?, ?, now())`,
    [
      challengeId,
      campaignId,
      organizationId,
      'Défi',
      options.status ?? 'open',
      options.deadline ?? null,
    ],
  );
  const tierIds: string[] = [];
  for (const [rank, goal] of (options.goals ?? []).entries()) {
    const tierId = newId('tir');
    await sql.query(`insert into tier (id, challenge_id, rank, goal) values (?, ?, ?, ?::jsonb)`, [
      tierId,
      challengeId,
      rank,
      JSON.stringify(goal),
    ]);
    tierIds.push(tierId);
  }
  return { organizationId, campaignId, challengeId, tierIds };
}

async function seedParticipant(sql: Sql): Promise<string> {
  const id = newId('ptc');
  await sql.query(`insert into participant (id, canonical_email) values (?, ?)`, [
    id,
    `${id}@example.org`,
  ]);
  return id;
}

async function countEvents(sql: Sql, challengeId: string, type: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `select count(*)::int as n from outbox_event where challenge_id = ? and type = ?`,
    [challengeId, type],
  );
  return row?.n ?? 0;
}

/** A promise with its resolver, to hold a transaction open until the test lets it go. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * The behaviour Tandem needs from its PostgreSQL, run against every way of
 * getting one (DESIGN.md, "From one machine to many": both modes pass the
 * same contract tests). Call it once per kind from a `*.test.ts` file.
 *
 * @example describeStoreContract('embedded');
 */
export function describeStoreContract(kind: 'external' | 'embedded'): void {
  describe(`store contract: ${kind} PostgreSQL`, () => {
    let testDb: TestDatabase | undefined;
    let db: Database;
    let firstMigration: string[];

    beforeAll(async () => {
      testDb = await createTestDatabase(kind);
      db = await openDatabase({ url: testDb.url });
      firstMigration = await db.migrate();
    });

    afterAll(async () => {
      await db?.close();
      await testDb?.drop();
    });

    describe('schema', () => {
      it('applies every migration once, and nothing on a second run', async () => {
        expect(firstMigration).toEqual(migrationsList.map((m) => m.name));
        expect(await db.migrate()).toEqual([]);
        const rows = await db.query<{ n: number }>(
          'select count(*)::int as n from tandem_migrations',
        );
        expect(rows[0]?.n).toBe(migrationsList.length);
      });

      it('maps every entity to its table, column for column', async () => {
        const metadata = db.orm.getMetadata();
        for (const entity of entities) {
          const name = entity.meta.className;
          const found = await db.em().find(entity as EntityName<object>, {}, { limit: 1 });
          expect(found.length, name).toBeLessThanOrEqual(1);

          const meta = metadata.get(name);
          const mapped = Object.values(meta.properties).flatMap((prop) => prop.fieldNames);
          const columns = await db.query<{ column_name: string }>(
            `select column_name from information_schema.columns
              where table_schema = current_schema() and table_name = ?`,
            [meta.tableName],
          );
          expect(mapped.sort(), name).toEqual(columns.map((c) => c.column_name).sort());
        }
      });

      it('round-trips an organization, a campaign and a challenge through the ORM', async () => {
        const organizationId = newId('org');
        const campaignId = newId('cmp');
        const challengeId = newId('chl');
        const startsAt = new Date('2026-03-01T08:30:00.123Z');
        const deadline = new Date('2026-06-30T21:59:59.999Z');
        const audience = {
          kind: 'members',
          emailDomains: ['grdf.fr'],
          nested: [1, 'a', { b: true }],
        };
        const actionSettings = { modes: ['bike', 'walk'], minKm: 1.5, note: null };

        // One flush per table: the entities declare no relations, so one unit
        // of work does not know that a campaign must be inserted before its
        // challenge (it inserts them in reverse order and trips the foreign key).
        const em = db.em();
        const organization = em.create(OrganizationEntity, {
          id: organizationId,
          slug: `grdf-${organizationId.slice(4, 12)}`,
          name: 'GRDF',
          kind: 'company',
        });
        await em.flush();
        em.create(CampaignEntity, {
          id: campaignId,
          organizationId,
          title: 'Semaine du développement durable',
          startsAt,
          endsAt: null,
          audience,
        });
        await em.flush();
        em.create(ChallengeEntity, {
          id: challengeId,
          campaignId,
          organizationId,
          title: 'Au travail à vélo',
          actionType: 'bike-km.trip',
          actionSettings,
          status: 'open',
          deadline,
        });
        await em.flush();
        const createdAt = organization.createdAt;
        expect(createdAt).toBeInstanceOf(Date);

        const readEm = db.em();
        const [org] = await readEm.find(OrganizationEntity, { id: organizationId });
        expect(org).toMatchObject({ id: organizationId, name: 'GRDF', kind: 'company' });
        expect(org?.createdAt).toBeInstanceOf(Date);
        expect(org?.createdAt.getTime()).toBe(createdAt.getTime());

        const campaign = await readEm.findOneOrFail(CampaignEntity, { id: campaignId });
        expect(campaign.startsAt).toBeInstanceOf(Date);
        expect(campaign.startsAt?.getTime()).toBe(startsAt.getTime());
        expect(campaign.endsAt).toBeNull();
        expect(campaign.audience).toEqual(audience);

        const challenge = await readEm.findOneOrFail(ChallengeEntity, { id: challengeId });
        expect(challenge.actionSettings).toEqual(actionSettings);
        expect(challenge.deadline?.getTime()).toBe(deadline.getTime());
        expect(challenge.closedAt).toBeNull();

        // The SQL path sees what the ORM wrote, in the same types.
        const [row] = await db.query<{ audience: unknown; starts_at: Date }>(
          'select audience, starts_at from campaign where id = ?',
          [campaignId],
        );
        expect(row?.audience).toEqual(audience);
        expect(new Date(row?.starts_at ?? 0).getTime()).toBe(startsAt.getTime());
      });
    });

    describe('transaction', () => {
      const orgExists = async (id: string) =>
        (await db.query('select 1 from organization where id = ?', [id])).length === 1;

      it('commits when the callback resolves', async () => {
        const viaSql = newId('org');
        const viaOrm = newId('org');
        const result = await db.transaction(async (tx) => {
          await tx.query(
            `insert into organization (id, slug, name, kind) values (?, ?, ?, 'city')`,
            [viaSql, viaSql, 'SQL'],
          );
          tx.em.create(OrganizationEntity, { id: viaOrm, slug: viaOrm, name: 'ORM', kind: 'city' });
          return 42;
        });
        expect(result).toBe(42);
        expect(await orgExists(viaSql)).toBe(true);
        expect(await orgExists(viaOrm)).toBe(true);
      });

      it('rolls back everything when the callback throws', async () => {
        const viaSql = newId('org');
        const viaOrm = newId('org');
        const failure = new Error('changed my mind');
        await expect(
          db.transaction(async (tx) => {
            await tx.query(
              `insert into organization (id, slug, name, kind) values (?, ?, ?, 'city')`,
              [viaSql, viaSql, 'SQL'],
            );
            tx.em.create(OrganizationEntity, {
              id: viaOrm,
              slug: viaOrm,
              name: 'ORM',
              kind: 'city',
            });
            await tx.em.flush();
            // Inside, the transaction sees its own writes.
            expect(
              await tx.query('select 1 from organization where id in (?)', [[viaSql, viaOrm]]),
            ).toHaveLength(2);
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await orgExists(viaSql)).toBe(false);
        expect(await orgExists(viaOrm)).toBe(false);
      });
    });

    describe('slotted progress', () => {
      it('sums bumps for a challenge, several challenges and their teams', async () => {
        const { challengeId } = await seedChallenge(db);
        const other = await seedChallenge(db);
        const empty = await seedChallenge(db);
        const team = newId('tea');

        await db.transaction(async (tx) => {
          await bumpProgress(tx, challengeId, WHOLE_CHALLENGE, {
            participants: 2,
            quantity: 10.25,
            co2eKg: 1.5,
          });
          await bumpProgress(tx, challengeId, team, { participants: 1, quantity: 4, co2eKg: 0.5 });
          await bumpProgress(tx, other.challengeId, WHOLE_CHALLENGE, {
            participants: 1,
            quantity: 0,
            co2eKg: 0,
          });
        });
        await bumpProgress(db, challengeId, WHOLE_CHALLENGE, {
          participants: -1,
          quantity: -0.25,
          co2eKg: 0,
        });

        expect(await readChallengeProgress(db, challengeId)).toEqual({
          participants: 2,
          quantity: 14,
          co2eKg: 2,
        });
        const all = await readProgress(db, [challengeId, other.challengeId, empty.challengeId]);
        expect(Object.fromEntries(all)).toEqual({
          [challengeId]: { participants: 2, quantity: 14, co2eKg: 2 },
          [other.challengeId]: { participants: 1, quantity: 0, co2eKg: 0 },
          [empty.challengeId]: { participants: 0, quantity: 0, co2eKg: 0 },
        });
        expect(Object.fromEntries(await readTeamProgress(db, challengeId))).toEqual({
          [team]: { participants: 1, quantity: 4, co2eKg: 0.5 },
        });
        expect((await readTeamProgress(db, other.challengeId)).size).toBe(0);
      });

      it('counts exactly under 200 concurrent transactions', async () => {
        const { challengeId } = await seedChallenge(db);
        await Promise.all(
          Array.from({ length: 200 }, () =>
            db.transaction((tx) =>
              bumpProgress(tx, challengeId, WHOLE_CHALLENGE, {
                participants: 1,
                quantity: 1.5,
                co2eKg: 0.1,
              }),
            ),
          ),
        );
        expect(await readChallengeProgress(db, challengeId)).toEqual({
          participants: 200,
          quantity: 300,
          co2eKg: 20,
        });
        // The counters really are spread over slots, and never beyond them.
        const [slots] = await db.query<{ n: number }>(
          'select count(*)::int as n from progress_slot where challenge_id = ?',
          [challengeId],
        );
        expect(slots?.n).toBeGreaterThan(1);
        expect(slots?.n).toBeLessThanOrEqual(PROGRESS_SLOTS);
      });

      it('counts concurrent team bumps in their team and in the whole challenge', async () => {
        const { challengeId } = await seedChallenge(db);
        const [north, south] = [newId('tea'), newId('tea')];
        await Promise.all(
          Array.from({ length: 90 }, (_, n) =>
            db.transaction((tx) =>
              bumpProgress(tx, challengeId, [north, south, WHOLE_CHALLENGE][n % 3] as string, {
                participants: 1,
                quantity: 2,
                co2eKg: 0,
              }),
            ),
          ),
        );
        expect(await readChallengeProgress(db, challengeId)).toEqual({
          participants: 90,
          quantity: 180,
          co2eKg: 0,
        });
        expect(Object.fromEntries(await readTeamProgress(db, challengeId))).toEqual({
          [north]: { participants: 30, quantity: 60, co2eKg: 0 },
          [south]: { participants: 30, quantity: 60, co2eKg: 0 },
        });
      });
    });

    describe('applyParticipation', () => {
      it('counts a person with a pledge and contributions once', async () => {
        const { challengeId } = await seedChallenge(db);
        const person = await seedParticipant(db);
        const deltas = [
          await db.transaction((tx) =>
            applyParticipation(tx, challengeId, person, { pledged: true }),
          ),
          await db.transaction((tx) =>
            applyParticipation(tx, challengeId, person, {
              contributions: 1,
              quantity: 12,
              co2eKg: 2.4,
            }),
          ),
          await db.transaction((tx) =>
            applyParticipation(tx, challengeId, person, {
              contributions: 1,
              quantity: 3,
              co2eKg: 0.6,
            }),
          ),
          await db.transaction((tx) =>
            applyParticipation(tx, challengeId, person, { pledged: true }),
          ),
        ];
        expect(deltas).toEqual([1, 0, 0, 0]);
        expect(await readChallengeProgress(db, challengeId)).toEqual({
          participants: 1,
          quantity: 15,
          co2eKg: 3,
        });
      });

      it('keeps a withdrawn person counted while they have contributions', async () => {
        const { challengeId } = await seedChallenge(db);
        const person = await seedParticipant(db);
        await db.transaction((tx) =>
          applyParticipation(tx, challengeId, person, { pledged: true }),
        );
        await db.transaction((tx) =>
          applyParticipation(tx, challengeId, person, { contributions: 1, quantity: 5 }),
        );
        const delta = await db.transaction((tx) =>
          applyParticipation(tx, challengeId, person, { pledged: false }),
        );
        expect(delta).toBe(0);
        expect(await readChallengeProgress(db, challengeId)).toMatchObject({
          participants: 1,
          quantity: 5,
        });
      });

      it('uncounts a withdrawn person without contributions, team included', async () => {
        const { challengeId } = await seedChallenge(db);
        const person = await seedParticipant(db);
        const team = newId('tea');
        const up = await db.transaction((tx) =>
          applyParticipation(tx, challengeId, person, { pledged: true, teamId: team }),
        );
        expect(up).toBe(1);
        expect((await readTeamProgress(db, challengeId)).get(team)?.participants).toBe(1);

        const down = await db.transaction((tx) =>
          applyParticipation(tx, challengeId, person, { pledged: false }),
        );
        expect(down).toBe(-1);
        expect((await readChallengeProgress(db, challengeId)).participants).toBe(0);
        expect((await readTeamProgress(db, challengeId)).get(team)?.participants).toBe(0);
      });

      it('never counts a person twice when a pledge and a contribution land at once', async () => {
        const { challengeId } = await seedChallenge(db);
        const rounds = 20;
        const racePledgeAndContribution = (person: string) =>
          Promise.all([
            db.transaction((tx) => applyParticipation(tx, challengeId, person, { pledged: true })),
            db.transaction((tx) =>
              applyParticipation(tx, challengeId, person, { contributions: 1, quantity: 1 }),
            ),
          ]);
        for (let round = 0; round < rounds; round++) {
          // A newcomer, and someone who pledged and withdrew before: their
          // row already exists, so only its lock keeps the two apart.
          const newcomer = await seedParticipant(db);
          const returning = await seedParticipant(db);
          await db.transaction((tx) =>
            applyParticipation(tx, challengeId, returning, { pledged: true }),
          );
          await db.transaction((tx) =>
            applyParticipation(tx, challengeId, returning, { pledged: false }),
          );
          const deltas = await Promise.all([
            racePledgeAndContribution(newcomer),
            racePledgeAndContribution(returning),
          ]);
          expect(deltas.map((pair) => pair.sort())).toEqual([
            [0, 1],
            [0, 1],
          ]);
        }
        expect(await readChallengeProgress(db, challengeId)).toMatchObject({
          participants: 2 * rounds,
          quantity: 2 * rounds,
        });
        const rows = await db.query<{ pledged: boolean; contributions: number }>(
          'select pledged, contributions from participation where challenge_id = ?',
          [challengeId],
        );
        expect(rows).toHaveLength(2 * rounds);
        expect(rows.every((r) => r.pledged && r.contributions === 1)).toBe(true);
      });
    });

    describe('outbox', () => {
      it('never hands one event to two concurrent claimers, and hides relayed events', async () => {
        // Start from an empty backlog, whatever earlier tests appended.
        await db.query('update outbox_event set relayed_at = now() where relayed_at is null');
        const challengeId = newId('chl');
        const appended = await db.transaction((tx) =>
          appendEvents(
            tx,
            Array.from({ length: 10 }, (_, n) => ({
              type: EventTypes.pledgeConfirmed,
              challengeId,
              payload: {
                pledgeId: `pld_${n}`,
                participantId: `prt_${n}`,
                teamId: null,
                participantsDelta: 1,
              },
            })),
          ),
        );
        expect(appended).toHaveLength(10);

        const claimedFirst = gate<string[]>();
        const release = gate();
        const first = db.transaction(async (tx) => {
          const events = await claimPendingEvents(tx, 4);
          claimedFirst.open(events.map((e) => e.id));
          await release.promise;
          await markRelayed(
            tx,
            events.map((e) => e.seq),
          );
          return events.map((e) => e.id);
        });
        const firstIds = await Promise.race([
          claimedFirst.promise,
          first.then(() => {
            throw new Error('the first claimer ended before claiming');
          }),
        ]);
        expect(firstIds).toEqual(appended.slice(0, 4));

        // While the first transaction holds its rows, the second skips them
        // rather than waiting (a lock timeout fails fast if it would wait).
        const secondIds = await db.transaction(async (tx) => {
          await tx.query(`set local lock_timeout = '2s'`);
          const events = await claimPendingEvents(tx, 100);
          await markRelayed(
            tx,
            events.map((e) => e.seq),
          );
          return events.map((e) => e.id);
        });
        release.open();
        expect(await first).toEqual(firstIds);

        expect(secondIds).toEqual(appended.slice(4));
        expect(firstIds.filter((id) => secondIds.includes(id))).toEqual([]);
        expect(await db.transaction((tx) => claimPendingEvents(tx, 100))).toEqual([]);
      });

      it('hands back what a claimer did not mark relayed, in order and intact', async () => {
        await db.query('update outbox_event set relayed_at = now() where relayed_at is null');
        const challengeId = newId('chl');
        const organizationId = newId('org');
        const ids = await db.transaction((tx) =>
          appendEvents(tx, [
            {
              type: EventTypes.contributionRecorded,
              challengeId,
              organizationId,
              payload: {
                contributionId: 'ctb_1',
                participantId: 'prt_1',
                quantity: 3.2,
                co2eKg: 0.4,
                participantsDelta: 1,
              },
            },
            definedEvent(
              definePluginEvent('bike-km', 'trip_logged', Type.Object({ km: Type.Number() }), {
                description: 'A trip was logged.',
              }),
              { km: 12 },
            ),
          ]),
        );
        const abandoned = await db.transaction((tx) => claimPendingEvents(tx, 100));
        expect(abandoned.map((e) => e.id)).toEqual(ids);

        const again = await db.transaction(async (tx) => {
          const events = await claimPendingEvents(tx, 100);
          await markRelayed(
            tx,
            events.map((e) => e.seq),
          );
          return events;
        });
        expect(again).toHaveLength(2);
        expect(again[0]).toMatchObject({
          id: ids[0],
          type: 'contribution.recorded',
          challengeId,
          organizationId,
          payload: { quantity: 3.2, participantsDelta: 1 },
        });
        expect(again[1]).toMatchObject({
          id: ids[1],
          type: 'bike-km.trip_logged',
          challengeId: null,
          organizationId: null,
          payload: { km: 12 },
        });
        expect(again[0]?.createdAt).toBeInstanceOf(Date);
        expect((again[1]?.seq ?? 0) > (again[0]?.seq ?? 0)).toBe(true);
        expect(await db.transaction((tx) => claimPendingEvents(tx, 100))).toEqual([]);
      });
    });

    describe('outbox, claimed and marked at once', () => {
      it('hands each event to one claimer, numbers per challenge, and gives back on rollback', async () => {
        await db.query('update outbox_event set relayed_at = now() where relayed_at is null');
        const [one, two] = [newId('chl'), newId('chl')];
        const appended = await db.transaction((tx) =>
          appendEvents(
            tx,
            Array.from({ length: 9 }, (_, n) =>
              definedEvent(
                definePluginEvent('bike-km', 'trip_logged', Type.Object({ n: Type.Number() }), {
                  description: 'A trip was logged.',
                }),
                { n },
                { challengeId: n % 3 === 2 ? null : n % 3 === 0 ? one : two },
              ),
            ),
          ),
        );
        // A claimer that rolls back leaves everything unrelayed and unnumbered.
        await expect(
          db.transaction(async (tx) => {
            expect(await claimEvents(tx, 100)).toHaveLength(9);
            throw new Error('the queue is down');
          }),
        ).rejects.toThrow('the queue is down');

        const claimedFirst = gate<string[]>();
        const release = gate();
        const first = db.transaction(async (tx) => {
          const events = await claimEvents(tx, 4);
          claimedFirst.open(events.map((e) => e.id));
          await release.promise;
          return events;
        });
        expect(await claimedFirst.promise).toEqual(appended.slice(0, 4));
        // The second claimer skips the rows the first holds; it numbers its
        // challenges' events after the first commits (their counter rows).
        const second = db.transaction((tx) => claimEvents(tx, 100));
        await new Promise((resolve) => setTimeout(resolve, 100));
        release.open();
        const [firstEvents, secondEvents] = await Promise.all([first, second]);
        expect(secondEvents.map((e) => e.id)).toEqual(appended.slice(4));
        expect(await db.transaction((tx) => claimEvents(tx, 100))).toEqual([]);

        const numbers = (challengeId: string | null) =>
          [...firstEvents, ...secondEvents]
            .filter((e) => e.challengeId === challengeId)
            .map((e) => e.challengeSeq);
        expect(numbers(one)).toEqual([1, 2, 3]);
        expect(numbers(two)).toEqual([1, 2, 3]);
        expect(numbers(null)).toEqual([null, null, null]);
        expect(firstEvents[0]).toMatchObject({ type: 'bike-km.trip_logged', payload: { n: 0 } });
        expect(firstEvents[0]?.createdAt).toBeInstanceOf(Date);
      });
    });

    describe('unlocks', () => {
      it('refuses a second unlock row for the same challenge and tier', async () => {
        const { challengeId, tierIds } = await seedChallenge(db, {
          goals: [{ participants: 1, match: 'all' }],
        });
        const insert = () =>
          db.query(
            `insert into unlock (id, challenge_id, tier_id, unlocked_at, progress)
             values (?, ?, ?, now(), '{}'::jsonb)`,
            [newId('unl'), challengeId, tierIds[0]],
          );
        await insert();
        const error = await insert().then(
          () => null,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(UniqueConstraintViolationException);
        expect(error).toMatchObject({ code: '23505' });
        const rows = await db.query('select id from unlock where challenge_id = ?', [challengeId]);
        expect(rows).toHaveLength(1);
      });
    });

    describe('evaluateChallengeNow', () => {
      it('unlocks a reached tier exactly once under 20 concurrent evaluations', async () => {
        const { challengeId, tierIds } = await seedChallenge(db, {
          goals: [
            { participants: 3, match: 'all' },
            { participants: 1_000, match: 'all' },
          ],
        });
        await bumpProgress(db, challengeId, WHOLE_CHALLENGE, {
          participants: 3,
          quantity: 7,
          co2eKg: 0,
        });

        const outcomes = await Promise.all(
          Array.from({ length: 20 }, () => evaluateChallengeNow(db, challengeId)),
        );
        expect(outcomes.flatMap((o) => o.unlockedTierIds)).toEqual([tierIds[0]]);
        expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);

        const unlocks = await db.query<{ tier_id: string; progress: unknown }>(
          'select tier_id, progress from unlock where challenge_id = ?',
          [challengeId],
        );
        expect(unlocks).toEqual([
          { tier_id: tierIds[0], progress: { participants: 3, quantity: 7, co2eKg: 0 } },
        ]);
        expect(await countEvents(db, challengeId, EventTypes.challengeUnlocked)).toBe(1);
        expect(await countEvents(db, challengeId, EventTypes.challengeSucceeded)).toBe(1);
        const challenge = await loadChallenge(db, challengeId);
        expect(challenge?.status).toBe('succeeded');
        expect(challenge?.closedAt).toBeNull();
        expect(challenge?.tiers.map((t) => t.unlockedAt !== null)).toEqual([true, false]);
      });

      it('fails a challenge past its deadline with nothing reached, closed at the deadline', async () => {
        const deadline = new Date(Date.now() - 3_600_000);
        const { challengeId } = await seedChallenge(db, {
          deadline,
          goals: [{ participants: 200, match: 'all' }],
        });
        await bumpProgress(db, challengeId, WHOLE_CHALLENGE, {
          participants: 12,
          quantity: 0,
          co2eKg: 0,
        });

        const outcomes = await Promise.all(
          Array.from({ length: 5 }, () => evaluateChallengeNow(db, challengeId)),
        );
        expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('failed'));
        expect(outcomes.flatMap((o) => o.unlockedTierIds)).toEqual([]);

        const challenge = await loadChallenge(db, challengeId);
        expect(challenge?.status).toBe('failed');
        expect(challenge?.closedAt?.getTime()).toBe(deadline.getTime());
        expect(await countEvents(db, challengeId, EventTypes.challengeClosed)).toBe(1);
        expect(await countEvents(db, challengeId, EventTypes.challengeUnlocked)).toBe(0);
        const [closed] = await db.query<{ payload: Record<string, unknown> }>(
          'select payload from outbox_event where challenge_id = ? and type = ?',
          [challengeId, EventTypes.challengeClosed],
        );
        expect(closed?.payload).toMatchObject({
          status: 'failed',
          closedAt: deadline.toISOString(),
          progress: { participants: 12 },
        });
      });
    });
  });
}
