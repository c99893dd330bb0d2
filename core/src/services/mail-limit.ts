import type { EmailAddress } from '../domain/email.js';
import { hashSecret } from '../ids.js';
import { enforce, type RateLimitRule } from '../limits/rate-limiter.js';
import type { ServiceContext } from './context.js';

/** One hour, the window of the per-address mail limit. */
const MAIL_WINDOW_MS = 60 * 60 * 1000;

/**
 * Counts one mail that a client asks Tandem to send to `to`, and throws 429
 * over `TANDEM_RATE_LIMIT_PER_EMAIL` per hour.
 *
 * The key is the mailbox that receives the mail — the canonical address,
 * the one the mail is sent to — so every spelling of it (case, `+tag`,
 * Gmail dots, Unicode or `xn--` domain) lands in one bucket. Sign-in links
 * and pledge confirmations share that bucket on purpose: the limit protects
 * the person's inbox, and a flood is a flood whichever form it takes. The
 * address is hashed so the limiter's storage (Redis) holds no address.
 *
 * @throws TandemError `TANDEM_RATE_LIMITED` (429) with `retryAfterSeconds`.
 */
export async function enforceMailLimit(ctx: ServiceContext, to: EmailAddress): Promise<void> {
  const rule: RateLimitRule = {
    name: 'mail',
    limit: ctx.config.rateLimits.perEmailPerHour,
    windowMs: MAIL_WINDOW_MS,
  };
  await enforce(ctx.limiter, rule, hashSecret(to.canonical));
}
