/**
 * What the elearning plugin holds about a person: the partners' accounts
 * mapped to them, their course completions and the statements that became
 * their contributions.
 *
 * On erasure the account mappings go, and so does any reason text naming
 * one of those accounts. Statements and completions stay: they hold no
 * personal data (ids, a course, a verb, a hash of the statement), and they
 * are what stops a partner's replay — or the person coming back — from
 * counting the same course twice.
 */
import type { PersonalDataHooks } from '@tandem/core';

/** The person's contributions, as a text array to test `contribution_ids` against. */
const THEIR_CONTRIBUTIONS = 'array(select id from contribution where participant_id = ?)';

/** The `personalData` hooks of the elearning integration. */
export const elearningPersonalData: PersonalDataHooks = {
  async export({ subject, sql }) {
    const accounts = await sql.query<{
      partner_id: string;
      partner_name: string;
      home_page: string;
      name: string;
      created_at: Date;
    }>(
      `select a.partner_id, p.name as partner_name, a.home_page, a.name, a.created_at
         from elearning_account a join elearning_partner p on p.id = a.partner_id
        where a.participant_id = ? order by a.created_at, a.name`,
      [subject.participantId],
    );
    const completions = await sql.query<{
      challenge_id: string;
      partner_id: string;
      statement_id: string;
      created_at: Date;
    }>(
      `select challenge_id, partner_id, statement_id, created_at from elearning_completion
        where participant_id = ? order by created_at, challenge_id`,
      [subject.participantId],
    );
    const statements = await sql.query<{
      partner_id: string;
      statement_id: string;
      verb_id: string;
      object_id: string | null;
      received_at: Date;
      outcome: string;
    }>(
      `select partner_id, statement_id, verb_id, object_id, received_at, outcome
         from elearning_statement where jsonb_exists_any(contribution_ids, ${THEIR_CONTRIBUTIONS})
        order by received_at, statement_id`,
      [subject.participantId],
    );
    if (accounts.length + completions.length + statements.length === 0) return null;
    const iso = (value: Date) => new Date(value).toISOString();
    return {
      accounts: accounts.map((row) => ({
        partnerId: row.partner_id,
        partner: row.partner_name,
        homePage: row.home_page,
        name: row.name,
        mappedAt: iso(row.created_at),
      })),
      completions: completions.map((row) => ({
        challengeId: row.challenge_id,
        partnerId: row.partner_id,
        statementId: row.statement_id,
        at: iso(row.created_at),
      })),
      statements: statements.map((row) => ({
        partnerId: row.partner_id,
        statementId: row.statement_id,
        verb: row.verb_id,
        object: row.object_id,
        receivedAt: iso(row.received_at),
        outcome: row.outcome,
      })),
    };
  },

  async erase({ subject, sql }) {
    const accounts = await sql.query<{ partner_id: string; name: string }>(
      'delete from elearning_account where participant_id = ? returning partner_id, name',
      [subject.participantId],
    );
    // Statements received before the account was mapped say, in their
    // reason, which account was unknown.
    for (const account of accounts) {
      await sql.query(
        `update elearning_statement set reason = 'the actor of this statement was erased'
          where partner_id = ? and position(? in coalesce(reason, '')) > 0`,
        [account.partner_id, account.name],
      );
    }
  },
};
