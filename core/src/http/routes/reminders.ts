import { Type } from '@sinclair/typebox';
import { access } from '../access.js';
import type { FastifyReply } from 'fastify';
import { TandemError, invalid } from '../../errors.js';
import { UNSUBSCRIBE_PATH, unsubscribeFromReminders } from '../../jobs/scheduled/reminders.js';
import { escapeHtml } from '../../mail/templates.js';
import type { ServiceContext } from '../../services/context.js';
import type { App } from '../types.js';
import { errors } from '../schemas.js';

const Token = Type.String({ minLength: 10, maxLength: 200 });

const FORM = 'application/x-www-form-urlencoded';

/**
 * Headers of the unsubscribe pages: the token sits in the URL, so it must
 * not leak through the Referer of a link, stay in a cache or be indexed.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/**
 * The reminders' unsubscribe link (jobs/scheduled/reminders.ts).
 *
 * `GET /api/reminders/unsubscribe?token=…` only shows a page with a button:
 * mail scanners and link previews open links, and must not unsubscribe
 * anyone. The button POSTs the token as a form; `POST` with JSON `{token}`
 * does the same for API clients, and a form-encoded POST with the token in
 * the query string is RFC 8058's one-click unsubscribe
 * (`List-Unsubscribe=One-Click`). Unsubscribing stops reminders from every
 * challenge, and doing it twice answers the same.
 */
export async function reminderRoutes(app: App, ctx: ServiceContext): Promise<void> {
  // Forms are parsed in this scope only: the rest of the API speaks JSON.
  await app.register(async (instance) => {
    const scope = instance as unknown as App;
    scope.addContentTypeParser(
      FORM,
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => {
        const text = typeof body === 'string' ? body : body.toString('utf8');
        done(null, Object.fromEntries(new URLSearchParams(text)));
      },
    );

    scope.get(
      UNSUBSCRIBE_PATH,
      {
        schema: {
          'x-tandem-access': access.anyone({
            note: 'only shows a button; the token is used by the POST',
          }),
          tags: ['reminders'],
          summary: 'The page of a reminder’s unsubscribe link: a button, nothing more',
          querystring: Type.Object({ token: Token }, { additionalProperties: false }),
          produces: ['text/html'],
          response: { 200: Type.String(), ...errors(400) },
        },
      },
      async (request, reply) => reply.headers(PAGE_HEADERS).send(askPage(request.query.token)),
    );

    scope.post(
      UNSUBSCRIBE_PATH,
      {
        schema: {
          'x-tandem-access': access.token('hide'),
          tags: ['reminders'],
          summary: 'Stop contribution reminders (from every challenge)',
          description:
            'JSON `{token}` answers JSON. A form post (the page’s button, or RFC 8058 one-click with `?token=`) answers a page.',
          querystring: Type.Object(
            { token: Type.Optional(Token) },
            { additionalProperties: false },
          ),
          body: Type.Object(
            {
              token: Type.Optional(Token),
              'List-Unsubscribe': Type.Optional(Type.Literal('One-Click')),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ status: Type.Literal('unsubscribed') }),
            ...errors(400, 404),
          },
        },
      },
      async (request, reply) => {
        const token = request.body.token ?? request.query.token;
        if (!token) throw invalid('token', 'is required (in the body or the query string)');
        const isForm = String(request.headers['content-type'] ?? '').startsWith(FORM);
        // A form answers a page, which the JSON answer's typing does not describe.
        const html = reply as unknown as FastifyReply;
        try {
          await unsubscribeFromReminders(ctx.db, token, ctx.now());
        } catch (error) {
          const isUnknown = error instanceof TandemError && error.code === 'TANDEM_NOT_FOUND';
          if (!isForm || !isUnknown) throw error;
          return html.code(404).headers(PAGE_HEADERS).send(page(WORDS.unknown));
        }
        if (isForm) return html.headers(PAGE_HEADERS).send(page(WORDS.done));
        return { status: 'unsubscribed' as const };
      },
    );
  });
}

// The pages know nothing of the person (the link may have been forwarded):
// they speak both of Tandem's languages at once.
const WORDS = {
  ask: {
    title: 'Rappels Tandem · Tandem reminders',
    text: 'Ne plus recevoir de rappels pour indiquer ce que vous avez fait\u00a0? · Stop the reminders to log what you did?',
  },
  done: {
    title: 'Rappels arrêtés · Reminders stopped',
    text: 'Vous ne recevrez plus de rappels. · You will receive no more reminders.',
  },
  unknown: {
    title: 'Lien inconnu · Unknown link',
    text: 'Ce lien est inconnu ou trop ancien\u00a0; le prochain rappel en contiendra un nouveau. · This link is unknown or too old; the next reminder carries a new one.',
  },
};

function page(words: { title: string; text: string }, form = ''): string {
  return `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(words.title)}</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36em; margin: 2em auto; padding: 0 1em;">
<h1 style="font-size: 1.3em;">${escapeHtml(words.title)}</h1>
<p>${escapeHtml(words.text)}</p>
${form}</body>
</html>
`;
}

function askPage(token: string): string {
  return page(
    WORDS.ask,
    `<form method="post" action="${UNSUBSCRIBE_PATH}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit" style="padding: 0.6em 1.2em; background: #1b7f4c; color: #ffffff; border: 0; border-radius: 6px; font-size: 1em;">Arrêter les rappels · Stop reminders</button>
</form>
`,
  );
}
