import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { TandemError } from '../errors.js';
import type { App } from '../http/types.js';
import { isBullQueue } from '../jobs/bullmq/bullmq-queue.js';
import type { JobQueue } from '../jobs/queue.js';
import type { ServiceContext } from '../services/context.js';
import { platformAdminGuard } from './auth.js';

/** Where the queue dashboard lives. */
export const QUEUES_PATH = '/ops/queues';

/**
 * Mounts bull-board at `/ops/queues` for the platform admin (every request
 * under it, static assets and API calls included, passes the guard). With
 * the in-process queue there is nothing to show: the admin gets a 404 that
 * says so.
 */
/**
 * The board's own policy, in place of core's: its scripts come from
 * /ops/queues/static like any, but its loading screen uses inline styles and
 * it asks Google Fonts for its typeface. Still no framing, no inline script.
 */
const BOARD_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "img-src 'self' data:",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' https://fonts.gstatic.com",
  "connect-src 'self'",
].join('; ');

export async function queueDashboard(
  app: App,
  deps: { ctx: ServiceContext; queue: JobQueue },
): Promise<void> {
  const { queue } = deps;
  await app.register(async (scope: App) => {
    scope.addHook('onRequest', platformAdminGuard(deps.ctx));

    if (!isBullQueue(queue)) {
      const inProcess = async () => {
        throw new TandemError(
          'TANDEM_NOT_FOUND',
          'Jobs run in-process here (REDIS_URL is unset): there are no BullMQ queues to show.',
        );
      };
      scope.all(QUEUES_PATH, { schema: { hide: true } }, inProcess);
      scope.all(`${QUEUES_PATH}/*`, { schema: { hide: true } }, inProcess);
      return;
    }

    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUES_PATH);
    const shown = new Set<string>();
    const board = createBullBoard({
      queues: [],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Tandem queues' } },
    });
    // A plugin's queue opens on its first job: show queues opened since.
    const showNewQueues = () => {
      for (const bull of queue.bullQueues()) {
        if (shown.has(bull.name)) continue;
        shown.add(bull.name);
        board.addQueue(new BullMQAdapter(bull));
      }
    };
    showNewQueues();
    scope.addHook('onRequest', async () => showNewQueues());
    scope.addHook('onRequest', async (_request, reply) => {
      void reply.header('content-security-policy', BOARD_CSP);
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUES_PATH });
  });
}
