import { Redis } from 'ioredis';

/** The Redis tests use: REDIS_URL, or the local one. */
export const testRedisUrl = (): string => process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Deletes every key under `prefix` (a test's BullMQ queues). */
export async function deleteKeys(prefix: string): Promise<void> {
  {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
