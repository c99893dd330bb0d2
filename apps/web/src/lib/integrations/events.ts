/**
 * The event types the webhook form offers, core's that a sponsor or a
 * partner listens to most; `*` stands for every event, plugins' included.
 * The API checks them again against core's catalogue.
 */
export const WEBHOOK_EVENTS = [
  'pledge.confirmed',
  'pledge.withdrawn',
  'contribution.recorded',
  'challenge.opened',
  'challenge.milestone',
  'challenge.unlocked',
  'challenge.succeeded',
  'challenge.closed',
  'counterpart.fulfilled',
] as const;

/** How long the old secret may keep signing after a rotation, in hours, as the form offers it. */
export const GRACE_HOURS = [0, 1, 24, 72] as const;
