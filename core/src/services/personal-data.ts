import { communeByCode } from '../store/communes.js';
import { applyMapPresence } from '../store/map.js';
import { storedEmail } from '../domain/email.js';
import { TandemError } from '../errors.js';
import type { PersonalDataInput, PersonalDataSubject } from '../sdk/manifest.js';
import type { Plugin } from '../plugins/registry.js';
import type { Sql } from '../store/database.js';
import { participantIdempotencyScope } from '../store/retention.js';
import { requireParticipant } from './access.js';
import type { ServiceContext, Viewer } from './context.js';
import { mailLimitKey } from './mail-limit.js';
import { organizationsWhereLastOwner } from './organizations.js';
import { identityFingerprint } from '../store/participants.js';

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/** Every plugin registered, action types first, in registration order. */
function pluginsOf(ctx: ServiceContext): Plugin[] {
  return [...ctx.registry.actionTypes(), ...ctx.registry.integrations()];
}

interface PersonRow {
  id: string;
  email: string | null;
  canonical_email: string | null;
  display_name: string | null;
  locale: string;
  verified_at: Date | null;
  created_at: Date;
  identity_fingerprint: string | null;
  show_as: string;
  mail_opt_out: boolean;
  postcode: string | null;
  commune_code: string | null;
}

function subjectOf(person: PersonRow): PersonalDataSubject {
  const canonical = person.canonical_email ?? storedEmail(person.email)?.canonical ?? null;
  return { participantId: person.id, email: person.email, canonicalEmail: canonical };
}

/** The one-time links mailed to this address (tokens keep its canonical form). */
async function mailTokensOf(
  sql: Sql,
  canonical: string,
): Promise<
  { hash: string; purpose: string; created_at: Date; expires_at: Date; used_at: Date | null }[]
> {
  const rows = await sql.query<{
    hash: string;
    email: string;
    purpose: string;
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
  }>(
    `select hash, email, purpose, created_at, expires_at, used_at from mail_token
      where email = ? order by created_at`,
    [canonical],
  );
  return rows;
}

/**
 * `GET /api/me/export`: everything Tandem and its plugins hold about the
 * signed-in person, read in one snapshot — who they are, their memberships,
 * pledges (details, location, team), contributions, consents, sessions
 * (never their secrets), the links and mails sent to their address, and
 * each plugin's own section under `plugins.<id>`.
 *
 * @throws TandemError `TANDEM_AUTH_REQUIRED` anonymous; `TANDEM_AUTH_FORBIDDEN`
 *   for the platform admin token, which belongs to no person
 */
