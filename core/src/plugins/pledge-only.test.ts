import { describeActionTypeContract } from '../testing/action-type-kit.js';
import { pledgeOnly } from './pledge-only.js';

/** The action-type contract (ADR 0025) on the built-in pledge-only type: it takes no contributions. */
describeActionTypeContract(pledgeOnly);
