/**
 * SYCTOM in Saint-Mandé: field agents go door to door with tablets and
 * record residents' pledges to sort their waste, with the consent read to
 * them; residents without e-mail get a code on a card instead. As the
 * report tells it, it did not work: the field provider rarely offered the
 * pledge on its rounds, a few dozen households enrolled against several
 * hundred aimed at, and the challenge closed `failed` at its deadline —
 * the failure mails went to every enrolled household with an address.
 */
import { evaluateChallengeNow, services, type Platform, type Viewer } from '@tandem/core';
import { generateCode, WASTE_STREAMS, type WasteStream } from '@tandem/plugin-sorting';
import {
  around,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  makePeople,
  holdDeadline,
  memberViewer,
  type Story,
} from './support.js';

/** Households enrolled by the agents: a few dozen. */
export const SYCTOM_ENROLMENTS = 38;
/** Of them, enrolled by a code rather than an e-mail address. */
export const SYCTOM_BY_CODE = 11;
/** The households the challenge aimed at. */
export const SYCTOM_GOAL = 500;
/** The rounds' length, in weeks, from the opening to the deadline. */
export const SYCTOM_WEEKS = 12;

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
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: set up the week before; twelve weeks of rounds on which
    // the pledge was rarely offered; the deadline passed two weeks ago.
    const now = story.now();
    const deadline = daysBefore(now, 14, 18);
    const opening = daysBefore(now, 14 + SYCTOM_WEEKS * 7, 9);
    await story.at(daysBefore(now, 21 + SYCTOM_WEEKS * 7, 10));
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
      startsAt: opening.toISOString(),
      endsAt: deadline.toISOString(),
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
      deadline: deadline.toISOString(),
    });
    // Workers run on the real clock, on which this deadline is long past.
    const releaseDeadline = await holdDeadline(platform, challenge.id);
    await story.at(opening);
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
        // Now and then on a round, on weekday evenings and Saturday mornings.
        const day = 15 + random.int(0, SYCTOM_WEEKS * 7 - 2);
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
    // The agents at work, each on their own tablet.
    await story.replay(
      visits,
      (visit) => visit.givenAt,
      (day) =>
        inPool(day, AGENTS.length, (visit) =>
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
        ),
    );
    // The deadline passes with the goal far off: the evaluation a worker
    // runs at the deadline closes it `failed`, and its event sends the
    // failure mails to the households that gave an address.
    await story.at(deadline);
    await releaseDeadline();
    await evaluateChallengeNow(platform.db, challenge.id, story.now());
    return [campaign.id];
  },
});
