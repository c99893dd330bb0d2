import { formatNumber } from '$lib/format';
import { m } from '$lib/paraglide/messages';

/** One concentration alert as `GET /api/challenges/{id}/integrity` serves it (ADR 0039). */
export interface IntegrityAlert {
  kind: 'email-domain' | 'network' | 'agent';
  metric: 'pledges' | 'quantity';
  key: string;
  label: string;
  share: number;
  count: number;
  total: number;
  threshold: number;
  minCount: number;
}

/** The words for a kind of group. */
export function kindLabel(kind: IntegrityAlert['kind']): string {
  if (kind === 'email-domain') return m.igy_kind_email_domain();
  if (kind === 'network') return m.igy_kind_network();
  return m.igy_kind_agent();
}

/** The words for what a share is of. */
export function metricLabel(metric: IntegrityAlert['metric']): string {
  return metric === 'pledges' ? m.igy_metric_pledges() : m.igy_metric_quantity();
}

/** A share (0–1) as a percentage with at most one decimal, in the page's language (`92,6`). */
export function percent(share: number): string {
  return formatNumber(share * 100, 1);
}

const ACTIONS: Record<string, () => string> = {
  'challenge.created': m.igy_action_challenge_created,
  'challenge.edited': m.igy_action_challenge_edited,
  'challenge.opened': m.igy_action_challenge_opened,
  'challenge.succeeded': m.igy_action_challenge_succeeded,
  'challenge.closed': m.igy_action_challenge_closed,
  'tier.unlocked': m.igy_action_tier_unlocked,
  'tier.fulfilled': m.igy_action_tier_fulfilled,
  'sponsorship.accepted': m.igy_action_sponsorship_accepted,
  'sponsorship.declined': m.igy_action_sponsorship_declined,
  'count.corrected': m.igy_action_count_corrected,
  'pledges.invalidated': m.igy_action_pledges_invalidated,
  'pledges.restored': m.igy_action_pledges_restored,
};

/** The words for an audit action; an action this page does not know yet shows as it is named. */
export function actionLabel(action: string): string {
  return ACTIONS[action]?.() ?? action;
}

/** The words for an audit actor's kind. */
export function actorKindLabel(kind: 'participant' | 'admin' | 'system'): string {
  if (kind === 'admin') return m.igy_actor_admin();
  if (kind === 'system') return m.igy_actor_system();
  return m.igy_actor_participant();
}
