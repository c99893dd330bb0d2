import { Migration } from '@mikro-orm/migrations';

/**
 * A tier's sponsor must agree to it (docs/decisions/0013). Tiers that name
 * another organization than the organizer — as sponsor, or through its
 * beneficiary — were stored without anyone of that organization agreeing,
 * so they start `proposed`, whatever their challenge's status: events and
 * mails stop reaching that organization until its admins accept.
 */
export class Migration20261203120000 extends Migration {
  override up(): void {
    this.addSql(`
alter table tier
  add column sponsorship text not null default 'accepted'
    check (sponsorship in ('accepted', 'proposed', 'declined')),
  add column sponsorship_decided_at timestamptz;

update tier t set sponsorship = 'proposed'
  from challenge c
 where c.id = t.challenge_id
   and ((t.sponsor_id is not null and t.sponsor_id <> c.organization_id)
        or exists (select 1 from beneficiary b
                    where b.id = t.counterpart ->> 'beneficiaryId'
                      and b.organization_id <> c.organization_id));

create index tier_sponsor_idx on tier (sponsor_id, sponsorship) where sponsor_id is not null;
`);
  }

  override down(): void {
    this.addSql(`
drop index if exists tier_sponsor_idx;
alter table tier drop column if exists sponsorship_decided_at, drop column if exists sponsorship;
`);
  }
}
