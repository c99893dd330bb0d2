import type { IncomingMessage } from 'node:http';
import type { Me } from '$lib/server/session';

declare global {
  namespace App {
    interface Locals {
      /** The signed-in participant (from the session cookie), or null. */
      me: Me | null;
      /** The session token from the `tandem_session` cookie, when valid. */
      session: string | null;
    }
    interface Platform {
      /**
       * The Node request. The Tandem server attaches `tandemApi`: a fetch
       * that answers from the API in the same process (Fastify's inject),
       * as the visitor's own address, so rate limits stay per visitor.
       */
      req: IncomingMessage & { tandemApi?: (request: Request) => Promise<Response> };
    }
    interface Error {
      message: string;
      code?: string;
    }
  }
}

export {};
