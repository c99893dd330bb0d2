import {
  ACCESS_CALLERS,
  ACCESS_EXTENSION,
  meetsExpectation,
  type AccessExpectation,
  type AccessRule,
} from '@tandem/core';
import { describeExchange, type Operation, type Sender, type SentRequest } from './openapi.js';

/**
 * The access matrix: every operation of the OpenAPI document, called by
 * every caller, compared with the rule the route declares (`x-tandem-access`,
 * core/src/http/access.ts). A route without a rule is a failure of its own.
 */

/**
 * `own`: organization A's things (in its members-only campaign); `swapped`:
 * A's route with an id of organization B inside; `public`: A's things in
 * its public campaign, for rules that say what changes there.
 */
export type Variant = 'own' | 'swapped' | 'public';

/** A caller of the matrix: those of {@link ACCESS_CALLERS}, plus `self` where a rule has one. */
export type MatrixCaller = (typeof ACCESS_CALLERS)[number] | 'self';

/** Builds the request one caller sends; `null` when the variant does not apply. */
export type BuildRequest = (
  operation: Operation,
  caller: MatrixCaller,
  variant: Variant,
) => Promise<SentRequest | null>;

export interface MatrixResult {
  operations: number;
  requests: number;
  /** Sentences naming each route without a usable rule. */
  undeclared: string[];
  /** One line per answer outside its expectation. */
  mismatches: string[];
}

const OUTCOMES = new Set(['allow', 'auth', 'forbid', 'hide', 'conflict', 'invalid']);

const isExpectation = (value: unknown): value is AccessExpectation =>
  (typeof value === 'string' && OUTCOMES.has(value)) ||
  (Array.isArray(value) && value.length > 0 && value.every((v) => OUTCOMES.has(v as string)));

/** The operation's rule, or a sentence saying what is missing. */
export function readRule(operation: Operation): AccessRule | string {
  const rule = operation.raw[ACCESS_EXTENSION] as Partial<AccessRule> | undefined;
  const fix = `add '${ACCESS_EXTENSION}': access.…(…) to its schema (core/src/http/access.ts)`;
  if (!rule || typeof rule !== 'object' || !rule.callers) {
    return `${operation.name} declares no access rule: ${fix}.`;
  }
  const missing = ACCESS_CALLERS.filter((caller) => !isExpectation(rule.callers?.[caller]));
  if (missing.length > 0) {
    return `${operation.name} has no valid expectation for ${missing.join(', ')}: ${fix}.`;
  }
  const publicOnes = Object.entries(rule.public ?? {});
  if (
    publicOnes.some(([caller, e]) => !ACCESS_CALLERS.includes(caller as never) || !isExpectation(e))
  ) {
    return `${operation.name} has an invalid expectation on public campaigns: ${fix}.`;
  }
  if (rule.self !== undefined && !isExpectation(rule.self)) {
    return `${operation.name} has an invalid expectation for self: ${fix}.`;
  }
  return rule as AccessRule;
}

/**
 * When A's route is called with B's id inside, nobody may succeed: the
 * answer is 401 to anonymous callers and one of 400, 403, 404 or 409 to the
 * others (the check that refuses may come first or second).
 */
const SWAPPED: Record<'anonymous' | 'other', AccessExpectation> = {
  anonymous: ['auth', 'hide', 'invalid'],
  other: ['forbid', 'hide', 'invalid', 'conflict'],
};

const VARIANT_WORDS: Record<Variant, string> = {
  own: '',
  swapped: " with another organization's id",
  public: ' on a public campaign',
};

/** Runs the matrix; callers go in {@link ACCESS_CALLERS} order, `self` last. */
export async function runMatrix(options: {
  operations: readonly Operation[];
  sender: Sender;
  build: BuildRequest;
}): Promise<MatrixResult> {
  const result: MatrixResult = { operations: 0, requests: 0, undeclared: [], mismatches: [] };
  for (const operation of options.operations) {
    const rule = readRule(operation);
    if (typeof rule === 'string') {
      result.undeclared.push(rule);
      continue;
    }
    result.operations += 1;
    const callers: MatrixCaller[] = [...ACCESS_CALLERS, ...(rule.self ? (['self'] as const) : [])];
    const variants: Variant[] = ['own', 'swapped', ...(rule.public ? (['public'] as const) : [])];
    for (const variant of variants) {
      for (const caller of callers) {
        if (variant === 'public' && caller === 'self') continue;
        const request = await options.build(operation, caller, variant);
        if (!request) continue;
        let expected: AccessExpectation =
          caller === 'self' ? (rule.self as AccessExpectation) : rule.callers[caller];
        if (variant === 'swapped') {
          expected = caller === 'anonymous' ? SWAPPED.anonymous : SWAPPED.other;
        }
        if (variant === 'public' && caller !== 'self') {
          expected = rule.public?.[caller] ?? expected;
        }
        const answer = await options.sender.send(request, { stream: operation.streams });
        result.requests += 1;
        if (answer.hung || !meetsExpectation(expected, answer.status)) {
          result.mismatches.push(
            `${operation.name} as ${caller}${VARIANT_WORDS[variant]}: expected ${JSON.stringify(expected)}, got ${describeExchange(request, answer)}`,
          );
        }
      }
    }
  }
  return result;
}
