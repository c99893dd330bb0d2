import { must, openChallenge, type Api } from './lib/api.js';
import { load, type Load } from './lib/load.js';
import { adminToken } from './lib/processes.js';
import { fromRounds, type Measurement } from './lib/report.js';
import { median } from './lib/stats.js';

/**
 * P1 federated (ADR 0043): the same pledge ingest as P1, on one challenge
 * fed by `partners` organizations besides its owner, each pledge naming one
 * of them as `via` in turn — so every pledge bumps its partner's share
 * counter beside the whole, in the same statement. Measured against the
 * plain P1 on the same server in the same round (the order of the two
 * alternating from round to round), with the same sessions; the target is
 * at least 0.8 × the plain rate. Every round checks that the shares add up
 * to the whole and to the pledges answered 201.
 */
export interface FederatedInput {
  api: Api;
  campaignId: string;
  tokens: string[];
  partners: number;
  rounds: number;
  connections: number;
  progress: (message: string) => void;
}

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Organizations to invite: created once, invited to each round's federated challenge. */
async function createPartners(api: Api, count: number): Promise<string[]> {
  const run = unique();
  const slugs = Array.from({ length: count }, (_, i) => `fed-${run}-${i}`);
  for (const slug of slugs) {
    must(
      await api.post(
        '/api/organizations',
        { slug, name: `Partner ${slug}`, kind: 'company' },
        adminToken,
      ),
      201,
      'create partner organization',
    );
  }
  return slugs;
}

/** An open challenge with every partner invited and accepted (the platform admin answers for them). */
async function openFederated(api: Api, campaignId: string, partners: string[], goal: number) {
  const challenge = must(
    await api.post(
      `/api/campaigns/${campaignId}/challenges`,
      { title: 'Bench federated', actionType: 'pledge-only', goal: { participants: goal } },
      adminToken,
    ),
    201,
    'create federated challenge',
  );
  for (const slug of partners) {
    must(
      await api.post(
        `/api/challenges/${challenge.id}/partners`,
        { organization: slug },
        adminToken,
      ),
      201,
      'invite partner',
    );
    must(
      await api.post(
        `/api/challenges/${challenge.id}/partners/${slug}/decision`,
        { accept: true },
        adminToken,
      ),
      200,
      'accept partnership',
    );
  }
  must(await api.post(`/api/challenges/${challenge.id}/open`, undefined, adminToken), 200, 'open');
  return challenge.id as string;
}

async function pledgeAll(
  input: FederatedInput,
  challengeId: string,
  via: string[] | null,
): Promise<Load> {
  const { tokens } = input;
  let next = 0;
  const result = await load({
    url: input.api.url,
    connections: input.connections,
    amount: tokens.length,
    requests: [
      {
        method: 'POST',
        path: `/api/challenges/${challengeId}/pledges`,
        setupRequest: (request) => {
          const i = next++;
          return {
            ...request,
            body: via ? JSON.stringify({ via: via[i % via.length] }) : '{}',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[i] ?? 'none'}`,
            },
          };
        },
      },
    ],
  });
  const created = result.statuses['201'] ?? 0;
  if (result.failed > 0 || created !== tokens.length) {
    throw new Error(
      `P1-federated: ${tokens.length} pledges answered ${JSON.stringify(result.statuses)} (${result.failed} failed)`,
    );
  }
  const view = must(await input.api.get(`/api/challenges/${challengeId}`), 200, 'read challenge');
  const participants = Number(view.progress.participants);
  if (participants !== created)
    throw new Error(
      `P1-federated: ${created} pledges confirmed, the challenge counts ${participants}`,
    );
  if (via) {
    const shares = view.shares as { organization: string; participants: number }[];
    const sum = shares.reduce((total, share) => total + share.participants, 0);
    const fed = shares.filter((share) => via.includes(share.organization)).length;
    if (sum !== participants || fed !== via.length)
      throw new Error(
        `P1-federated: the ${shares.length} shares add up to ${sum} of ${participants} (${fed} of ${via.length} partners shown)`,
      );
  }
  return result;
}

export async function federatedIngest(input: FederatedInput): Promise<Measurement> {
  const partners = await createPartners(input.api, input.partners);
  const goal = input.tokens.length * 10;
  input.progress(`P1-federated: ${partners.length} partner organizations created`);
  const rates: number[] = [];
  const plains: number[] = [];
  for (let round = 1; round <= input.rounds; round++) {
    const plain = await openChallenge(input.api, input.campaignId, goal);
    const federated = await openFederated(input.api, input.campaignId, partners, goal);
    // The order alternates: neither side always runs on a warmer server.
    let fed: Load;
    let flat: Load;
    if (round % 2 === 1) {
      flat = await pledgeAll(input, plain, null);
      fed = await pledgeAll(input, federated, partners);
    } else {
      fed = await pledgeAll(input, federated, partners);
      flat = await pledgeAll(input, plain, null);
    }
    rates.push(fed.rate);
    plains.push(flat.rate);
    input.progress(
      `P1-federated round ${round}: ${fed.rate.toFixed(0)} pledges/s via ${partners.length} partners, ${flat.rate.toFixed(0)} plain`,
    );
  }
  return fromRounds({
    id: 'P1-federated',
    title: `Confirmed pledges/s on one challenge fed by ${input.partners} partner organizations (each pledge via one), embedded default`,
    metric: 'pledges_per_s',
    values: rates,
    baselines: plains,
    baselineIs: 'the plain P1 (no partners, no via) on the same server, same round',
    figures: {
      partners: input.partners,
      pledges_per_round: input.tokens.length,
      connections: input.connections,
      plain_median: median(plains),
    },
    target: ({ ratio }) => ({
      text: 'ratio >= 0.80 of the plain P1',
      met: ratio !== null && ratio >= 0.8,
    }),
  });
}
