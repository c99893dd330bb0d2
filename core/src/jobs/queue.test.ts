import { afterAll } from 'vitest';
import { deleteKeys, testRedisUrl } from '../testing/redis.js';
import { unique } from '../testing/scenarios.js';
import { createBullQueue } from './bullmq/bullmq-queue.js';
import { createLocalQueue } from './local/local-queue.js';
import { describeQueueContract } from '../testing/queue.contract.js';

// Errors of failing attempts are expected here; keep them out of the output.
const quiet = { onError: () => undefined };

describeQueueContract('local', () => createLocalQueue(quiet));

// A Redis key prefix of this file's own, deleted afterwards. No `:` in it, as
// BullMQ joins prefix and queue name with one.
const prefix = `tandem-qc-${unique()}`;

describeQueueContract('bullmq', () => createBullQueue({ url: testRedisUrl(), prefix, ...quiet }));

afterAll(async () => {
  await deleteKeys(prefix);
});
