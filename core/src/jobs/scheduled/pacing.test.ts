import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryMailer, type Mailer } from '../../mail/mailer.js';
import {
  confirmPledges,
  createTestClient,
  newOrganization,
  openChallenge,
  startTestPlatform,
  type TestClient,
  type TestPlatform,
  unique,
} from '../../testing/index.js';
import { checkPacing, type PacingDeps } from './pacing.js';

/**
 * Pacing (issue 3, "Scheduled work"): `progress.forecast` on the challenge,
 * and the check-pacing job's nudge to the organizers of a challenge that
 * lags, at most once a week.
 */

const DAY = 24 * 60 * 60 * 1000;
let platform: TestPlatform;
let client: TestClient;
const admin = () => ({ token: platform.adminToken });

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
});
afterAll(async () => {
  await platform?.stop();
});

interface Setup {
  slug: string;
  owner: string;
  adminEmail: string;
  member: string;
  challengeId: string;
}

/**
 * An organization with an owner, an admin and a plain member, and an open
 * challenge "IF `goal` people pledge" that opened 10 days ago and ends in
 * 20 (moved in SQL: the API stamps `openedAt` now).
 */
async function lateChallenge(goal: number, options: { deadline?: boolean } = {}): Promise<Setup> {
  const { slug } = await newOrganization(client, platform.adminToken);
  const owner = `owner-${unique()}@example.org`;
  const adminEmail = `admin-${unique()}@example.org`;
  const member = `member-${unique()}@example.org`;
  for (const [email, role] of [
    [owner, 'owner'],
    [adminEmail, 'admin'],
    [member, 'member'],
  ]) {
    const added = await client.post(`/api/organizations/${slug}/members`, { email, role }, admin());
    expect(added.status).toBe(201);
  }
  const { challengeId } = await openChallenge(
    client,
    platform.adminToken,
    {
      title: 'Pace <me>',
      actionType: 'pledge-only',
      goal: { participants: goal },
      counterpart: { kind: 'act', description: 'Something' },
      ...(options.deadline === false
        ? {}
        : { deadline: new Date(Date.now() + 20 * DAY).toISOString() }),
    },
    { organization: slug },
  );
  await platform.db.query(`update challenge set opened_at = ? where id = ?`, [
    new Date(Date.now() - 10 * DAY),
    challengeId,
  ]);
  return { slug, owner, adminEmail, member, challengeId };
}

async function pledge(challengeId: string, count: number): Promise<void> {
  await confirmPledges(platform, challengeId, count);
}

const deps = (now: Date, mailer: Mailer = platform.ctx.mailer): PacingDeps => ({
  db: platform.db,
  mailer,
  config: platform.config,
  registry: platform.registry,
  now: () => now,
});

const nudges = async (email: string) =>
  (await client.get(`/api/dev/mailbox?to=${encodeURIComponent(email)}`)).body.messages.filter(
    (m: { purpose: string }) => m.purpose === 'pacing-nudge',
  ) as { subject: string; text: string }[];

describe('progress.forecast', () => {
  it('forecasts from the pace since opening on GET /api/challenges/{id}', async () => {
    const { challengeId } = await lateChallenge(20);
    await pledge(challengeId, 5);
    await platform.settle();
    const { body } = await client.get(`/api/challenges/${challengeId}`);
    expect(body.progress.participants).toBe(5);
    // 5 people in a third of the time: 15 expected, short of 20.
    expect(body.progress.forecast).toMatchObject({
      tierId: body.tiers[0].id,
      expectedAtDeadline: { participants: 15, quantity: 0 },
      onTrack: false,
      method: 'linear-since-opening',
    });
    expect(body.progress.forecast.ratio).toBeCloseTo(0.75, 2);
    expect(body.progress.forecast.elapsed).toBeCloseTo(1 / 3, 2);
    // The campaign's list of challenges carries it too.
    const campaign = await client.get(`/api/campaigns/${body.campaignId}`);
    expect(campaign.body.challenges[0].progress.forecast.onTrack).toBe(false);
  });

  it('is null without a deadline, and null once closed', async () => {
    const { challengeId } = await lateChallenge(20, { deadline: false });
    expect((await client.get(`/api/challenges/${challengeId}`)).body.progress.forecast).toBeNull();
    const other = await lateChallenge(20);
    await client.post(`/api/challenges/${other.challengeId}/close`, undefined, admin());
    const closed = (await client.get(`/api/challenges/${other.challengeId}`)).body;
    expect(closed.closedAt).not.toBeNull();
    expect(closed.progress.forecast).toBeNull();
  });
});

