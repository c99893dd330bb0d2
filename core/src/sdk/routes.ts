/**
 * How a plugin adds HTTP routes without seeing the engine's Fastify app: a
 * small router (ADR 0019). The engine mounts each plugin's routes in an
 * encapsulated Fastify context under `/api`, and gives two helpers for the
 * preludes most plugin routes share: a route on one of the plugin's
 * challenges, and a route on an organization that needs a role there.
 * Every route still declares its `x-tandem-access` rule.
 */
import type { Static, TObject, TSchema, TUnknown } from '@sinclair/typebox';
import type { PluginChallenge, PluginOrganization } from './capabilities.js';
import type { Role, Viewer } from './people.js';

/** The HTTP methods a plugin route may answer. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A route's OpenAPI schema. `x-tandem-access` (from `access` in
 * `@tandem/core`) says who may call it; the access-matrix test holds every
 * route to it.
 */
export interface RouteSchema<
  P extends TSchema = TObject,
  B extends TSchema = TUnknown,
  Q extends TSchema = TObject,
> {
  'x-tandem-access': { readonly callers: Readonly<Record<string, unknown>> };
  tags?: string[];
  summary?: string;
  description?: string;
  params?: P;
  body?: B;
  querystring?: Q;
  /** Answers by status code, e.g. `{ 201: View, ...errorResponses(400, 401) }`. */
  response?: Record<number, unknown>;
}

/** What a plugin's route may log. */
export interface PluginLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** A validator compiled with the app's own body rules (defaults, formats, no unknown fields). */
export interface CompiledValidator {
  (value: unknown): boolean;
  errors?:
    | readonly {
        keyword: string;
        instancePath: string;
        params: Record<string, unknown>;
        message?: string;
      }[]
    | null;
}

/** The request as a plugin's handler sees it, typed from the route's schema. */
export interface PluginRequest<P = unknown, B = unknown, Q = unknown> {
  readonly params: P;
  readonly body: B;
  readonly query: Q;
  /** Mutable: a hook may take a header it consumed off the request. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** Who is asking (set before the handler; not yet in `onRequest`). */
  readonly viewer: Viewer;
  readonly log: PluginLogger;
  /**
   * The scope of the caller's `Idempotency-Key`s, for callers core does not
   * know as a viewer (a partner authenticated by the plugin's own hook).
   */
  idempotencyScope?: string;
  /** Compiles `schema` with the validator of that request part (for items of a batch). */
  compileValidationSchema(schema: TSchema, httpPart: 'body'): CompiledValidator;
}

/** The reply: a status, headers, a payload. */
export interface PluginReply {
  code(status: number): PluginReply;
  header(name: string, value: string): PluginReply;
  send(payload?: unknown): PluginReply;
}

/** A hook run before anything else for the route's requests (authentication of a partner). */
export type PluginRequestHook = (request: PluginRequest, reply: PluginReply) => Promise<void>;

type Params<P extends TSchema> = Static<P>;

/** What every kind of route declares. */
interface RouteBase<P extends TSchema, B extends TSchema, Q extends TSchema> {
  method: HttpMethod;
  schema: RouteSchema<P, B, Q>;
  onRequest?: PluginRequestHook;
  /** The largest body accepted, in bytes (default: the app's). */
  bodyLimit?: number;
}

/** A route of the plugin's own, under its `routePrefix`. */
export interface RouteDefinition<
  P extends TSchema,
  B extends TSchema,
  Q extends TSchema,
> extends RouteBase<P, B, Q> {
  /** Relative to the plugin's `routePrefix` (default `/api/<id>`), e.g. `/deliveries/:id/replay`. */
  url: string;
  handler(
    request: PluginRequest<Params<P>, Static<B>, Static<Q>>,
    reply: PluginReply,
  ): Promise<unknown>;
}

/**
 * A route on one challenge of the plugin's own action type, at
 * `/api/challenges/:id<path>`. Before the handler runs, the engine:
 * answers 401 to an anonymous caller when `signIn` is set; loads the
 * challenge as the caller may see it (404, 401, 403), or may write to it
 * (and 409 when it takes nothing now) with `load: 'writable'`; requires
 * `role` in its organization (401/403); and refuses a challenge of another
 * action type — 404 by default, 409 with `otherActionType: 'conflict'`.
 */
export interface ChallengeRouteDefinition<
  P extends TSchema,
  B extends TSchema,
  Q extends TSchema,
> extends RouteBase<P, B, Q> {
  /** After `/api/challenges/:id`, e.g. `/weigh-ins`. */
  path: string;
  load?: 'visible' | 'writable';
  signIn?: boolean;
  role?: Role;
  otherActionType?: 'not-found' | 'conflict';
  handler(
    request: PluginRequest<Params<P> & { id: string }, Static<B>, Static<Q>>,
    reply: PluginReply,
    challenge: PluginChallenge,
  ): Promise<unknown>;
}

/**
 * A route on one organization, at `/api/organizations/:slug<path>`. The
 * engine finds the organization (404) and, unless `role` is `null`,
 * requires that role there (401/403) before the handler runs.
 */
export interface OrganizationRouteDefinition<
  P extends TSchema,
  B extends TSchema,
  Q extends TSchema,
> extends RouteBase<P, B, Q> {
  /** After `/api/organizations/:slug`, e.g. `/partners/:id`. */
  path: string;
  /** The role the caller needs there; `null` for a route anyone may call. */
  role: Role | null;
  handler(
    request: PluginRequest<Params<P> & { slug: string }, Static<B>, Static<Q>>,
    reply: PluginReply,
    organization: PluginOrganization,
  ): Promise<unknown>;
}

/**
 * What a plugin's `routes` function registers its routes with.
 * `challengeRoute` needs the `challenges` capability and
 * `organizationRoute` the `organizations` one, declared in the manifest.
 */
export interface PluginRouter {
  route<
    P extends TSchema = TObject<Record<never, never>>,
    B extends TSchema = TUnknown,
    Q extends TSchema = TObject<Record<never, never>>,
  >(
    definition: RouteDefinition<P, B, Q>,
  ): void;
  challengeRoute<
    P extends TSchema = TObject<Record<never, never>>,
    B extends TSchema = TUnknown,
    Q extends TSchema = TObject<Record<never, never>>,
  >(
    definition: ChallengeRouteDefinition<P, B, Q>,
  ): void;
  organizationRoute<
    P extends TSchema = TObject<Record<never, never>>,
    B extends TSchema = TUnknown,
    Q extends TSchema = TObject<Record<never, never>>,
  >(
    definition: OrganizationRouteDefinition<P, B, Q>,
  ): void;
  /** Runs once the app is ready, before it listens (start-up upkeep of the plugin's tables). */
  onReady(hook: () => Promise<void>): void;
}
