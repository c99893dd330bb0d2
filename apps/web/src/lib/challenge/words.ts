import { m } from '$lib/paraglide/messages';
import { formatMoney, formatNumber } from '$lib/format';
import type { Goal, Measure, Tier } from './progress';

/** Names the page knows: organizations by slug, beneficiaries by id. */
export interface Names {
  organizer: string;
  organizerKind: string;
  organizations: Record<string, string>;
  beneficiaries: Record<string, string>;
  unit: string | null;
}

/** "habitants", "salariés" or "personnes", from who organizes. */
export function peopleWord(kind: string): string {
  if (kind === 'city') return m.c_people_city();
  if (kind === 'company') return m.c_people_company();
  return m.c_people_other();
}

/** A unit in the page's language ("km", "kg", "actions", "formations"), else as the action type names it. */
export function unitWord(unit: string | null): string {
  switch (unit) {
    case 'action':
      return m.c_unit_actions();
    case 'course':
      return m.c_unit_courses();
    default:
      return unit ?? '';
  }
}

/** The IF half of a tier: "200 habitants s'engagent et 5 000 km sont parcourus". */
export function condition(goal: Goal, title: string, names: Names): string {
  const parts: string[] = [];
  if (goal.participants !== null) {
    parts.push(
      m.c_if_participants({
        count: formatNumber(goal.participants),
        people: peopleWord(names.organizerKind),
        title,
      }),
    );
  }
  if (goal.quantity !== null) {
    parts.push(
      m.c_if_quantity({ quantity: formatNumber(goal.quantity), unit: unitWord(names.unit) }),
    );
  }
  return parts.join(goal.match === 'any' ? m.c_or() : m.c_and());
}

/** Who keeps the promise: the tier's own sponsor, else the organizer. */
export function sponsorName(tier: Tier, names: Names): string {
  return (tier.sponsor && names.organizations[tier.sponsor]) || names.organizer;
}

/** Who receives a tier's money, by name. */
export function beneficiaryName(tier: Tier, names: Names): string {
  const counterpart = tier.counterpart;
  const id = counterpart && counterpart.kind !== 'act' ? counterpart.beneficiaryId : null;
  return (id && names.beneficiaries[id]) || m.c_beneficiary_unknown();
}

/** The THEN half: "la Ville de Clichy donne 5 000 € à Solicycle". */
export function consequence(tier: Tier, names: Names): string {
  const sponsor = sponsorName(tier, names);
  const counterpart = tier.counterpart;
  if (!counterpart) return m.c_then_unknown({ sponsor });
  if (counterpart.kind === 'act') {
    return m.c_then_act({ sponsor, description: counterpart.description });
  }
  const beneficiary = beneficiaryName(tier, names);
  if (counterpart.kind === 'donation') {
    return m.c_then_donation({ sponsor, amount: formatMoney(counterpart.amount), beneficiary });
  }
  return m.c_then_matching({
    sponsor,
    perUnit: formatMoney(counterpart.perUnit),
    unit: unitWord(names.unit) || m.c_unit_default(),
    cap: formatMoney(counterpart.cap),
    beneficiary,
  });
}

/** A measure's absolute counts, for the `<label>` of its `<progress>`. */
export function measureLabel(measure: Measure, names: Names): string {
  if (measure.measure === 'participants') {
    return m.c_measure_people({
      current: formatNumber(measure.current),
      target: formatNumber(measure.target),
      people: peopleWord(names.organizerKind),
    });
  }
  return m.c_measure_quantity({
    current: formatNumber(measure.current),
    target: formatNumber(measure.target),
    unit: unitWord(names.unit),
  });
}

/** A challenge's status in words. */
export function statusWord(status: string): string {
  switch (status) {
    case 'open':
      return m.c_status_open();
    case 'succeeded':
      return m.c_status_succeeded();
    case 'failed':
      return m.c_status_failed();
    case 'fulfilled':
      return m.c_status_fulfilled();
    case 'draft':
      return m.c_status_draft();
    default:
      return m.c_status_closed();
  }
}
