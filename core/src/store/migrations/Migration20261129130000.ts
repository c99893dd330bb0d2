import { Migration } from '@mikro-orm/migrations';

/**
 * Each contribution keeps how its CO2e was computed — the source and the
 * factors the action type used — so that a figure in a sponsor's report can
 * be audited later, even after the plugin's factors change.
 */
export class Migration20261129130000 extends Migration {
  override up(): void {
    this.addSql(`alter table contribution add column impact jsonb not null default '{}';`);
  }

  override down(): void {
    this.addSql(`alter table contribution drop column if exists impact;`);
  }
}
