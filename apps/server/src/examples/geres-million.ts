/**
 * GERES, "1 million actions in 3 years": one federated challenge (ADR
 * 0043) fed by fifty partner organizations — local associations, towns,
 * employers — each on its own pages, plus GERES's own. Each person commits
 * to four everyday actions of the catalogue through the organization that
 * brought them; the million is the sum of those commitments. Loaded at
 * 1/100 by default (10,000 actions, 2,500 people), at full scale with
 * `--full` (1,000,000 actions, 250,000 people): the history is written in
 * weekly batches of statements, not one request per person.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import { defaultCatalogue } from '@tandem/plugin-actions-catalogue';
import { writePastPledges, type PastPledge } from './bulk.js';
import {
  adminRequest,
  apportion,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  makePeople,
  type Story,
} from './support.js';

/** The campaign's goal, in actions committed to, at full scale. */
export const GERES_ACTIONS = 1_000_000;
/** The default scale: a hundredth of the million. */
export const GERES_SCALE = 1 / 100;
/** Actions each person commits to. */
export const GERES_ACTIONS_PER_PERSON = 4;
/** Partner organizations feeding the challenge, besides GERES. */
export const GERES_PARTNERS = 50;
/** The campaign's length, in days (three years). */
export const GERES_DAYS = 3 * 365;

const ORGANIZATION = 'geres';
const CAMPAIGN_TITLE = 'Un million d’actions en trois ans';

const TOWNS = [
  'Lyon',
  'Marseille',
  'Lille',
  'Toulouse',
  'Nantes',
  'Rennes',
  'Grenoble',
  'Montpellier',
  'Strasbourg',
  'Bordeaux',
  'Nice',
  'Dijon',
  'Angers',
  'Brest',
  'Tours',
  'Limoges',
  'Clermont-Ferrand',
  'Besançon',
  'Poitiers',
  'Rouen',
  'Caen',
  'Metz',
  'Nancy',
  'Orléans',
  'Avignon',
];
const ascii = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');

/** The fifty partners: an association and an employer in each of 25 towns. */
export const GERES_PARTNER_ORGANIZATIONS: readonly {
  slug: string;
  name: string;
  kind: 'association' | 'company';
}[] = TOWNS.flatMap((town) => [
  {
    slug: `geres-relais-${ascii(town)}`,
    name: `Relais climat de ${town}`,
    kind: 'association' as const,
  },
  {
    slug: `geres-employeur-${ascii(town)}`,
    name: `Employeur engagé de ${town}`,
    kind: 'company' as const,
  },
]);

/** What a load at `scale` holds: actions, and the people who commit to them. */
export function geresFigures(scale: number): { actions: number; people: number } {
  const people = Math.round((GERES_ACTIONS * scale) / GERES_ACTIONS_PER_PERSON);
  return { actions: people * GERES_ACTIONS_PER_PERSON, people };
}

/** ISO-week-like periods: whole weeks since the epoch. */
const weekOf = (date: Date): string =>
  String(Math.floor(date.getTime() / (7 * 86_400_000))).padStart(6, '0');

