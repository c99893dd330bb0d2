import { parseEmailField, type EmailAddress } from '../domain/email.js';
import { notFound } from '../errors.js';
import { loadChallenge } from '../store/challenges.js';
import type { ServiceContext } from './context.js';
import { confirmPledgeRow, checkPledgeData, type PledgeInput } from './pledges.js';
import { upsertParticipant } from '../store/participants.js';

export interface ImportedPledge extends Omit<PledgeInput, 'locale'> {
  email: string;
}

/**
 * Records pledges that were confirmed elsewhere (a demo seed, a campaign
 * imported from another tool), without mailing anyone. Operators' tool,
 * not an HTTP route: each pledge is counted exactly as a confirmed one.
 *
 * @returns how many pledges became confirmed (people already pledged are skipped)
 */
export async function importConfirmedPledges(
  ctx: ServiceContext,
  challengeId: string,
  people: readonly ImportedPledge[],
  options: { batchSize?: number } = {},
): Promise<number> {
  const challenge = await loadChallenge(ctx.db, challengeId);
  if (!challenge) throw notFound('challenge', challengeId);
  const batchSize = options.batchSize ?? 200;
  let confirmed = 0;
  for (let start = 0; start < people.length; start += batchSize) {
    const batch = people.slice(start, start + batchSize);
    const checked: { email: EmailAddress; data: Awaited<ReturnType<typeof checkPledgeData>> }[] =
      [];
    for (const [i, person] of batch.entries()) {
      const email = parseEmailField(person.email, `people/${start + i}/email`);
      checked.push({ email, data: await checkPledgeData(ctx, challenge, person) });
    }
    confirmed += await ctx.db.transaction(async (tx) => {
      let count = 0;
      for (const person of checked) {
        const participant = await upsertParticipant(tx, ctx.keyring, {
          email: person.email,
          displayName: person.data.displayName,
        });
        const result = await confirmPledgeRow(tx, challenge, participant.id, person.data);
        if (result.confirmedNow) count++;
      }
      return count;
    });
  }
  return confirmed;
}
