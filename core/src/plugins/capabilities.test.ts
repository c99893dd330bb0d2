import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import type { App } from '../http/app.js';
import type { ServiceContext } from '../services/context.js';
import { buildCapabilities, createPluginContext, jobContext } from './capabilities.js';
import { defineIntegration, type PluginRoutes } from './index.js';
import { mountPluginRoutes } from './routes.js';

// The declaration guard only: nothing here reaches a database or a queue,
// which the plugins' own suites exercise for real through these contexts.
const ctx = {
  now: () => new Date('2026-01-01T00:00:00Z'),
  config: { publicUrl: 'https://tandem.test' },
} as unknown as ServiceContext;
const deps = { ctx, enqueue: async () => undefined };

function refusal(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected a TandemError');
}

const probe = (
  capabilities: Parameters<typeof defineIntegration>[0]['capabilities'],
  routes?: PluginRoutes,
) =>
  defineIntegration({
    id: 'probe',
    version: '1.0.0',
    title: { fr: 'Sonde', en: 'Probe' },
    ...(capabilities ? { capabilities } : {}),
    ...(routes ? { routes } : {}),
  });

describe('a plugin context', () => {
  it('holds the basics and the capabilities the plugin declared', () => {
    const context = createPluginContext(probe(['tables', 'jobs']), deps);
    expect(context.pluginId).toBe('probe');
    expect(context.publicUrl).toBe('https://tandem.test');
    expect(context.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(typeof context.tables.query).toBe('function');
    expect(typeof context.jobs.enqueue).toBe('function');
    expect(Object.keys(context).sort()).toEqual(['jobs', 'now', 'pluginId', 'publicUrl', 'tables']);
  });

  it('refuses a capability the plugin did not declare, naming it', () => {
    const context = createPluginContext(probe(['tables']), deps);
    const error = refusal(() => context.mail);
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.message).toContain('plugin "probe" uses the "mail" capability');
    expect(error.details).toEqual([
      { path: 'capabilities', message: 'must include "mail"', plugin: 'probe' },
    ]);
    expect(() => createPluginContext(probe(undefined), deps).tables).toThrow(/"tables" capability/);
  });

  it('keeps the refusal inside a job, beside the attempt number', () => {
    const context = jobContext(createPluginContext(probe(['tables']), deps), 2);
    expect(context.attempt).toBe(2);
    expect(context.pluginId).toBe('probe');
    expect(typeof context.tables.query).toBe('function');
    expect(() => context.mail).toThrow(/"mail" capability/);
  });

  it('enqueues a job under the plugin id', async () => {
    const enqueued: string[] = [];
    const capabilities = buildCapabilities(probe(['jobs']), {
      ctx,
      enqueue: async (name) => {
        enqueued.push(name);
      },
    });
    await capabilities.jobs.enqueue('send-report', {});
    expect(enqueued).toEqual(['probe.send-report']);
  });
});

describe('manifest capabilities', () => {
  it.each([
    ['not a list', 'tables', 'capabilities'],
    ['an unknown name', ['tables', 'database'], 'capabilities[1]'],
    ['a name twice', ['mail', 'mail'], 'capabilities[1]'],
  ])('refuses %s', (_label, capabilities, path) => {
    const error = refusal(() => probe(capabilities as never));
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.details?.map((detail) => detail.path)).toEqual([path]);
  });

  it('refuses a route prefix outside /api, or one without routes', () => {
    const base = { id: 'probe', version: '1.0.0', title: { fr: 'Sonde', en: 'Probe' } };
    const outside = refusal(() =>
      defineIntegration({ ...base, routePrefix: '/admin/probe', routes: () => undefined }),
    );
    expect(outside.details?.map((detail) => detail.path)).toEqual(['routePrefix']);
    const alone = refusal(() => defineIntegration({ ...base, routePrefix: '/api/probe' }));
    expect(alone.details?.map((detail) => detail.path)).toEqual(['routePrefix']);
  });
});

describe('plugin routes', () => {
  async function mount(plugin: ReturnType<typeof probe>) {
    const app = Fastify() as unknown as App;
    try {
      await mountPluginRoutes(
        app,
        plugin,
        createPluginContext(plugin, deps),
        buildCapabilities(plugin, deps),
      );
      await app.ready();
      return app.printRoutes({ commonPrefix: false });
    } finally {
      await app.close();
    }
  }

  const access = { callers: {} };

  it('mounts own routes under the route prefix and helper routes under their resource', async () => {
    const routes = await mount(
      probe(['organizations', 'challenges'], (router) => {
        router.route({
          method: 'GET',
          url: '/status',
          schema: { 'x-tandem-access': access },
          handler: async () => ({}),
        });
        router.organizationRoute({
          method: 'GET',
          path: '/probes',
          role: 'admin',
          schema: { 'x-tandem-access': access },
          handler: async () => ({}),
        });
        router.challengeRoute({
          method: 'GET',
          path: '/probes',
          schema: { 'x-tandem-access': access },
          handler: async () => ({}),
        });
      }),
    );
    expect(routes).toContain('/api/probe/status (GET');
    expect(routes).toContain('/api/organizations/:slug/probes (GET');
    expect(routes).toContain('/api/challenges/:id/probes (GET');
  });

  it('refuses a helper whose capability the plugin did not declare, at registration', async () => {
    const plugin = probe(['tables'], (router) => {
      router.organizationRoute({
        method: 'GET',
        path: '/probes',
        role: null,
        schema: { 'x-tandem-access': access },
        handler: async () => ({}),
      });
    });
    await expect(mount(plugin)).rejects.toMatchObject({
      code: 'TANDEM_PLUGIN_INVALID',
      message: expect.stringContaining('"organizations" capability'),
    });
  });
});
