import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TandemError } from '../errors.js';
import { resolveViewer } from '../services/auth.js';
import type { ServiceContext } from '../services/context.js';

/** The cookie `POST /ops/session` sets, so a browser can open the queue dashboard. */
export const ADMIN_COOKIE = 'tandem_admin';

/** How long an operator's browser session lasts. */
export const ADMIN_COOKIE_TTL_SECONDS = 8 * 60 * 60;

/** The token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/** Compares two secrets in constant time (hashed first, so lengths do not leak). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const signature = (adminToken: string, expiresAt: number) =>
  createHmac('sha256', adminToken).update(`tandem-ops-session.${expiresAt}`).digest('base64url');

/**
 * The value of the operator cookie: an expiry and its HMAC keyed by the admin
 * token. The token itself never sits in the browser, and rotating it ends
 * every such session.
 */
export function adminCookieValue(adminToken: string, expiresAt: number): string {
  return `${expiresAt}.${signature(adminToken, expiresAt)}`;
}

/** Whether `value` is an operator cookie signed with `adminToken` and not yet expired. */
export function isAdminCookie(adminToken: string, value: string, now: number): boolean {
  const dot = value.indexOf('.');
  if (dot <= 0) return false;
  const expiresAt = Number(value.slice(0, dot));
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return false;
  return sameSecret(value.slice(dot + 1), signature(adminToken, expiresAt));
}

/** One cookie of a `Cookie` header (no cookie plugin is installed; this is all ops needs). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Answers with Tandem's error shape from a hook. Hooks under `/ops/queues`
 * live beside bull-board's own error handler, so they reply rather than throw.
 */
export function refuse(reply: FastifyReply, error: TandemError): FastifyReply {
  return reply.code(error.status).send({ error: error.code, message: error.message });
}

/**
 * An `onRequest` hook letting only the platform admin through: the admin
 * bearer token, or the operator cookie. Anonymous is 401, a participant 403.
 */
export function platformAdminGuard(ctx: ServiceContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const adminToken = ctx.config.adminToken;
    const cookie = readCookie(request.headers.cookie, ADMIN_COOKIE);
    if (adminToken && cookie && isAdminCookie(adminToken, cookie, Date.now())) return;
    let viewer;
    try {
      viewer = await resolveViewer(ctx, request.headers.authorization);
    } catch (error) {
      if (error instanceof TandemError) return refuse(reply, error);
      throw error;
    }
    if (viewer.kind === 'admin') return;
    if (viewer.kind === 'anonymous') {
      return refuse(
        reply,
        new TandemError(
          'TANDEM_AUTH_REQUIRED',
          'Operators only: send Authorization: Bearer <TANDEM_ADMIN_TOKEN>, or sign in with POST /ops/session.',
        ),
      );
    }
    return refuse(
      reply,
      new TandemError('TANDEM_AUTH_FORBIDDEN', 'Only the platform admin may use /ops/queues.'),
    );
  };
}
