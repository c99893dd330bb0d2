import { describeActionTypeContract } from '@tandem/core/testing';
import fc from 'fast-check';
import { actionsCatalogue } from './index.js';

/**
 * Core's contract for action types (ADR 0025), on the catalogue: actions
 * done are picked from the challenge's own catalogue, so that their CO2e
 * and source are measured rather than refused.
 */
describeActionTypeContract(actionsCatalogue, {
  contribution: (settings) =>
    fc
      .constantFrom(...(settings['actions'] as { id: string }[]).map((action) => action.id))
      .map((action) => ({ action })),
});
