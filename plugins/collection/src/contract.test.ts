import { describeActionTypeContract } from '@tandem/core/testing';
import { collection } from './index.js';

/** Core's contract for action types (ADR 0025), on collection. */
describeActionTypeContract(collection);
