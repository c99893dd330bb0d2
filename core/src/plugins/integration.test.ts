import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import { defineIntegration } from './index.js';

function thrown(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected a TandemError, but nothing was thrown');
}

const crmManifest = {
  id: 'crm-sync',
  version: '0.3.0',
  title: { fr: 'Synchronisation CRM', en: 'CRM sync' },
  routes: () => undefined,
  on: { 'pledge.confirmed': () => undefined },
  jobs: { 'sync-contacts': async () => undefined },
};

describe('defineIntegration', () => {
  it('returns a frozen integration with its manifest and defaults', () => {
    const crm = defineIntegration(crmManifest);
    expect(crm.kind).toBe('integration');
    expect(crm.id).toBe('crm-sync');
    expect(crm.version).toBe('0.3.0');
    expect(crm.coreRange).toBe('*');
    expect(crm.routes).toBe(crmManifest.routes);
    expect(Object.keys(crm.on)).toEqual(['pledge.confirmed']);
    expect(Object.keys(crm.jobs)).toEqual(['sync-contacts']);
    expect(Object.isFrozen(crm)).toBe(true);
    expect(Object.isFrozen(crm.jobs)).toBe(true);
  });

  it('defaults on and jobs to empty records', () => {
    const bare = defineIntegration({
      id: 'bare',
      version: '1.0.0',
      coreRange: '^0.1.0',
      title: { fr: 'Nu', en: 'Bare' },
    });
    expect(bare.on).toEqual({});
    expect(bare.jobs).toEqual({});
    expect(bare.routes).toBeUndefined();
  });

  it.each([
    ['id not kebab-case', { id: 'crm_sync' }, 'id'],
    ['version not semver', { version: '0.3' }, 'version'],
    ['coreRange not understood', { coreRange: '>= one' }, 'coreRange'],
    ['title.en missing', { title: { fr: 'CRM' } }, 'title.en'],
    ['routes not a function', { routes: 'routes.ts' }, 'routes'],
    ['a job that is not a function', { jobs: { 'sync-contacts': 1 } }, 'jobs.sync-contacts'],
    ['jobs an array', { jobs: [] }, 'jobs'],
    ['an action type field', { unit: 'km' }, 'unit'],
  ])('refuses a manifest with %s', (_name, override, path) => {
    const error = thrown(() => defineIntegration({ ...crmManifest, ...override } as never));
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.details?.map((detail) => detail.path)).toContain(path);
  });

  const withTables = {
    migrations: [{ name: '0001_contacts', up: 'create table crm_sync_contact (id text)' }],
  };

  it('refuses a plugin with tables that does not say what they hold about people', () => {
    const error = thrown(() => defineIntegration({ ...crmManifest, ...withTables }));
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.details?.map((detail) => detail.path)).toEqual(['personalData']);
  });

  it('takes personal-data hooks, or "none", from a plugin with tables', () => {
    const hooks = { export: () => null, erase: () => undefined };
    const withHooks = defineIntegration({ ...crmManifest, ...withTables, personalData: hooks });
    expect(withHooks.personalData?.export).toBe(hooks.export);
    expect(withHooks.personalData?.erase).toBe(hooks.erase);
    expect(Object.isFrozen(withHooks.personalData)).toBe(true);
    const none = defineIntegration({ ...crmManifest, ...withTables, personalData: 'none' });
    expect(none.personalData).toBeNull();
    expect(defineIntegration(crmManifest).personalData).toBeNull();
  });

  const nothing = (): null => null;
  const noop = (): undefined => undefined;
  it.each<[string, unknown, string]>([
    ['a string other than "none"', 'nothing', 'personalData'],
    ['no erase hook', { export: nothing }, 'personalData.erase'],
    ['an export that is not a function', { export: {}, erase: noop }, 'personalData.export'],
    ['an unknown hook', { export: nothing, erase: noop, purge: noop }, 'personalData.purge'],
  ])('refuses personalData with %s', (_name, personalData, path) => {
    const error = thrown(() =>
      defineIntegration({ ...crmManifest, ...withTables, personalData } as never),
    );
    expect(error.code).toBe('TANDEM_PLUGIN_INVALID');
    expect(error.details?.map((detail) => detail.path)).toContain(path);
  });

  it('refuses a manifest that is not an object', () => {
    expect(thrown(() => defineIntegration(undefined as never)).code).toBe('TANDEM_PLUGIN_INVALID');
  });
});