export async function exportPersonalData(ctx: ServiceContext, viewer: Viewer) {
  const me = requireParticipant(viewer);
  return ctx.db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    const [person] = await tx.query<PersonRow>(
      `select id, email, canonical_email, display_name, locale, verified_at, created_at,
              identity_fingerprint, show_as, mail_opt_out, postcode, commune_code
         from participant where id = ?`,
      [me.participantId],
    );
    if (!person) throw new TandemError('TANDEM_AUTH_INVALID', 'This session has no person left.');
    const subject = subjectOf(person);
    const id = person.id;

    const memberships = await tx.query<{
      slug: string;
      name: string;
      role: string;
      created_at: Date;
    }>(
      `select o.slug, o.name, m.role, m.created_at
         from membership m join organization o on o.id = m.organization_id
        where m.participant_id = ? order by o.slug`,
      [id],
    );
    // Their accounts at organizations' identity providers (ADR 0044).
    const accounts = await tx.query<{
      issuer: string;
      subject: string;
      created_at: Date;
      last_sign_in_at: Date;
    }>(
      `select issuer, subject, created_at, last_sign_in_at from sso_identity
        where participant_id = ? order by issuer, subject`,
      [id],
    );
    const pledges = await tx.query<{
      id: string;
      challenge_id: string;
      title: string;
      status: string;
      details: unknown;
      display_name: string | null;
      map_cell: string | null;
      commune_code: string | null;
      show_as: 'name' | 'anonymous';
      team_slug: string | null;
      team_name: string | null;
      created_at: Date;
      confirmed_at: Date | null;
      withdrawn_at: Date | null;
    }>(
      `select p.id, p.challenge_id, c.title, p.status, p.details, p.display_name, p.map_cell,
              p.commune_code, p.show_as,
              t.slug as team_slug, t.name as team_name, p.created_at, p.confirmed_at, p.withdrawn_at
         from pledge p
         join challenge c on c.id = p.challenge_id
         left join team t on t.id = p.team_id
        where p.participant_id = ? order by p.created_at, p.id`,
      [id],
    );
    const contributions = await tx.query<{
      id: string;
      challenge_id: string;
      title: string;
      details: unknown;
      quantity: string;
      co2e_kg: string;
      occurred_at: Date;
      created_at: Date;
      corrected_at: Date | null;
      by_self: boolean;
    }>(
      `select k.id, k.challenge_id, c.title, k.details, k.quantity, k.co2e_kg, k.occurred_at,
              k.created_at, k.corrected_at,
              (k.recorded_by is not distinct from k.participant_id) as by_self
         from contribution k join challenge c on c.id = k.challenge_id
        where k.participant_id = ? order by k.occurred_at, k.id`,
      [id],
    );
    const consents = await tx.query<{
      challenge_id: string;
      text: string;
      given_at: Date;
      recorded_at: Date;
    }>(
      `select challenge_id, text, given_at, recorded_at from consent_record
        where participant_id = ? order by recorded_at, id`,
      [id],
    );
    const sessions = await tx.query<{ created_at: Date; expires_at: Date }>(
      `select created_at, expires_at from session
        where participant_id = ? and expires_at > now() order by created_at`,
      [id],
    );
    const [optOut] = await tx.query<{ opted_out_at: Date }>(
      'select opted_out_at from reminder_opt_out where participant_id = ?',
      [id],
    );
    // Files they uploaded for an organization: who uploaded is about them;
    // the bytes belong to the organization and are not repeated here.
    const files = await tx.query<{
      id: string;
      slug: string;
      media_type: string;
      size: number;
      sha256: string;
      public: boolean;
      created_at: Date;
    }>(
      `select f.id, o.slug, f.media_type, f.size, f.sha256, f.public, f.created_at
         from file f join organization o on o.id = f.organization_id
        where f.created_by = ? order by f.created_at, f.id`,
      [id],
    );
    // Deliveries they declared for an organization (ADR 0035).
    const declared = await tx.query<{
      challenge_id: string;
      tier_id: string;
      slug: string | null;
      fulfilled_at: Date;
    }>(
      `select t.challenge_id, t.id as tier_id, o.slug, t.fulfilled_at
         from tier t left join organization o on o.id = t.fulfilled_by
        where t.fulfilled_by_participant = ? order by t.fulfilled_at, t.id`,
      [id],
    );
    const canonical = subject.canonicalEmail;
    const links = canonical ? await mailTokensOf(tx, canonical) : [];
    // Invitations are mailed links too, kept in their own table (ADR 0037).
    const invitations = canonical
      ? await tx.query<{ created_at: Date; expires_at: Date; accepted_at: Date | null }>(
          'select created_at, expires_at, accepted_at from invitation where email = ? order by created_at',
          [canonical],
        )
      : [];
    for (const invitation of invitations) {
      links.push({
        hash: '',
        purpose: 'invitation',
        created_at: invitation.created_at,
        expires_at: invitation.expires_at,
        used_at: invitation.accepted_at,
      });
    }
    const mails = canonical
      ? await tx.query<{ subject: string; text: string; purpose: string; sent_at: Date }>(
          'select subject, text, purpose, sent_at from dev_mail where to_email = ? order by seq',
          [canonical],
        )
      : [];

    const plugins: Record<string, unknown> = {};
    for (const plugin of pluginsOf(ctx)) {
      if (!plugin.personalData) continue;
      const input: PersonalDataInput = { subject, sql: tx, now: ctx.now() };
      const section = await plugin.personalData.export(input);
      if (section !== null && section !== undefined) plugins[plugin.id] = section;
    }

    return {
      exportedAt: ctx.now().toISOString(),
      identity: {
        id,
        email: person.email,
        displayName: person.display_name,
        locale: person.locale,
        showAs: person.show_as,
        mailOptOut: person.mail_opt_out,
        postcode: person.postcode,
        communeCode: person.commune_code,
        verified: person.verified_at !== null,
        verifiedAt: iso(person.verified_at),
        createdAt: iso(person.created_at),
      },
      memberships: memberships.map((m) => ({
        organization: m.slug,
        name: m.name,
        role: m.role,
        since: iso(m.created_at),
      })),
      signInAccounts: accounts.map((a) => ({
        issuer: a.issuer,
        subject: a.subject,
        since: iso(a.created_at),
        lastSignInAt: iso(a.last_sign_in_at),
      })),
      pledges: pledges.map((p) => ({
        id: p.id,
        challengeId: p.challenge_id,
        challenge: p.title,
        status: p.status,
        details: p.details,
        displayName: p.display_name,
        // All that is kept of where they pledged (docs/privacy.md).
        location:
          p.map_cell === null && p.commune_code === null
            ? null
            : {
                commune:
                  p.commune_code === null
                    ? null
                    : { code: p.commune_code, name: communeByCode(p.commune_code)?.name ?? null },
                cell: p.map_cell,
              },
        showAs: p.show_as,
        team: p.team_slug !== null ? { slug: p.team_slug, name: p.team_name } : null,
        createdAt: iso(p.created_at),
        confirmedAt: iso(p.confirmed_at),
        withdrawnAt: iso(p.withdrawn_at),
      })),
      contributions: contributions.map((k) => ({
        id: k.id,
        challengeId: k.challenge_id,
        challenge: k.title,
        details: k.details,
        quantity: Number(k.quantity),
        co2eKg: Number(k.co2e_kg),
        recordedBy: k.by_self ? ('self' as const) : ('agent' as const),
        occurredAt: iso(k.occurred_at),
        createdAt: iso(k.created_at),
        correctedAt: iso(k.corrected_at),
      })),
      consents: consents.map((c) => ({
        challengeId: c.challenge_id,
        text: c.text,
        givenAt: iso(c.given_at),
        recordedAt: iso(c.recorded_at),
      })),
      sessions: sessions.map((s) => ({
        createdAt: iso(s.created_at),
        expiresAt: iso(s.expires_at),
      })),
      reminders: { optedOutAt: optOut ? iso(optOut.opted_out_at) : null },
      uploads: files.map((f) => ({
        fileId: f.id,
        organization: f.slug,
        mediaType: f.media_type,
        size: f.size,
        sha256: f.sha256,
        public: f.public,
        uploadedAt: iso(f.created_at),
      })),
      deliveriesDeclared: declared.map((d) => ({
        challengeId: d.challenge_id,
        tierId: d.tier_id,
        organization: d.slug,
        fulfilledAt: iso(d.fulfilled_at),
      })),
      links: links.map((l) => ({
        purpose: l.purpose,
        createdAt: iso(l.created_at),
        expiresAt: iso(l.expires_at),
        usedAt: iso(l.used_at),
      })),
      mails: mails.map((m) => ({
        subject: m.subject,
        text: m.text,
        purpose: m.purpose,
        sentAt: iso(m.sent_at),
      })),
      plugins,
    };
  });
}

