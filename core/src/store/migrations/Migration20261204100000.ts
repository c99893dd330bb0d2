import { Migration } from '@mikro-orm/migrations';
import { mapCellOf } from '../../domain/location.js';
import { parseCellId } from '../../domain/grid.js';

/**
 * The map (docs/decisions/0026, docs/privacy.md).
 *
 * A pledge keeps where it was made only as coarse as the map needs: the
 * name of its 200 m grid cell (`map_cell`) and its commune's INSEE code
 * (`commune_code`), never coordinates. Existing points (already rounded to
 * 0.01°) become cells here, then the coordinate columns go.
 *
 * `challenge_map_cell` holds, for each challenge, the confirmed pledges of
 * every cell at every level of the grid (column `x`, row `y` of the
 * level), and `challenge_place` those of every commune; both are kept in
 * the transaction that confirms, withdraws or erases a pledge, so a map
 * request reads a few rows instead of counting pledges.
 *
 * `show_as` is whether the feed may show the participant's name.
 */
export class Migration20261204100000 extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
alter table pledge
  add column map_cell text,
  add column commune_code text,
  add column show_as text not null default 'anonymous' check (show_as in ('name', 'anonymous'));

create table challenge_map_cell (
  challenge_id text not null references challenge (id) on delete cascade,
  level smallint not null check (level between 0 and 13),
  x integer not null,
  y integer not null,
  people integer not null,
  primary key (challenge_id, level, x, y)
);

create table challenge_place (
  challenge_id text not null references challenge (id) on delete cascade,
  commune_code text not null,
  people integer not null,
  primary key (challenge_id, commune_code)
);
`);
    const points = (await this.execute(
      'select id, challenge_id, status, erased_at, lat, lon from pledge where lat is not null and lon is not null',
    )) as { id: string; challenge_id: string; status: string; lat: string; lon: string }[];
    // Arrays go as one JSON parameter: the driver would spread an array
    // into one placeholder per element.
    const cells: { id: string; cell: string }[] = [];
    const counted: { challenge_id: string; x: number; y: number }[] = [];
    for (const point of points) {
      const cell = mapCellOf({ lat: Number(point.lat), lon: Number(point.lon) });
      cells.push({ id: point.id, cell });
      // Erased pledges had their point nulled already; withdrawn ones do not count.
      if (point.status === 'confirmed') {
        const parsed = parseCellId(cell);
        if (!parsed) throw new Error(`a cell name does not read back: ${cell}`);
        counted.push({ challenge_id: point.challenge_id, x: parsed.x, y: parsed.y });
      }
    }
    if (cells.length > 0) {
      await this.execute(
        `update pledge p set map_cell = t.cell
           from json_to_recordset(?::json) as t(id text, cell text) where p.id = t.id`,
        [JSON.stringify(cells)],
      );
    }
    if (counted.length > 0) {
      await this.execute(
        `insert into challenge_map_cell (challenge_id, level, x, y, people)
         select t.challenge_id, l.level, t.x >> l.level, t.y >> l.level, count(*)
           from json_to_recordset(?::json) as t(challenge_id text, x int, y int)
           cross join generate_series(0, 13) as l(level)
          group by 1, 2, 3, 4`,
        [JSON.stringify(counted)],
      );
    }
    await this.execute('alter table pledge drop column lat, drop column lon');
  }

  override async down(): Promise<void> {
    // The points are gone for good; what comes back is empty columns.
    await this.execute(`
drop table if exists challenge_place;
drop table if exists challenge_map_cell;
alter table pledge drop column if exists show_as, drop column if exists commune_code,
  drop column if exists map_cell;
alter table pledge add column lat numeric(5, 2), add column lon numeric(5, 2);
`);
  }
}
