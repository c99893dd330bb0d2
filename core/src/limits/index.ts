export {
  enforce,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitVerdict,
} from './rate-limiter.js';
export { createMemoryRateLimiter, type MemoryRateLimiter } from './memory.js';
export { createRedisRateLimiter } from './redis.js';
