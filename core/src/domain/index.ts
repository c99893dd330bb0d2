/**
 * Tandem's pure domain: what a goal, a tier, a counterpart and a challenge's
 * lifecycle mean, with no I/O. Time and ids are passed in.
 */
export type * from './types.js';
export * from './money.js';
export * from './counterparts.js';
export * from './goals.js';
export * from './tiers.js';
export * from './lifecycle.js';
export * from './sponsorship.js';
export * from './email.js';
export * from './location.js';
export * from './grid.js';
export * from './disclosure.js';
export * from './days.js';
export * from './milestones.js';
export * from './branding.js';
export * from './files.js';
