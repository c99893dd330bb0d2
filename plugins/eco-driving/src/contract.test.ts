import { describeActionTypeContract } from '@tandem/core/testing';
import fc from 'fast-check';
import { ecoDriving } from './index.js';

/**
 * Core's contract for action types (ADR 0025), on eco-driving: completions
 * of the challenge's own course, finished at any time around the report.
 */
describeActionTypeContract(ecoDriving, {
  contribution: (settings) =>
    fc.record(
      {
        courseId: fc.constant(settings['courseId']),
        completedAt: fc
          .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) })
          .map((ms) => new Date(ms).toISOString()),
        score: fc.double({ min: 0, max: 100, noNaN: true }),
      },
      { requiredKeys: ['courseId'] },
    ),
});
