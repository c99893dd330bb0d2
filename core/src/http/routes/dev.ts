import { Type } from '@sinclair/typebox';
import { parseEmailField } from '../../domain/email.js';
import { access } from '../access.js';
import type { ServiceContext } from '../../services/context.js';
import { readDevMailbox } from '../../mail/dev-mailbox.js';
import type { App } from '../types.js';
import { Email, errors } from '../schemas.js';

/** Only registered when TANDEM_DEV_MAILBOX=1; otherwise the path is a 404. */
export async function devRoutes(app: App, ctx: ServiceContext): Promise<void> {
  app.get(
    '/api/dev/mailbox',
    {
      schema: {
        'x-tandem-access': access.anyone({ note: 'only with TANDEM_DEV_MAILBOX=1' }),
        tags: ['development'],
        summary: 'Mail stored by the dev mailbox for one address, newest first',
        querystring: Type.Object({ to: Email }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            messages: Type.Array(
              Type.Object({
                to: Type.String(),
                subject: Type.String(),
                text: Type.String(),
                purpose: Type.String(),
                token: Type.Optional(Type.String()),
                sentAt: Type.String(),
              }),
            ),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => ({
      messages: await readDevMailbox(ctx.db, parseEmailField(request.query.to, 'to')),
    }),
  );
}
