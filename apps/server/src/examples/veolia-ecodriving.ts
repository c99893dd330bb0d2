/**
 * Veolia Eau d'Île-de-France: drivers pledge to take an eco-driving course;
 * the training partner's learning platform reports each completion as an
 * xAPI statement, which counts as that driver's contribution. The partner
 * is registered like any integrator (its key is shown once) and the
 * statements go through the same endpoint an LRS client would call.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import { basicAuth, XAPI_STATEMENTS_PATH, XAPI_VERSION, XapiVerbs } from '@tandem/plugin-elearning';
import {
  adminRequest,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  makePeople,
  type Dice,
  type Story,
} from './support.js';

/** Drivers who pledged to take the course. */
export const VEOLIA_PLEDGES = 180;
/** Of them, who finished it (a completion reported by the partner). */
export const VEOLIA_COMPLETIONS = 132;
/** Drivers who finished the course without having pledged: they count too. */
export const VEOLIA_UNPLEDGED_COMPLETIONS = 6;
/** Statements the partner also sends that say no course was finished (launched, attempted). */
export const VEOLIA_OTHER_STATEMENTS = 24;
/** Completed courses the challenge aims at. */
export const VEOLIA_GOAL = 100;
/** The partner's course, as its xAPI activity IRI. */
export const VEOLIA_COURSE_ID = 'https://formation.partenaire.example/xapi/courses/ecoconduite';

const ORGANIZATION = 'veolia-eau-idf';
const DOMAIN = 'veolia-eau-idf.example';
const CAMPAIGN_TITLE = 'Écoconduite : se former pour moins consommer';
const PARTNER_NAME = 'Organisme de formation partenaire';
const STATEMENTS_PER_REQUEST = 50;

/** A version-4-shaped UUID from the seeded dice, so statement ids are the same on every load. */
function statementId(random: Dice): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16));
  hex[12] = '4';
  hex[16] = (8 + random.int(0, 3)).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const ACTIVITY = {
  objectType: 'Activity',
  id: VEOLIA_COURSE_ID,
  definition: {
    type: 'http://adlnet.gov/expapi/activities/course',
    name: { 'fr-FR': 'Écoconduite', 'en-US': 'Eco-driving' },
  },
};

/** What the example says of its figures: the report published none for this campaign. */
export const VEOLIA_ILLUSTRATIVE =
  'Figures are illustrative: the report gives none for this campaign; the example shows how the coupling works.';

/** `tandem example veolia-ecodriving`: course completions arriving as xAPI statements. */
export const veoliaEcodriving = defineExample({
  name: 'veolia-ecodriving',
  title: "Veolia Eau d'Île-de-France: eco-driving challenge coupled with a partner's e-learning",
  organizations: [ORGANIZATION],
  requires: ['eco-driving', 'elearning'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  highlights: () => Promise.resolve([VEOLIA_ILLUSTRATIVE]),
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    // The story: set up two days before opening, thirty days ago; drivers
    // pledge in the first week and finish the course over the month; thirty
    // days still to go.
    const now = story.now();
    await story.at(daysBefore(now, 32, 10));
    await ensureOrganization(ctx, {
      slug: ORGANIZATION,
      name: 'Veolia Eau d’Île-de-France',
      kind: 'company',
    });
    const partner = await adminRequest<{ id: string; key: string }>(
      platform,
      'POST',
      `/api/organizations/${ORGANIZATION}/elearning/partners`,
      { name: PARTNER_NAME },
    );
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Les conducteurs des véhicules de service suivent la formation en ligne à l’écoconduite de notre partenaire.',
      startsAt: daysBefore(now, 30).toISOString(),
      endsAt: daysBefore(now, -30).toISOString(),
      audience: { type: 'email-domain', domains: [DOMAIN] },
    });
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'Je me forme à l’écoconduite',
      description: `SI ${VEOLIA_GOAL} conducteurs terminent la formation, ALORS l’entreprise équipe ses véhicules de service d’indicateurs de consommation en temps réel.`,
      actionType: 'eco-driving',
      actionSettings: { courseId: VEOLIA_COURSE_ID },
      goal: { quantity: VEOLIA_GOAL },
      counterpart: {
        kind: 'act',
        description:
          'L’entreprise équipe ses véhicules de service d’indicateurs de consommation en temps réel.',
      },
      deadline: daysBefore(now, -30).toISOString(),
    });
    await story.at(daysBefore(now, 30, 8));
    await services.openChallenge(ctx, admin, challenge.id);
    // The partner's statements are checked against the opening: it must read as the story's.
    await story.redate([ORGANIZATION]);

    const random = dice(15_2024);
    const drivers = makePeople(random, VEOLIA_PLEDGES + VEOLIA_UNPLEDGED_COMPLETIONS, DOMAIN);
    const pledged = drivers.slice(0, VEOLIA_PLEDGES);
    await story.replay(
      pledged.map((person) => ({
        person,
        at: daysBefore(now, 30 - random.int(0, 6), 9 + random.int(0, 9)),
      })),
      (p) => p.at,
      (day) =>
        services.importConfirmedPledges(
          ctx,
          challenge.id,
          day.map((p) => p.person),
        ),
    );
    // A course takes a driver a few days to a few weeks after the first week.
    const finishedAt = () =>
      daysBefore(now, 22 - random.int(0, 20), 8 + random.int(0, 10) + random.next());

    const finishers = [
      ...random.sample(pledged, VEOLIA_COMPLETIONS),
      ...drivers.slice(VEOLIA_PLEDGES),
    ];
    const actor = (person: (typeof drivers)[number]) => ({
      objectType: 'Agent',
      name: person.displayName,
      mbox: `mailto:${person.email}`,
    });
    const completions = finishers.map((person) => ({
      id: statementId(random),
      actor: actor(person),
      verb: { id: XapiVerbs.completed, display: { 'en-US': 'completed' } },
      object: ACTIVITY,
      result: {
        completion: true,
        success: true,
        score: { scaled: Math.round((0.6 + random.next() * 0.4) * 100) / 100 },
        duration: `PT${random.int(45, 110)}M`,
      },
      timestamp: finishedAt().toISOString(),
    }));
    const others = random.sample(pledged, VEOLIA_OTHER_STATEMENTS).map((person) => ({
      id: statementId(random),
      actor: actor(person),
      verb: { id: 'http://adlnet.gov/expapi/verbs/attempted', display: { 'en-US': 'attempted' } },
      object: ACTIVITY,
      timestamp: finishedAt().toISOString(),
    }));
    const statements = random.shuffle([...completions, ...others]);
    // The partner's platform flushes its statement queue each evening, in
    // requests of up to fifty statements.
    await story.replay(
      statements,
      (statement) => new Date(statement.timestamp),
      async (day) => {
        const batches = Array.from(
          { length: Math.ceil(day.length / STATEMENTS_PER_REQUEST) },
          (_, i) => day.slice(i * STATEMENTS_PER_REQUEST, (i + 1) * STATEMENTS_PER_REQUEST),
        );
        await inPool(batches, 3, (batch) =>
          adminRequest(platform, 'POST', XAPI_STATEMENTS_PATH, batch, {
            authorization: basicAuth(partner.id, partner.key),
            'x-experience-api-version': XAPI_VERSION,
          }),
        );
        // The day it passes the goal, the unlock is recorded, as a worker would.
        await evaluateChallengeNow(platform.db, challenge.id, story.now());
      },
    );
    return [campaign.id];
  },
});
