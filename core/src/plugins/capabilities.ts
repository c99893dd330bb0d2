/**
 * The engine's side of the SDK's capabilities: each narrow interface a
 * plugin may declare, implemented on core's services and store. A plugin's
 * context holds the capabilities it declared; reaching for another throws
 * `TANDEM_PLUGIN_INVALID` naming the plugin and the capability (ADR 0019).
 */
import { parseEmailField, storedEmail } from '../domain/email.js';
import { TandemError } from '../errors.js';
import { isSealed } from '../keyring.js';
import type { EnqueueOptions } from '../jobs/queue.js';
import type { CapabilityMap, CapabilityName, PluginContext } from '../sdk/capabilities.js';
import { CAPABILITY_NAMES } from '../sdk/capabilities.js';
import type { Sql } from '../sdk/people.js';
import { hasRole, requireRole } from '../services/access.js';
import type { ServiceContext, Viewer } from '../services/context.js';
import * as services from '../services/index.js';
import type { Tx } from '../store/database.js';

/** What the engine hands the capabilities: the services' context and the queue. */
export interface CapabilityDependencies {
  ctx: ServiceContext;
  /** Enqueues a job by its full name (`<plugin>.<job>`). */
  enqueue(name: string, data: Record<string, unknown>, options?: EnqueueOptions): Promise<void>;
}

/** What a plugin declared and is called by, as the capabilities need it. */
export interface CapabilityHolder {
  readonly id: string;
  readonly capabilities: readonly CapabilityName[];
}

/** The error for a capability a plugin uses without declaring it. */
export function undeclaredCapability(pluginId: string, name: string): TandemError {
  return new TandemError(
    'TANDEM_PLUGIN_INVALID',
    `plugin "${pluginId}" uses the "${name}" capability without declaring it: add it to the manifest's capabilities`,
    [{ path: 'capabilities', message: `must include "${name}"`, plugin: pluginId }],
  );
}

/**
 * The transactions `tables.transaction` handed to plugins: a service a
 * plugin calls with `{ tx }` joins that unit of work (its events are
 * announced when it commits), and a handle from anywhere else is refused.
 */
const handedOut = new WeakMap<Sql, Tx>();

function joinedTx(pluginId: string, sql: Sql | undefined): Tx | undefined {
  if (sql === undefined) return undefined;
  const tx = handedOut.get(sql);
  if (!tx) {
    throw new TandemError(
      'TANDEM_PLUGIN_INVALID',
      `plugin "${pluginId}" passed a transaction that tables.transaction did not hand it`,
    );
  }
  return tx;
}

const viewerOf = (by: Viewer | 'platform'): Viewer => (by === 'platform' ? services.asAdmin : by);

/**
 * Every capability, as the engine's own code (the route helpers) uses them
 * for `plugin`; plugins get them through {@link createPluginContext}.
 */
