/**
 * Mounts a plugin's routes: one encapsulated Fastify context per plugin,
 * under `/api`, built from what the plugin registered on its SDK router.
 * The route helpers' preludes (find the organization and require a role;
 * load the challenge and check its action type) run here, once, for every
 * plugin (ADR 0019).
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { TandemError } from '../errors.js';
import type { App } from '../http/app.js';
import type { PluginChallenge, PluginContext, PluginOrganization } from '../sdk/capabilities.js';
import type { PluginRoutes } from '../sdk/manifest.js';
import type {
  ChallengeRouteDefinition,
  OrganizationRouteDefinition,
  PluginReply,
  PluginRequest,
  PluginRouter,
  RouteDefinition,
} from '../sdk/routes.js';
import { requireCapability, type CapabilityHolder } from './capabilities.js';

/** What the mount needs of a plugin. */
export interface RoutedPlugin extends CapabilityHolder {
  readonly routePrefix: string;
  readonly routes?: PluginRoutes;
}

/** Where every plugin's encapsulated context is mounted; routes are relative to it. */
const API_PREFIX = '/api';

const SlugParam = { slug: Type.String({ minLength: 1, maxLength: 100 }) };
const IdParam = { id: Type.String({ minLength: 1, maxLength: 100 }) };

type AnyRoute = RouteDefinition<TSchema, TSchema, TSchema>;
type AnyChallengeRoute = ChallengeRouteDefinition<TSchema, TSchema, TSchema>;
type AnyOrganizationRoute = OrganizationRouteDefinition<TSchema, TSchema, TSchema>;

/** The route's params schema with the helper's own parameter first. */
function withParam(own: Record<string, TSchema>, params: TSchema | undefined): TObject {
  const extra = (params as TObject | undefined)?.properties ?? {};
  return Type.Object({ ...own, ...extra });
}

function checkPath(plugin: RoutedPlugin, path: string): void {
  if (path !== '' && !/^[/.]/.test(path)) {
    throw new TandemError(
      'TANDEM_PLUGIN_INVALID',
      `plugin "${plugin.id}": route path "${path}" must start with "/" (or "." for a suffix such as ".geojson")`,
    );
  }
}

/** Fastify's request and reply, as the SDK's narrower types (they are structurally wider). */
const asPluginRequest = (request: FastifyRequest) => request as unknown as PluginRequest<never>;
const asPluginReply = (reply: FastifyReply) => reply as unknown as PluginReply;

/**
 * Registers `plugin`'s routes on `app`, in a context of their own.
 *
 * @throws TandemError `TANDEM_PLUGIN_INVALID` when a route helper needs a
 *   capability the plugin did not declare, or a path is malformed
 */
export async function mountPluginRoutes(
  app: App,
  plugin: RoutedPlugin,
  context: PluginContext,
  helpers: {
    organizations: PluginContext<'organizations'>['organizations'];
    challenges: PluginContext<'challenges'>['challenges'];
  },
): Promise<void> {
  const routes = plugin.routes;
  if (!routes) return;
  const ownPrefix = plugin.routePrefix.slice(API_PREFIX.length);
  await app.register(
    async (scope) => {
      const add = (
        definition: { method: string; schema: object; onRequest?: unknown; bodyLimit?: number },
        url: string,
        schema: object,
        handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
      ) => {
        const options: RouteOptions = {
          method: definition.method,
          url,
          schema,
          handler,
          ...(definition.onRequest
            ? { onRequest: definition.onRequest as RouteOptions['onRequest'] }
            : {}),
          ...(definition.bodyLimit !== undefined ? { bodyLimit: definition.bodyLimit } : {}),
        };
        scope.route(options);
      };

      const router: PluginRouter = {
        route(definition) {
          const route = definition as unknown as AnyRoute;
          checkPath(plugin, route.url);
          add(route, `${ownPrefix}${route.url}`, route.schema, (request, reply) =>
            route.handler(asPluginRequest(request), asPluginReply(reply)),
          );
        },
        organizationRoute(definition) {
          const route = definition as unknown as AnyOrganizationRoute;
          requireCapability(plugin, 'organizations');
          checkPath(plugin, route.path);
          const schema = { ...route.schema, params: withParam(SlugParam, route.schema.params) };
          add(route, `/organizations/:slug${route.path}`, schema, async (request, reply) => {
            const { slug } = request.params as { slug: string };
            const organization: PluginOrganization = await helpers.organizations.findBySlug(slug);
            if (route.role !== null) {
              helpers.organizations.requireRole(request.viewer, organization.id, route.role);
            }
            return route.handler(asPluginRequest(request), asPluginReply(reply), organization);
          });
        },
        challengeRoute(definition) {
          const route = definition as unknown as AnyChallengeRoute;
          requireCapability(plugin, 'challenges');
          if (route.role !== undefined) requireCapability(plugin, 'organizations');
          checkPath(plugin, route.path);
          const schema = { ...route.schema, params: withParam(IdParam, route.schema.params) };
          add(route, `/challenges/:id${route.path}`, schema, async (request, reply) => {
            const { id } = request.params as { id: string };
            const { viewer } = request;
            if (route.signIn && viewer.kind === 'anonymous') {
              throw new TandemError('TANDEM_AUTH_REQUIRED', 'Sign in to do this.');
            }
            const challenge: PluginChallenge =
              route.load === 'writable'
                ? await helpers.challenges.loadWritable(viewer, id)
                : await helpers.challenges.loadVisible(viewer, id);
            if (route.role !== undefined) {
              helpers.organizations.requireRole(viewer, challenge.organizationId, route.role);
            }
            if (challenge.actionType !== plugin.id) {
              const message = `Challenge "${id}" is a "${challenge.actionType}" challenge, not a "${plugin.id}" one.`;
              throw route.otherActionType === 'conflict'
                ? new TandemError('TANDEM_CHALLENGE_WRONG_ACTION_TYPE', message)
                : new TandemError('TANDEM_NOT_FOUND', message);
            }
            return route.handler(asPluginRequest(request), asPluginReply(reply), challenge);
          });
        },
        onReady(hook) {
          scope.addHook('onReady', hook);
        },
      };
      await routes(router, context);
    },
    { prefix: API_PREFIX },
  );
}
