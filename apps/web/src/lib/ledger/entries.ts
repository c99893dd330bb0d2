/**
 * An organization's ledger (`GET /api/organizations/{slug}/ledger`) as the
 * pages show it: each line with its promise in words and its delivery.
 */
import type { paths } from '@tandem/client';
import { parseCounterpart, parseGoal, type Tier } from '$lib/challenge/progress';
import { consequence, type Names } from '$lib/challenge/words';
import { parseDelivery, type Delivery } from './delivery';

/** A line as the API answers it. */
export type LedgerLine =
  paths['/api/organizations/{slug}/ledger']['get']['responses'][200]['content']['application/json']['entries'][number];

/** A line as the pages show it. */
export interface LedgerRow {
  challengeId: string;
  challengeTitle: string;
  tierId: string;
  rank: number;
  /** "Sponsor SA donne 500 € à Solicycle". */
  promise: string;
  organizer: { slug: string; name: string };
  sponsor: { slug: string; name: string };
  delivery: Delivery;
}

/** The promise of a line, in the words of the challenge page's IF/THEN card. */
function promiseOf(line: LedgerLine): string {
  const counterpart = parseCounterpart(line.promised);
  const tier: Tier = {
    id: line.tierId,
    rank: line.rank,
    goal: parseGoal(line.goal),
    counterpart,
    sponsor: line.sponsor.slug,
    unlockedAt: line.unlockedAt,
    owed: null,
  };
  const beneficiaryId =
    counterpart && counterpart.kind !== 'act' ? (counterpart.beneficiaryId ?? '') : '';
  const names: Names = {
    organizer: line.organizer.name,
    organizerKind: 'other',
    organizations: { [line.sponsor.slug]: line.sponsor.name },
    beneficiaries: line.beneficiary ? { [beneficiaryId]: line.beneficiary.name } : {},
    unit: null,
  };
  return consequence(tier, names);
}

/** The lines of a ledger answer, ready to show. */
export function ledgerRows(lines: readonly LedgerLine[]): LedgerRow[] {
  return lines.map((line) => ({
    challengeId: line.challengeId,
    challengeTitle: line.challengeTitle,
    tierId: line.tierId,
    rank: line.rank,
    promise: promiseOf(line),
    organizer: line.organizer,
    sponsor: line.sponsor,
    delivery: parseDelivery(line as unknown as Record<string, unknown>),
  }));
}