describe('check-pacing', () => {
  it('nudges the owners and admins of a lagging challenge, once a week at most', async () => {
    const setup = await lateChallenge(20);
    await pledge(setup.challengeId, 5);
    const now = new Date();

    // Three checks at once, as from a replayed job or two workers: one mail each.
    const runs = await Promise.all([1, 2, 3].map(() => checkPacing(deps(now))));
    expect(runs.every((r) => r.lagging.includes(setup.challengeId))).toBe(true);
    expect(runs.reduce((sum, r) => sum + r.sent, 0)).toBeGreaterThanOrEqual(2);
    const [ownerMail] = await nudges(setup.owner);
    expect(await nudges(setup.owner)).toHaveLength(1);
    expect(await nudges(setup.adminEmail)).toHaveLength(1);
    expect(await nudges(setup.member)).toHaveLength(0);
    expect(ownerMail?.subject).toContain('Pace <me>');
    expect(ownerMail?.text).toContain(`http://tandem.test/c/${setup.challengeId}`);
    expect(ownerMail?.text).toMatch(/15\s+personnes/);

    // Six days later: still lagging, but a week has not passed.
    await checkPacing(deps(new Date(now.getTime() + 6 * DAY)));
    expect(await nudges(setup.owner)).toHaveLength(1);
    // Eight days later: a second nudge.
    const later = await checkPacing(deps(new Date(now.getTime() + 8 * DAY)));
    expect(later.lagging).toContain(setup.challengeId);
    expect(await nudges(setup.owner)).toHaveLength(2);
  });

  it('nudges no organizer who opted out of mail (PATCH /api/me mailOptOut)', async () => {
    const setup = await lateChallenge(20);
    await pledge(setup.challengeId, 5);
    const token = await client.signIn(setup.owner);
    const patched = await platform.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
      payload: { mailOptOut: true },
    });
    expect(patched.statusCode).toBe(200);
    await checkPacing(deps(new Date()));
    expect(await nudges(setup.owner)).toHaveLength(0);
    expect(await nudges(setup.adminEmail)).toHaveLength(1);
  });

  it('leaves on-track, too-young, succeeded and deadline-less challenges alone', async () => {
    const onTrack = await lateChallenge(12);
    await pledge(onTrack.challengeId, 5); // 15 expected: on track for 12
    const young = await lateChallenge(20);
    await platform.db.query(`update challenge set opened_at = ? where id = ?`, [
      new Date(Date.now() - 2 * DAY), // 2 of 22 days: too early to judge
      young.challengeId,
    ]);
    const succeeded = await lateChallenge(2);
    await pledge(succeeded.challengeId, 2);
    const noDeadline = await lateChallenge(20, { deadline: false });
    await platform.settle();

    const summary = await checkPacing(deps(new Date()));
    for (const setup of [onTrack, young, succeeded, noDeadline]) {
      expect(summary.lagging).not.toContain(setup.challengeId);
      expect(await nudges(setup.owner)).toHaveLength(0);
    }
  });

  it('gives the claim back when the mail fails, so the next check sends it', async () => {
    const setup = await lateChallenge(20);
    await pledge(setup.challengeId, 1);
    const failing: Mailer = {
      async send() {
        throw new Error('mail server down');
      },
      async close() {},
    };
    await expect(checkPacing(deps(new Date(), failing))).rejects.toThrow(/could not be sent/);
    const memory = createMemoryMailer();
    await checkPacing(deps(new Date(), memory));
    expect(memory.sent.filter((m) => m.to.canonical === setup.owner)).toHaveLength(1);
    expect(memory.sent.filter((m) => m.to.canonical === setup.adminEmail)).toHaveLength(1);
  });
});
