import { Migration } from '@mikro-orm/migrations';
import { parseEmail } from '../../domain/email.js';

/**
 * Rewrites stored addresses into the canonical form of the strict grammar
 * (docs/decisions/0011): NFC, and the ASCII `xn--` form of an
 * internationalised domain. Without it, a person stored as
 * `jane@bücher.example` would become a second person the next time they
 * come back, now read as `jane@xn--bcher-kva.example`.
 *
 * - `participant`: `canonical_email` takes the new form, and `email` (which
 *   held the spelling first typed, perhaps a list such as
 *   `alice+x,eve@a.example`) takes it too. A stored address the grammar now
 *   refuses is left as it is: no new input can ever match it, and it gets
 *   no mail (`storedEmail`). When the new form already belongs to another
 *   row, the two are already two people: they are left apart rather than
 *   merged behind the counts' back.
 * - `dev_mail`: the lookup column, so the dev mailbox finds old mails.
 *
 * Only rows that can change are read: those with a character outside
 * printable ASCII, or whose `email` differs from `canonical_email`.
 * `mail_token` needs nothing: a token's address is parsed when it is used,
 * and one the grammar refuses is an unknown link.
 */
export class Migration20261203100000 extends Migration {
  override async up(): Promise<void> {
    const people = (await this.execute(
      `select id, canonical_email, email from participant
        where canonical_email is not null
          and (canonical_email ~ '[^ -~]' or email is distinct from canonical_email)
        order by created_at, id`,
    )) as { id: string; canonical_email: string; email: string | null }[];
    for (const person of people) {
      const parsed = parseEmail(person.canonical_email);
      if (!parsed.ok) continue;
      const canonical = parsed.address.canonical;
      if (canonical !== person.canonical_email) {
        const taken = await this.execute(
          'select 1 from participant where canonical_email = ? and id <> ?',
          [canonical, person.id],
        );
        if (taken.length > 0) continue;
      }
      await this.execute('update participant set canonical_email = ?, email = ? where id = ?', [
        canonical,
        canonical,
        person.id,
      ]);
    }

    const mails = (await this.execute(
      `select distinct to_email from dev_mail where to_email ~ '[^ -~]'`,
    )) as { to_email: string }[];
    for (const mail of mails) {
      const parsed = parseEmail(mail.to_email);
      if (!parsed.ok) continue;
      await this.execute('update dev_mail set to_email = ? where to_email = ?', [
        parsed.address.canonical,
        mail.to_email,
      ]);
    }
  }

  override down(): void {
    // The ASCII form is as good an address as the Unicode one: nothing to undo.
  }
}
