import { Type } from '@sinclair/typebox';
import { access } from '../http/access.js';
import type { LiveHub } from './hub.js';
import { createStreamLimiter, type StreamLimiter } from './stream-limits.js';
import { loadVisibleChallenge } from '../services/challenges.js';
import type { ServiceContext } from '../services/context.js';
import type { App } from '../http/types.js';
import { errors } from '../http/schemas.js';

const EventId = Type.String({ pattern: '^[0-9]{1,15}$' });

/** The headers of an event stream that proxies must neither buffer nor cache. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

const parseEventId = (value: unknown): number | undefined => {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !/^[0-9]{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
};

/**
 * `GET /api/challenges/{id}/events`: the challenge's live events as
 * Server-Sent Events, written by hand on the raw response. The access
 * check is GET /api/challenges/{id}'s; then a progress snapshot (after a
 * replay of what a reconnecting client missed), then the hub's frames.
 */
export async function liveRoutes(
  app: App,
  ctx: ServiceContext,
  hub: LiveHub,
  limiter: StreamLimiter = createStreamLimiter(ctx.config.streams),
): Promise<void> {
  app.get(
    '/api/challenges/:id/events',
    {
      schema: {
        'x-tandem-access': access.audience(),
        tags: ['challenges'],
        summary: 'Live events of a challenge (Server-Sent Events)',
        description:
          '`text/event-stream`: at once an `event: progress` snapshot, then `progress` ({participants, quantity, co2eKg}, and on a federated challenge `shares`, as in `GET /api/challenges/{id}`), `unlocked` ({tierId, unlockedAt}), `milestone` ({tierId, percent}) and `status` ({status, closedAt}); each frame has as `id` its number among the challenge’s events (1, 2, 3…, not a platform-wide sequence). Past `TANDEM_STREAMS_PER_IP` streams from one address 429, past `TANDEM_STREAMS_PER_PROCESS` 503, both with `Retry-After`. A `: heartbeat` comment every 15 s. A reconnecting client sends `Last-Event-ID` (or `?lastEventId=`) and first gets the unlocks, milestones and status changes it missed (the latest 100).',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        querystring: Type.Object({ lastEventId: Type.Optional(EventId) }),
        response: {
          200: {
            description: 'An event stream that stays open.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errors(401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const challengeId = request.params.id;
      await loadVisibleChallenge(ctx, request.viewer, challengeId);
      const lastEventId =
        parseEventId(request.headers['last-event-id']) ?? parseEventId(request.query.lastEventId);
      await hub.ready(); // 503 while the bus cannot be subscribed, before any byte is sent
      // 429 past the per-IP cap, 503 past the process's, before any byte is sent.
      const release = limiter.acquire(request.ip);

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, SSE_HEADERS);
      raw.flushHeaders();
      const open = () => !raw.writableEnded && !raw.destroyed;
      let gone = false;
      let connection: { close(): void } | null = null;
      const leave = () => {
        gone = true;
        release();
        connection?.close();
      };
      request.raw.on('close', leave);
      raw.on('close', leave);
      raw.on('error', leave);
      try {
        connection = await hub.connect(
          challengeId,
          {
            write: (chunk) => {
              if (open()) raw.write(chunk);
            },
            end: () => {
              if (open()) raw.end();
            },
            buffered: () => raw.writableLength,
          },
          lastEventId === undefined ? {} : { lastEventId },
        );
        if (gone) connection.close();
      } catch (error) {
        request.log.error({ err: error, challengeId }, 'live stream failed');
        release();
        if (open()) raw.end();
      }
    },
  );
}
