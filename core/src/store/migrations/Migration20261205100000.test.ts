import type { AbstractSqlDriver } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../testing/index.js';
import { Migration20261205100000 } from './Migration20261205100000.js';

/**
 * The ledger migration on a database that already holds unlocks: each gets
 * its delivery date, 90 days after it; tiers not unlocked get none; a
 * beneficiary's address must look like one.
 */
describe('Migration20261205100000', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform?.stop());

  const run = async (direction: 'up' | 'down') => {
    const { orm } = platform.db;
    const migration = new Migration20261205100000(
      orm.em.getDriver() as unknown as AbstractSqlDriver,
      orm.config,
    );
    migration[direction]();
    for (const query of migration.getQueries()) await platform.db.query(String(query));
  };

  it('gives the unlocks already stored a delivery date 90 days after them', async () => {
    const db = platform.db;
    await run('down');
    await db.query(
      `insert into organization (id, slug, name, kind) values ('org_l', 'mig-l', 'L', 'city')`,
    );
    await db.query(
      `insert into campaign (id, organization_id, title, audience)
       values ('cmp_l', 'org_l', 'Campaign', '{"type":"public"}')`,
    );
    await db.query(
      `insert into challenge (id, campaign_id, organization_id, title, action_type, action_settings, status)
       values ('chl_l', 'cmp_l', 'org_l', 'Unlocked', 'pledge-only', '{}', 'succeeded')`,
    );
    await db.query(
      `insert into tier (id, challenge_id, rank, goal, sponsor_id) values
         ('tier_done', 'chl_l', 0, '{"participants":1,"match":"all"}', 'org_l'),
         ('tier_ahead', 'chl_l', 1, '{"participants":9,"match":"all"}', 'org_l')`,
    );
    await db.query(
      `insert into unlock (id, challenge_id, tier_id, unlocked_at, progress)
       values ('unl_l', 'chl_l', 'tier_done', '2026-01-10T08:00:00Z', '{}')`,
    );
    await run('up');
    const [unlock] = await db.query<{ deliver_by: Date }>(
      `select deliver_by from unlock where id = 'unl_l'`,
    );
    expect(new Date(unlock?.deliver_by as Date).toISOString()).toBe('2026-04-10T08:00:00.000Z');
    const tiers = await db.query<{ id: string; received_at: Date | null }>(
      `select id, received_at from tier where challenge_id = 'chl_l' order by rank`,
    );
    expect(tiers).toEqual([
      { id: 'tier_done', received_at: null },
      { id: 'tier_ahead', received_at: null },
    ]);
    await expect(
      db.query(
        `insert into beneficiary (id, organization_id, name, email) values ('ben_l', 'org_l', 'B', 'nobody')`,
      ),
    ).rejects.toThrow();
  });
});
