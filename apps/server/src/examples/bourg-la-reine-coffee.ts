/**
 * Bourg-la-Reine: coffee grounds brought to collection points and weighed
 * by the town's agent. The goal was 500 kg; about a tonne was collected,
 * but too few households registered, so the people goal failed. The
 * challenge holds both: a tier at 500 kg that a handful of households
 * reach, and a tier at 500 kg with 200 households that is never reached.
 */
import { evaluateChallengeNow, services, type Platform } from '@tandem/core';
import {
  adminRequest,
  apportion,
  around,
  daysBefore,
  defineExample,
  dice,
  ensureOrganization,
  inPool,
  makePeople,
  memberViewer,
  type Story,
} from './support.js';

/** kg collected over the campaign (published: about one tonne). */
export const BOURG_LA_REINE_KG = 1000;
/** The kg goal, in both tiers. */
export const BOURG_LA_REINE_GOAL_KG = 500;
/** The households the higher tier asks for (the people goal that failed). */
export const BOURG_LA_REINE_HOUSEHOLDS_GOAL = 200;
/** Households that registered (too few for the people goal). */
export const BOURG_LA_REINE_REGISTERED = 64;
/** The campaign's length, in weeks. */
export const BOURG_LA_REINE_WEEKS = 12;

const ORGANIZATION = 'bourg-la-reine';
const CAMPAIGN_TITLE = 'Collecte du marc de café';
/** Bourg-la-Reine (Hauts-de-Seine), town centre. */
const CENTRE = { lat: 48.7799, lon: 2.3165 };
const AGENT = 'agent.collecte@bourg-la-reine.example';

type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
interface Slot {
  day: Day;
  from: string;
  to: string;
}
interface PointPlan {
  name: string;
  offset: { lat: number; lon: number };
  openingHours: Slot[];
  /** Weigh-ins in one opening, min and max. */
  perOpening: readonly [number, number];
  /** Chance that a weigh-in there is a café's bucket rather than a household's. */
  cafe: number;
}

const POINTS: readonly PointPlan[] = [
  {
    name: 'Marché',
    offset: { lat: 0.0012, lon: -0.0016 },
    openingHours: [
      { day: 'wed', from: '08:00', to: '13:00' },
      { day: 'sat', from: '08:00', to: '13:00' },
    ],
    perOpening: [4, 8],
    cafe: 0.12,
  },
  {
    name: 'Hôtel de ville',
    offset: { lat: -0.0008, lon: 0.0011 },
    openingHours: [
      { day: 'mon', from: '08:30', to: '12:00' },
      { day: 'wed', from: '08:30', to: '12:00' },
      { day: 'fri', from: '08:30', to: '12:00' },
    ],
    perOpening: [1, 3],
    cafe: 0,
  },
  {
    name: 'Médiathèque',
    offset: { lat: 0.0021, lon: 0.0019 },
    openingHours: [
      { day: 'tue', from: '14:00', to: '19:00' },
      { day: 'sat', from: '10:00', to: '18:00' },
    ],
    perOpening: [2, 4],
    cafe: 0,
  },
];

const DAY_INDEX: Record<Day, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

interface WeighInPlan {
  point: number;
  occurredAt: Date;
  /** The registered household it is for, or null (a café, a resident who never registered). */
  household: number | null;
  tenthsOfKg: number;
}

/**
 * Every weigh-in of the campaign, dated within the points' opening hours,
 * their kg adding up to {@link BOURG_LA_REINE_KG} exactly. Pure and
 * deterministic; `start` is the Monday the campaign began.
 */