/** `tandem example geres-million [--full]`: a federated challenge fed by fifty partners. */
export const geresMillion = defineExample({
  name: 'geres-million',
  title: 'GERES: "1 million actions in 3 years", one challenge fed by 50 partner organizations',
  organizations: [ORGANIZATION, ...GERES_PARTNER_ORGANIZATIONS.map((p) => p.slug)],
  requires: ['actions-catalogue'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story, options) {
    const { ctx } = story;
    const admin = services.asAdmin;
    const scale = options.full ? 1 : GERES_SCALE;
    const { people } = geresFigures(scale);
    // The story: set up and partners invited in the week before; three
    // years of commitments; closed the day before the load.
    const now = story.now();
    const opening = daysBefore(now, GERES_DAYS + 1, 9);
    await story.at(daysBefore(now, GERES_DAYS + 8, 10));
    await ensureOrganization(ctx, {
      slug: ORGANIZATION,
      name: 'GERES',
      kind: 'association',
    });
    const partners: { id: string; slug: string }[] = [];
    for (const partner of GERES_PARTNER_ORGANIZATIONS) {
      partners.push(await ensureOrganization(ctx, partner));
    }
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Avec ses partenaires, le GERES fait le pari d’un million de gestes pour le climat en trois ans.',
      startsAt: opening.toISOString(),
      endsAt: daysBefore(now, 1).toISOString(),
      audience: { type: 'public' },
    });
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'Je m’engage sur quatre gestes',
      description: `SI ${people.toLocaleString('fr-FR')} personnes s’engagent chacune sur ${GERES_ACTIONS_PER_PERSON} gestes (${(people * GERES_ACTIONS_PER_PERSON).toLocaleString('fr-FR')} actions), ALORS le GERES et ses partenaires financent des cuiseurs solaires pour des familles au Sahel.`,
      actionType: 'actions-catalogue',
      actionSettings: defaultCatalogue,
      goal: { participants: people },
      counterpart: {
        kind: 'act',
        description:
          'Le GERES et ses partenaires financent des cuiseurs solaires pour des familles au Sahel.',
      },
    });
    // The owner invites each partner; each accepts, its pages open to all.
    await story.at(daysBefore(now, GERES_DAYS + 7, 10));
    for (const partner of partners) {
      await adminRequest(platform, 'POST', `/api/challenges/${challenge.id}/partners`, {
        organization: partner.slug,
      });
    }
    await story.at(daysBefore(now, GERES_DAYS + 4, 15));
    for (const partner of partners) {
      await adminRequest(
        platform,
        'POST',
        `/api/challenges/${challenge.id}/partners/${partner.slug}/decision`,
        { accept: true, audience: { type: 'public' } },
      );
    }
    await story.at(opening);
    await services.openChallenge(ctx, admin, challenge.id);

    // Who brought how many: a few large partners, a long tail, GERES itself.
    const random = dice(1_000_000_3);
    const weights = [3, ...partners.map((_, i) => 1 / (i + 1) ** 0.7)];
    const counts = apportion(people, weights);
    const viaOf = random.shuffle(
      counts.flatMap((n, i) =>
        Array.from({ length: n }, () => (i === 0 ? null : (partners[i - 1]?.id ?? null))),
      ),
    );
    const actionWeights = defaultCatalogue.actions.map((action, i) => [action.id, 15 - i] as const);
    const everyone = makePeople(random, people, 'geres.example');
    const pledges: PastPledge[] = everyone.map((person, i) => {
      const picks = new Set<string>();
      while (picks.size < GERES_ACTIONS_PER_PERSON) picks.add(random.weighted(actionWeights));
      // Spread over the three years, a little faster as the network grows.
      const day = Math.floor(GERES_DAYS * Math.sqrt(random.next()));
      return {
        ...person,
        details: { actions: [...picks] },
        via: viaOf[i] ?? null,
        at: new Date(opening.getTime() + day * 86_400_000 + (1 + random.int(0, 10)) * 3_600_000),
      };
    });
    await story.replay(
      pledges,
      (p) => p.at,
      async (week) => {
        await writePastPledges(
          platform,
          { id: challenge.id, actionType: 'actions-catalogue' },
          week,
        );
        await evaluateChallengeNow(platform.db, challenge.id, story.now());
      },
      weekOf,
    );
    // Three years on, the campaign closes with what it reached.
    await story.at(daysBefore(now, 1, 9));
    await services.closeChallenge(ctx, admin, challenge.id);
    return [campaign.id];
  },
  async highlights(platform, campaignIds) {
    const [campaignId] = campaignIds;
    if (!campaignId) return [];
    const report = await services.campaignReport(platform.ctx, services.asAdmin, campaignId);
    const [summary] = report.challenges;
    if (!summary) return [];
    const view = await services.getChallenge(platform.ctx, services.asAdmin, summary.id);
    const [picked] = await platform.db.query<{ n: number }>(
      `select coalesce(sum(picks), 0)::int as n from actions_catalogue_pick where challenge_id = ?`,
      [summary.id],
    );
    const actions = Number(picked?.n ?? 0);
    const scale =
      actions >= GERES_ACTIONS ? 'full scale' : `1/${Math.round(GERES_ACTIONS / actions)} scale`;
    const shares = view.shares;
    const top = shares.slice(0, 10);
    return [
      `Actions committed to: ${actions.toLocaleString('en-US')} (${scale}; ${GERES_ACTIONS.toLocaleString('en-US')} at full scale, with --full), by ${summary.participants.toLocaleString('en-US')} people through ${shares.length} organizations.`,
      'Shares (people, by the organization they came through):',
      ...top.map(
        (share, i) =>
          `  ${i + 1}. ${share.name}: ${share.participants.toLocaleString('en-US')} people (${((100 * share.participants) / Math.max(1, summary.participants)).toFixed(1)} %)`,
      ),
      ...(shares.length > top.length
        ? [
            `  … and ${shares.length - top.length} more: ${shares
              .slice(top.length)
              .reduce((sum, s) => sum + s.participants, 0)
              .toLocaleString('en-US')} people`,
          ]
        : []),
    ];
  },
});
