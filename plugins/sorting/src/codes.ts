/**
 * Resident codes the server issues for people without e-mail: an agent
 * copies one onto a card by hand and the resident may read it out later,
 * so it must survive handwriting and a phone call.
 */
import { randomInt } from 'node:crypto';
import type { PluginContext } from '@tandem/core';

/**
 * Digits and capitals without those read as another: no 0/O, 1/I/L. 31
 * symbols, 8 of them: about 8.5 × 10^11 codes, so a clash within one
 * organization is a matter of bad luck, which {@link issueCode} still rules out.
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** The number of symbols in a code; a dash splits them in two halves for reading. */
export const CODE_LENGTH = 8;

/**
 * A random code such as `K7QM-3XWD`, from a cryptographic source so that a
 * code cannot be guessed from the ones before it.
 *
 * @param pick - returns an integer in [0, n); `crypto.randomInt` unless a test gives another
 */
export function generateCode(pick: (n: number) => number = randomInt): string {
  let symbols = '';
  for (let i = 0; i < CODE_LENGTH; i++) symbols += CODE_ALPHABET[pick(CODE_ALPHABET.length)];
  const half = CODE_LENGTH / 2;
  return `${symbols.slice(0, half)}-${symbols.slice(half)}`;
}

/** Redraws after this many clashes in a row; reaching it means the generator is broken. */
const MAX_DRAWS = 5;

/**
 * Issues a code no other resident of the organization was issued: it is
 * reserved in `sorting_issued_code` first, so two tablets never hand out
 * the same one, even at the same instant.
 *
 * @throws Error when {@link MAX_DRAWS} draws in a row clash (a broken random source)
 */
export async function issueCode(
  context: PluginContext<'tables'>,
  organizationId: string,
): Promise<string> {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const code = generateCode();
    const reserved = await context.tables.query(
      `insert into sorting_issued_code (organization_id, code) values (?, ?)
       on conflict do nothing returning code`,
      [organizationId, code],
    );
    if (reserved.length > 0) return code;
  }
  throw new Error(`${MAX_DRAWS} resident codes in a row were taken; is the random source broken?`);
}
