import type { AbstractSqlDriver } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapCellOf } from '../../domain/location.js';
import { startTestPlatform, type TestPlatform } from '../../testing/index.js';
import { Migration20261204100000 } from './Migration20261204100000.js';

/**
 * The map migration on a database whose pledges hold rounded points: each
 * point becomes its 200 m cell, the confirmed ones are counted on the map
 * at every level, and the coordinates are gone.
 */
describe('Migration20261204100000', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform?.stop());

  const run = async (direction: 'up' | 'down') => {
    const { orm } = platform.db;
    const migration = new Migration20261204100000(
      orm.em.getDriver() as unknown as AbstractSqlDriver,
      orm.config,
    );
    await migration[direction]();
  };

  it('turns stored points into cells, counts the confirmed ones, and drops the coordinates', async () => {
    const db = platform.db;
    await run('down');
    await db.query(
      `insert into organization (id, slug, name, kind) values ('org_m', 'mig-m', 'M', 'city')`,
    );
    await db.query(
      `insert into campaign (id, organization_id, title, audience)
       values ('cmp_m', 'org_m', 'Campaign', '{"type":"public"}')`,
    );
    await db.query(
      `insert into challenge (id, campaign_id, organization_id, title, action_type, action_settings, status)
       values ('chl_m', 'cmp_m', 'org_m', 'Open one', 'pledge-only', '{}', 'open')`,
    );
    await db.query(
      `insert into participant (id, email, canonical_email) values
         ('pt_1', 'a@example.org', 'a@example.org'), ('pt_2', 'b@example.org', 'b@example.org'),
         ('pt_3', 'c@example.org', 'c@example.org'), ('pt_4', 'd@example.org', 'd@example.org')`,
    );
    await db.query(
      `insert into pledge (id, challenge_id, participant_id, status, lat, lon) values
         ('plg_1', 'chl_m', 'pt_1', 'confirmed', 48.90, 2.31),
         ('plg_2', 'chl_m', 'pt_2', 'confirmed', 48.90, 2.31),
         ('plg_3', 'chl_m', 'pt_3', 'withdrawn', 47.83, -3.57),
         ('plg_4', 'chl_m', 'pt_4', 'confirmed', null, null)`,
    );
    await run('up');

    const clichy = mapCellOf({ lat: 48.9, lon: 2.31 });
    const pledges = await db.query<{ id: string; map_cell: string | null }>(
      `select id, map_cell from pledge where challenge_id = 'chl_m' order by id`,
    );
    expect(pledges).toEqual([
      { id: 'plg_1', map_cell: clichy },
      { id: 'plg_2', map_cell: clichy },
      { id: 'plg_3', map_cell: mapCellOf({ lat: 47.83, lon: -3.57 }) },
      { id: 'plg_4', map_cell: null },
    ]);
    const cells = await db.query<{ level: number; people: number }>(
      `select level, people from challenge_map_cell where challenge_id = 'chl_m' order by level`,
    );
    expect(cells).toEqual(Array.from({ length: 14 }, (_, level) => ({ level, people: 2 })));
    const columns = await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns
        where table_name = 'pledge' and column_name in ('lat', 'lon')`,
    );
    expect(columns).toEqual([]);
  });
});