export function buildCapabilities(
  plugin: CapabilityHolder,
  deps: CapabilityDependencies,
): CapabilityMap {
  const { ctx } = deps;
  return {
    tables: {
      query: (sql, params) => ctx.db.query(sql, params),
      // Its commit announces the events services appended inside it (ADR 0021).
      transaction: (fn) =>
        ctx.db.transaction((tx) => {
          handedOut.set(tx, tx);
          return fn(tx);
        }),
    },
    organizations: {
      findBySlug: (slug) => services.findOrganization(ctx.db, slug),
      hasRole: (viewer, organizationId, minimum) => hasRole(viewer, organizationId, minimum),
      requireRole: (viewer, organizationId, minimum) =>
        requireRole(viewer, organizationId, minimum),
    },
    challenges: {
      loadVisible: async (viewer, id) =>
        pluginChallenge((await services.loadVisibleChallenge(ctx, viewer, id)).challenge),
      loadWritable: async (viewer, id) =>
        pluginChallenge((await services.loadWritableChallenge(ctx, viewer, id)).challenge),
      async view(id) {
        try {
          const view = await services.getChallenge(ctx, services.asAdmin, id);
          return {
            ...pluginChallenge(view),
            unit: view.unit,
            progress: {
              participants: view.progress.participants,
              quantity: view.progress.quantity,
            },
          };
        } catch (error) {
          if (error instanceof TandemError && error.code === 'TANDEM_NOT_FOUND') return null;
          throw error;
        }
      },
    },
    contributions: {
      record: (by, challengeId, input, options = {}) =>
        services.recordContribution(
          ctx,
          viewerOf(by),
          challengeId,
          input,
          joinedTx(plugin.id, options.tx),
        ),
    },
    participants: {
      async upsertByEmail(email, options = {}) {
        const address = parseEmailField(email, 'email');
        const write = (tx: Sql) => services.upsertParticipant(tx, ctx.keyring, { email: address });
        const joined = joinedTx(plugin.id, options.tx);
        const participant = joined
          ? await write(joined)
          : await ctx.db.transaction((tx) => write(tx));
        return { id: participant.id };
      },
    },
    enrolments: {
      enrol: (viewer, challengeId, input) =>
        services.enrolResident(ctx, viewer, challengeId, input),
    },
    mail: {
      async send(mail) {
        const to = storedEmail(mail.to);
        if (!to)
          throw new Error(
            `plugin "${plugin.id}" mails ${JSON.stringify(mail.to)}, which is not an address`,
          );
        await ctx.mailer.send({
          to,
          subject: mail.subject,
          text: mail.text,
          purpose: mail.purpose,
          ...(mail.html !== undefined ? { html: mail.html } : {}),
        });
      },
    },
    jobs: {
      enqueue: (job, data, options) => deps.enqueue(`${plugin.id}.${job}`, data, options),
    },
    secrets: {
      seal: (plaintext, context) => ctx.keyring.seal(plaintext, context),
      open: (sealed, context) => ctx.keyring.open(sealed, context),
      isSealed: (value) => isSealed(value),
    },
  };
}

function pluginChallenge(challenge: {
  id: string;
  campaignId: string;
  organizationId: string;
  title: string;
  status: string;
  actionType: string;
  actionSettings: Record<string, unknown>;
}) {
  return {
    id: challenge.id,
    campaignId: challenge.campaignId,
    organizationId: challenge.organizationId,
    title: challenge.title,
    status: challenge.status,
    actionType: challenge.actionType,
    actionSettings: challenge.actionSettings,
  };
}

/**
 * The context a plugin's routes, jobs and event handlers receive: its id,
 * the clock, the public URL and the capabilities it declared. The others
 * are there as getters that throw, so the mistake names itself at the
 * first call rather than as `undefined is not a function`.
 */
export function createPluginContext(
  plugin: CapabilityHolder,
  deps: CapabilityDependencies,
): PluginContext {
  const all = buildCapabilities(plugin, deps);
  const context: Record<string, unknown> = {};
  Object.defineProperties(context, {
    pluginId: { value: plugin.id, enumerable: true },
    now: { value: () => deps.ctx.now(), enumerable: true },
    publicUrl: { value: deps.ctx.config.publicUrl, enumerable: true },
  });
  for (const name of CAPABILITY_NAMES) {
    const declared = plugin.capabilities.includes(name);
    Object.defineProperty(context, name, {
      enumerable: declared,
      get: () => {
        if (!declared) throw undeclaredCapability(plugin.id, name);
        return all[name];
      },
    });
  }
  return Object.freeze(context) as unknown as PluginContext;
}

/** Throws unless `plugin` declared `name` (the route helpers' own check, at registration). */
export function requireCapability(plugin: CapabilityHolder, name: CapabilityName): void {
  if (!plugin.capabilities.includes(name)) throw undeclaredCapability(plugin.id, name);
}

/**
 * A job's context: the plugin's, plus the attempt number. Built on the
 * plugin's context rather than copied from it, so that an undeclared
 * capability still throws its named error inside a job.
 */
export function jobContext(
  context: PluginContext,
  attempt: number,
): PluginContext & { readonly attempt: number } {
  return Object.freeze(
    Object.create(context, { attempt: { value: attempt, enumerable: true } }) as PluginContext & {
      readonly attempt: number;
    },
  );
}
