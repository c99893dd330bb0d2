import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Viewer } from '../services/context.js';

// Apart from app.ts so that routes, ops and plugins can name the app's type
// without importing the module that imports them (docs/decisions/0020).

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
  }
}

/** The Fastify instance type routes are written against (TypeBox-typed). */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;
