/**
 * @tandem/plugin-sorting — pledge to sort household waste, collected door
 * to door: an organization's agents enrol residents on a tablet, with their
 * consent, by e-mail or by a code written on a card, online or offline with
 * a later sync that never counts anyone twice (the SYCTOM case of DESIGN.md).
 */
import { defineActionType, type ActionType } from '@tandem/core';
import { migrations } from './migrations.js';
import { sortingPersonalData } from './personal-data.js';
import { sendReceipt, SEND_RECEIPT_JOB } from './receipt.js';
import { SORTING_ID, sortingRoutes } from './routes.js';
import { pledgeSchema, settingsSchema } from './schemas.js';

export { CODE_ALPHABET, CODE_LENGTH, generateCode } from './codes.js';
export { RECEIPT_PURPOSE, SEND_RECEIPT_JOB, type ReceiptJob } from './receipt.js';
export { SORTING_ID } from './routes.js';
export {
  EnrolmentAnswer,
  EnrolmentBody,
  MAX_HOUSEHOLD_SIZE,
  MAX_SYNC_ITEMS,
  pledgeSchema,
  settingsSchema,
  SyncAnswer,
  SyncBody,
  SyncResult,
  WASTE_STREAMS,
  type SortingPledge,
  type SortingSettings,
  type WasteStream,
} from './schemas.js';
export { canonicalJson, fingerprintOf, STALE_CLAIM_SECONDS } from './sync.js';

/**
 * The `sorting` action type. Its unit is `null`: the pledge is a habit, and
 * nothing is weighed household by household at the door, so its challenges
 * set a participants goal. (Weighed quantities brought to a collection
 * point are the `collection` plugin's.)
 *
 * - settings: `{ streams?: WasteStream[] }` — the streams the challenge is about
 * - pledge: `{ streams?: WasteStream[], household?: { size?: 1..12 } }`
 * - routes: `POST /api/challenges/:id/enrolments` and `…/enrolments/sync` (org agents)
 *
 * @example
 * // apps/server/src/tandem.config.ts
 * import { sorting } from '@tandem/plugin-sorting';
 * export const plugins: Plugin[] = [sorting];
 * // a challenge
 * { actionType: 'sorting', actionSettings: { streams: ['packaging', 'paper'] },
 *   goal: { participants: 500 } }
 */
export const sorting: ActionType = defineActionType({
  id: SORTING_ID,
  version: '0.1.0',
  coreRange: '^0.1.0',
  title: { fr: 'Je trie mes déchets', en: 'I sort my household waste' },
  description: {
    fr: 'Je m’engage à trier les déchets de mon foyer (emballages, verre, papier, biodéchets, textiles) et à les déposer dans la bonne filière.',
    en: 'I commit to sort my household’s waste (packaging, glass, paper, biowaste, textiles) and take each to the right stream.',
  },
  unit: null,
  settingsSchema,
  pledgeSchema,
  checkPledge({ details, settings }) {
    const allowed = settings.streams;
    if (!allowed || !details.streams) return null;
    const index = details.streams.findIndex((stream) => !allowed.includes(stream));
    if (index < 0) return null;
    // The path names the very item: the 400 is on `details/streams/<i>`.
    return {
      path: `streams/${index}`,
      message: `"${details.streams[index]}" is not a stream this challenge is about; it is about ${allowed.join(', ')}`,
    };
  },
  capabilities: ['tables', 'challenges', 'organizations', 'enrolments', 'jobs', 'mail'],
  routes: sortingRoutes,
  jobs: { [SEND_RECEIPT_JOB]: sendReceipt },
  migrations,
  personalData: sortingPersonalData,
});