/**
 * `DELETE /api/me`: erases every personal detail of the signed-in person, in
 * one transaction — plugins' rows through their `personalData.erase` hooks,
 * then core's: the address and names, pledge details, display names and
 * locations, consents' wording, who uploaded an organization's files and
 * who declared a delivery,
 * memberships, sessions (ended), reminders,
 * the links and dev-mailbox messages sent to the address, stored replays of
 * their calls, and the rate-limit counters keyed by the address.
 *
 * Pledges and contributions stay, anonymous, and so does who counts: the
 * counters a sponsor paid on do not move, and the nightly recount still
 * agrees. The row keeps only the keyed hash of the address (see
 * `identityFingerprint`), so a person who comes back is recognised and
 * counted once.
 *
 * @throws TandemError `TANDEM_ORGANIZATION_LAST_OWNER` (409) when the person is the
 *   last owner of an organization: they hand it over first
 */
export async function erasePersonalData(
  ctx: ServiceContext,
  viewer: Viewer,
): Promise<{ status: 'erased' }> {
  const me = requireParticipant(viewer);
  await ctx.db.transaction(async (tx) => {
    const [person] = await tx.query<PersonRow>(
      `select id, email, canonical_email, display_name, locale, verified_at, created_at,
              identity_fingerprint, show_as, mail_opt_out, postcode, commune_code
         from participant where id = ? for update`,
      [me.participantId],
    );
    if (!person) throw new TandemError('TANDEM_AUTH_INVALID', 'This session has no person left.');
    // Locks the owner rows: two owners leaving at once cannot both see the
    // other one stay.
    const alone = (await organizationsWhereLastOwner(tx, person.id)).map((o) => o.slug);
    if (alone.length > 0) {
      throw new TandemError(
        'TANDEM_ORGANIZATION_LAST_OWNER',
        `You are the last owner of ${alone.join(', ')}: make someone else an owner first.`,
        alone.map((slug) => ({
          path: 'organization',
          message: 'has no other owner',
          organization: slug,
        })),
      );
    }
    const subject = subjectOf(person);
    const id = person.id;

    // Plugins first: their rows may be found through the person's pledges,
    // contributions or address, all still intact here.
    for (const plugin of pluginsOf(ctx)) {
      await plugin.personalData?.erase({ subject, sql: tx, now: ctx.now() });
    }

    // Pending pledges never counted: nothing to keep.
    await tx.query(`delete from pledge where participant_id = ? and status = 'pending'`, [id]);
    // Their confirmed pledges leave the map and the counts by place (an
    // invalidated one left them already); the pledges themselves still
    // count (ADR 0017).
    const located = await tx.query<{
      challenge_id: string;
      map_cell: string | null;
      commune_code: string | null;
    }>(
      `select challenge_id, map_cell, commune_code from pledge
        where participant_id = ? and status = 'confirmed' and erased_at is null
          and invalidation_id is null
          and (map_cell is not null or commune_code is not null)`,
      [id],
    );
    for (const pledge of located) {
      await applyMapPresence(
        tx,
        pledge.challenge_id,
        { mapCell: pledge.map_cell, communeCode: pledge.commune_code },
        -1,
      );
    }
    await tx.query(
      `update pledge set details = '{}', display_name = null, map_cell = null,
                         commune_code = null, show_as = 'anonymous', network_key = null,
                         erased_at = now()
        where participant_id = ?`,
      [id],
    );
    await tx.query(`update consent_record set text = '' where participant_id = ?`, [id]);
    // The files stay the organization's (a logo, a proof of delivery); only
    // who uploaded them goes.
    await tx.query('update file set created_by = null where created_by = ?', [id]);
    // A delivery stays declared by its organization; only who declared it goes.
    await tx.query(
      'update tier set fulfilled_by_participant = null where fulfilled_by_participant = ?',
      [id],
    );
    for (const table of [
      'membership',
      'session',
      'pacing_nudge',
      'reminder_sent',
      'reminder_opt_out',
      'reminder_token',
      // Their accounts at identity providers (ADR 0044): signing in again
      // links afresh (by the keyed fingerprint, to this same row).
      'sso_identity',
    ]) {
      await tx.query(`delete from ${table} where participant_id = ?`, [id]);
    }

    const canonical = subject.canonicalEmail;
    if (canonical !== null) {
      const tokens = await mailTokensOf(tx, canonical);
      if (tokens.length > 0) {
        await tx.query('delete from mail_token where hash in (?)', [tokens.map((t) => t.hash)]);
      }
      await tx.query('delete from dev_mail where to_email = ?', [canonical]);
      // Invitations name the person by address; the organization keeps no trace of them.
      await tx.query('delete from invitation where email = ?', [canonical]);
    }
    // Replays of their calls as a signed-in person. Anonymous ones (the
    // pledge that mailed their link, the sign-in) are sealed under the
    // caller's network address and expire within 24 h (ADR 0016).
    await tx.query('delete from idempotency_key where scope = ?', [
      participantIdempotencyScope(id),
    ]);

    await tx.query(
      `update participant
          set email = null, canonical_email = null, display_name = null, verified_at = null,
              locale = 'fr', resident_code = null, erased_at = now(),
              show_as = 'anonymous', mail_opt_out = false, postcode = null, commune_code = null,
              identity_fingerprint = coalesce(identity_fingerprint, ?)
        where id = ?`,
      [canonical !== null ? identityFingerprint(ctx.keyring, canonical) : null, id],
    );

    // Last, so that a failure here rolls the whole erasure back: the
    // person can simply ask again.
    if (canonical !== null) {
      await ctx.limiter.forget(mailLimitKey(canonical));
    }
  });
  return { status: 'erased' };
}