export function planWeighIns(start: Date): WeighInPlan[] {
  const random = dice(500_1000);
  const drafts: (Omit<WeighInPlan, 'tenthsOfKg'> & { weight: number })[] = [];
  for (let week = 0; week < BOURG_LA_REINE_WEEKS; week++) {
    POINTS.forEach((point, index) => {
      for (const slot of point.openingHours) {
        const [fromH, fromM] = slot.from.split(':').map(Number) as [number, number];
        const [toH, toM] = slot.to.split(':').map(Number) as [number, number];
        const opening = fromH * 60 + fromM;
        const minutes = toH * 60 + toM - opening;
        const count = random.int(point.perOpening[0], point.perOpening[1]);
        for (let i = 0; i < count; i++) {
          const day = week * 7 + DAY_INDEX[slot.day];
          const at = opening + random.int(0, minutes - 1);
          const isCafe = random.chance(point.cafe);
          drafts.push({
            point: index,
            occurredAt: new Date(start.getTime() + day * 86_400_000 + at * 60_000),
            // Many bring their grounds without registering: the people goal's problem.
            household:
              isCafe || random.chance(0.3) ? null : random.int(0, BOURG_LA_REINE_REGISTERED - 1),
            weight: isCafe ? 8 + random.next() * 14 : 0.4 + random.next() * 3,
          });
        }
      }
    });
  }
  const tenths = apportion(
    BOURG_LA_REINE_KG * 10,
    drafts.map((d) => d.weight),
  );
  return drafts
    .map(({ weight: _weight, ...draft }, i) => ({ ...draft, tenthsOfKg: tenths[i] as number }))
    .filter((weighIn) => weighIn.tenthsOfKg > 0)
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/** `tandem example bourg-la-reine-coffee`: a tonne of coffee grounds, too few people. */
export const bourgLaReineCoffee = defineExample({
  name: 'bourg-la-reine-coffee',
  title: 'Bourg-la-Reine: coffee grounds, 500 kg goal, about a tonne collected, too few people',
  organizations: [ORGANIZATION],
  requires: ['collection'],
  campaigns: [{ organization: ORGANIZATION, title: CAMPAIGN_TITLE }],
  async build(platform: Platform, story: Story) {
    const { ctx } = story;
    const admin = services.asAdmin;
    const now = story.now();
    // The Monday twelve weeks and a few days ago, so every opening has passed.
    const back = BOURG_LA_REINE_WEEKS * 7 + 4;
    const startDay = daysBefore(now, back);
    const start = daysBefore(now, back + ((startDay.getUTCDay() + 6) % 7));
    // The story: set up the week before; opened on the Saturday, households
    // register over the weekend; twelve weeks of weigh-ins from the Monday;
    // closed once the last opening is over.
    await story.at(new Date(start.getTime() - 7 * 86_400_000 + 10 * 3_600_000));
    await ensureOrganization(ctx, {
      slug: ORGANIZATION,
      name: 'Ville de Bourg-la-Reine',
      kind: 'city',
    });
    const agent = await memberViewer(ctx, ORGANIZATION, AGENT, 'agent');
    const random = dice(92340);
    const points: string[] = [];
    for (const point of POINTS) {
      const created = await adminRequest<{ id: string }>(
        platform,
        'POST',
        `/api/organizations/${ORGANIZATION}/collection-points`,
        {
          name: point.name,
          location: { lat: CENTRE.lat + point.offset.lat, lon: CENTRE.lon + point.offset.lon },
          openingHours: point.openingHours,
        },
      );
      points.push(created.id);
    }
    const campaign = await services.createCampaign(ctx, admin, ORGANIZATION, {
      title: CAMPAIGN_TITLE,
      description:
        'Le marc de café des habitants et des cafés est pesé aux points de collecte, puis composté.',
      startsAt: new Date(start.getTime() - 2 * 86_400_000).toISOString(),
      endsAt: daysBefore(now, 1).toISOString(),
      audience: { type: 'public' },
    });
    const challenge = await services.createChallenge(ctx, admin, campaign.id, {
      title: 'Je rapporte mon marc de café',
      description: `SI ${BOURG_LA_REINE_GOAL_KG} kg de marc de café sont collectés, ALORS la ville offre le compost aux jardins partagés ; et SI ${BOURG_LA_REINE_HOUSEHOLDS_GOAL} foyers s’inscrivent, chaque école reçoit un composteur.`,
      actionType: 'collection',
      actionSettings: { material: 'coffee-grounds' },
      tiers: [
        {
          goal: { quantity: BOURG_LA_REINE_GOAL_KG, participants: 20 },
          counterpart: {
            kind: 'act',
            description: 'La ville offre le compost obtenu aux jardins partagés.',
          },
        },
        {
          goal: {
            quantity: BOURG_LA_REINE_GOAL_KG,
            participants: BOURG_LA_REINE_HOUSEHOLDS_GOAL,
          },
          counterpart: {
            kind: 'act',
            description: 'La ville équipe chaque école d’un composteur.',
          },
        },
      ],
    });
    await story.at(new Date(start.getTime() - 2 * 86_400_000 + 9 * 3_600_000));
    await services.openChallenge(ctx, admin, challenge.id);

    const households = makePeople(random, BOURG_LA_REINE_REGISTERED, 'habitants-blr.example');
    await story.replay(
      households.map((person) => ({
        at: new Date(
          start.getTime() - random.int(1, 2) * 86_400_000 + random.int(10, 20) * 3_600_000,
        ),
        pledge: { ...person, location: around(random, CENTRE, 1.2) },
      })),
      (registration) => registration.at,
      (day) =>
        services.importConfirmedPledges(
          ctx,
          challenge.id,
          day.map((r) => r.pledge),
        ),
    );
    await story.replay(
      planWeighIns(start),
      (weighIn) => weighIn.occurredAt,
      (day) =>
        inPool(day, 4, (weighIn) => {
          const household = weighIn.household === null ? null : households[weighIn.household];
          return services.recordContribution(ctx, agent, challenge.id, {
            details: { kg: weighIn.tenthsOfKg / 10, pointId: points[weighIn.point] },
            occurredAt: weighIn.occurredAt.toISOString(),
            participant: household ? { email: household.email } : null,
          });
        }).then(() => evaluateChallengeNow(platform.db, challenge.id, story.now())),
    );
    // The campaign is over: the kg tier unlocks, the households' tier never does.
    await story.at(daysBefore(now, 1, 9));
    await services.closeChallenge(ctx, admin, challenge.id);
    return [campaign.id];
  },
});
