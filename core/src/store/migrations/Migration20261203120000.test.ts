import type { AbstractSqlDriver } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../testing/index.js';
import { Migration20261203120000 } from './Migration20261203120000.js';

/**
 * The sponsorship migration on a database that already holds tiers: those
 * naming another organization than the organizer were never agreed, and
 * come out `proposed`; the organizer's own stay `accepted`.
 */
describe('Migration20261203120000', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform?.stop());

  const run = async (direction: 'up' | 'down') => {
    const { orm } = platform.db;
    const migration = new Migration20261203120000(
      orm.em.getDriver() as unknown as AbstractSqlDriver,
      orm.config,
    );
    migration[direction]();
    for (const query of migration.getQueries()) await platform.db.query(String(query));
  };

  it('marks the tiers stored before consent that name another organization as proposed', async () => {
    const db = platform.db;
    await run('down');
    await db.query(
      `insert into organization (id, slug, name, kind) values
         ('org_a', 'mig-a', 'A', 'city'), ('org_b', 'mig-b', 'B', 'company')`,
    );
    await db.query(
      `insert into beneficiary (id, organization_id, name) values
         ('ben_a', 'org_a', 'Of A'), ('ben_b', 'org_b', 'Of B')`,
    );
    await db.query(
      `insert into campaign (id, organization_id, title, audience)
       values ('cmp_a', 'org_a', 'Campaign', '{"type":"public"}')`,
    );
    await db.query(
      `insert into challenge (id, campaign_id, organization_id, title, action_type, action_settings, status)
       values ('chl_a', 'cmp_a', 'org_a', 'Open one', 'pledge-only', '{}', 'open')`,
    );
    const donation = (beneficiaryId: string) =>
      JSON.stringify({ kind: 'donation', amount: { value: 1, currency: 'EUR' }, beneficiaryId });
    await db.query(
      `insert into tier (id, challenge_id, rank, goal, counterpart, sponsor_id) values
         ('tier_own', 'chl_a', 0, '{"participants":1,"match":"all"}', ?::jsonb, 'org_a'),
         ('tier_none', 'chl_a', 1, '{"participants":2,"match":"all"}', null, null),
         ('tier_named', 'chl_a', 2, '{"participants":3,"match":"all"}', ?::jsonb, 'org_b'),
         ('tier_borrowed', 'chl_a', 3, '{"participants":4,"match":"all"}', ?::jsonb, 'org_a')`,
      [donation('ben_a'), donation('ben_b'), donation('ben_b')],
    );
    await run('up');
    const rows = await db.query<{ id: string; sponsorship: string }>(
      `select id, sponsorship from tier where challenge_id = 'chl_a' order by rank`,
    );
    expect(rows).toEqual([
      { id: 'tier_own', sponsorship: 'accepted' },
      { id: 'tier_none', sponsorship: 'accepted' },
      { id: 'tier_named', sponsorship: 'proposed' },
      { id: 'tier_borrowed', sponsorship: 'proposed' },
    ]);
    await expect(
      db.query(`update tier set sponsorship = 'maybe' where id = 'tier_own'`),
    ).rejects.toThrow();
  });
});
