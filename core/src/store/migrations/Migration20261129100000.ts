import { Migration } from '@mikro-orm/migrations';

/**
 * Scheduled work (core/src/jobs/scheduled): milestones, pacing nudges,
 * reminders and their opt-outs, the recount log, and when each piece of
 * periodic work last ran. Every "at most once" of that work is a key here,
 * not a promise of the queue: a job run twice, or by two workers at once,
 * finds the row already there.
 */
export class Migration20261129100000 extends Migration {
  override up(): void {
    this.addSql(`
-- 25/50/75/100 % of each tier's goal, written once by the evaluation that
-- crosses it; its event goes to the outbox only when the row is new.
create table challenge_milestone (
  challenge_id text not null references challenge (id) on delete cascade,
  tier_id text not null references tier (id) on delete cascade,
  percent smallint not null check (percent in (25, 50, 75, 100)),
  reached_at timestamptz not null,
  progress jsonb not null,
  primary key (challenge_id, tier_id, percent)
);

-- The last pacing nudge each organizer received for a challenge: a new one
-- is claimed only when this one is a week old.
create table pacing_nudge (
  challenge_id text not null references challenge (id) on delete cascade,
  participant_id text not null references participant (id) on delete cascade,
  last_sent_at timestamptz not null,
  forecast jsonb not null,
  primary key (challenge_id, participant_id)
);

-- The last contribution reminder a participant received for a challenge.
create table reminder_sent (
  challenge_id text not null references challenge (id) on delete cascade,
  participant_id text not null references participant (id) on delete cascade,
  last_sent_at timestamptz not null,
  primary key (challenge_id, participant_id)
);

-- People who asked for no more reminders (from every challenge).
create table reminder_opt_out (
  participant_id text primary key references participant (id) on delete cascade,
  opted_out_at timestamptz not null
);

-- Unsubscribe links: one random token per reminder mailed, kept as its hash
-- only, so that a leaked table unsubscribes nobody. Pruned after a while.
create table reminder_token (
  hash text primary key,
  participant_id text not null references participant (id) on delete cascade,
  created_at timestamptz not null
);
create index reminder_token_created_idx on reminder_token (created_at);

-- What the nightly recount found wrong and corrected (never silently).
create table recount_log (
  id bigserial primary key,
  challenge_id text not null references challenge (id) on delete cascade,
  expected jsonb not null,
  found jsonb not null,
  corrected_at timestamptz not null
);
create index recount_log_challenge_idx on recount_log (challenge_id, id);

-- When each piece of periodic work last started, so that ticks from several
-- processes, restarts and replays run it once per period.
create table scheduled_run (
  name text primary key,
  last_run_at timestamptz not null
);
`);
  }

  override down(): void {
    this.addSql(`
drop table if exists scheduled_run, recount_log, reminder_token, reminder_opt_out,
  reminder_sent, pacing_nudge, challenge_milestone cascade;
`);
  }
}
