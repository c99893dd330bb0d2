import { describeActionTypeContract } from '@tandem/core/testing';
import { sorting } from './index.js';

/** Core's contract for action types (ADR 0025), on sorting. */
describeActionTypeContract(sorting);
