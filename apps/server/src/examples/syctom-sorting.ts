/**
 * SYCTOM in Saint-Mandé: field agents go door to door with tablets and
 * record residents' pledges to sort their waste, with the consent read to
 * them; residents without e-mail get a code on a card instead.
 */
import { services, type Platform, type Viewer } from '@tandem/core';
import { generateCode, WASTE_STREAMS, type WasteStream } from '@tandem/plugin-sorting';
import {
  around,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  makePeople,
  memberViewer,
} from './support.js';

/** Households enrolled by the agents. */
export const SYCTOM_ENROLMENTS = 236;
/** Of them, enrolled by a code rather than an e-mail address. */
export const SYCTOM_BY_CODE = 71;
/** The households the challenge aims at. */
export const SYCTOM_GOAL = 300;

const ORGANIZATION = 'syctom';
const CAMPAIGN_TITLE = 'Saint-Mandé trie ses déchets';
/** Saint-Mandé (Val-de-Marne), town centre. */
const SAINT_MANDE = { lat: 48.8422, lon: 2.4186 };
const AGENTS = ['agent.1@syctom.example', 'agent.2@syctom.example', 'agent.3@syctom.example'];
/** What the agents read out before recording anything. */
export const SYCTOM_CONSENT =
  'J’accepte que le Syctom enregistre mon engagement à trier les déchets de mon foyer, et me recontacte au sujet de ce défi. Je peux retirer mon engagement à tout moment.';
const STREAMS: readonly WasteStream[] = ['packaging', 'glass', 'paper', 'biowaste'];

/** `tandem example syctom-sorting`: assisted enrolment door to door, with consent. */
export const syctomSorting = defineExample({
  name: 'syctom-sorting',
  title: 'SYCTOM, Saint-Mandé: door-to-door sorting pledges recorded by field agents',
  organizations: [ORGANIZATION],
  requires: ['sorting'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform) {
    const { ctx } = platform;
    const admin = services.asAdmin;
    const now = ctx.now();
    await ensureOrganization(ctx, {
      slug: ORGANIZATION,
      name: 'Syctom, l’agence métropolitaine des déchets ménagers',
      kind: 'city',
    });
    const agents: Viewer[] = [];
    for (const email of AGENTS) agents.push(await memberViewer(ctx, ORGANIZATION, email, 'agent'));
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Des ambassadeurs du tri passent chez les habitants de Saint-Mandé et recueillent leur engagement à trier.',
      startsAt: daysBefore(now, 21).toISOString(),
      endsAt: daysBefore(now, -21).toISOString(),
      audience: { type: 'public' },
    });
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'Mon foyer trie ses déchets',
      description: `SI ${SYCTOM_GOAL} foyers de Saint-Mandé s’engagent à trier, ALORS le Syctom installe des composteurs partagés au pied de trois résidences.`,
      actionType: 'sorting',
      actionSettings: { streams: [...STREAMS] },
      goal: { participants: SYCTOM_GOAL },
      counterpart: {
        kind: 'act',
        description: 'Le Syctom installe des composteurs partagés au pied de trois résidences.',
      },
      deadline: daysBefore(now, -21).toISOString(),
    });
    await services.openChallenge(ctx, admin, challenge.id);

    const random = dice(94160);
    const withEmail = makePeople(
      random,
      SYCTOM_ENROLMENTS - SYCTOM_BY_CODE,
      'habitants-saint-mande.example',
    );
    const visits = random
      .shuffle([
        ...withEmail.map((person) => ({ email: person.email, displayName: person.displayName })),
        ...Array.from({ length: SYCTOM_BY_CODE }, () => ({
          code: generateCode((n) => random.int(0, n - 1)),
        })),
      ])
      .map((resident, i) => {
        // Visits on weekday evenings and Saturday mornings over three weeks.
        const day = 20 - Math.floor((i / SYCTOM_ENROLMENTS) * 20);
        const hour = random.chance(0.7) ? 17 + random.int(0, 2) : 10 + random.int(0, 2);
        return {
          resident,
          agent: agents[i % agents.length] as Viewer,
          givenAt: daysBefore(now, day, hour + random.next()),
          location: around(random, SAINT_MANDE, 0.8),
          streams: random.sample(STREAMS, random.int(2, STREAMS.length)),
          householdSize: random.weighted([
            [1, 3],
            [2, 4],
            [3, 2],
            [4, 2],
            [5, 1],
          ] as const),
        };
      });
    // Three agents at work side by side, each on their own tablet.
    await inPool(visits, AGENTS.length, (visit) =>
      services.enrolResident(ctx, visit.agent, challenge.id, {
        resident:
          'code' in visit.resident
            ? { code: visit.resident.code }
            : { email: visit.resident.email },
        consent: { given: true, text: SYCTOM_CONSENT, givenAt: visit.givenAt.toISOString() },
        ...('displayName' in visit.resident ? { displayName: visit.resident.displayName } : {}),
        location: visit.location,
        details: {
          streams: WASTE_STREAMS.filter((stream) => visit.streams.includes(stream)),
          household: { size: visit.householdSize },
        },
      }),
    );
    return [campaign.id];
  },
});
