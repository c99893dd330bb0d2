import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors.js';
import { defineActionType, defineIntegration, type ActionType } from './index.js';
import { pledgeOnly } from './pledge-only.js';
import { CORE_VERSION, createRegistry } from './registry.js';

function thrown(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TandemError) return error;
    throw error;
  }
  throw new Error('expected a TandemError, but nothing was thrown');
}

function actionType(id: string, coreRange?: string): ActionType {
  return defineActionType({
    id,
    version: '1.0.0',
    ...(coreRange !== undefined ? { coreRange } : {}),
    title: { fr: id, en: id },
    unit: null,
  });
}

const crmSync = defineIntegration({
  id: 'crm-sync',
  version: '1.0.0',
  title: { fr: 'Synchro CRM', en: 'CRM sync' },
});

describe('CORE_VERSION', () => {
  it('is the version in core/package.json', () => {
    const packageJson = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { name: string; version: string };
    expect(packageJson.name).toBe('@tandem/core');
    expect(CORE_VERSION).toBe(packageJson.version);
  });
});

describe('createRegistry', () => {
  it('registers action types and integrations and finds them', () => {
    const bike = actionType('bike');
    const registry = createRegistry().register(pledgeOnly).register(bike).register(crmSync);
    expect(registry.coreVersion).toBe(CORE_VERSION);
    expect(registry.actionType('bike')).toBe(bike);
    expect(registry.findActionType('pledge-only')).toBe(pledgeOnly);
    expect(registry.findActionType('crm-sync')).toBeUndefined();
    expect(registry.findActionType('car')).toBeUndefined();
    expect(registry.actionTypes()).toEqual([pledgeOnly, bike]);
    expect(registry.integrations()).toEqual([crmSync]);
    expect(registry.integration('crm-sync')).toBe(crmSync);
    expect(registry.findIntegration('bike')).toBeUndefined();
  });

  it('returns copies of its lists', () => {
    const registry = createRegistry().register(pledgeOnly);
    registry.actionTypes().pop();
    expect(registry.actionTypes()).toEqual([pledgeOnly]);
  });

  it('refuses a second plugin with the same id', () => {
    const registry = createRegistry().register(actionType('bike'));
    expect(thrown(() => registry.register(actionType('bike'))).code).toBe(
      'TANDEM_PLUGIN_DUPLICATE',
    );
  });

  it('refuses the same id across action types and integrations', () => {
    const registry = createRegistry().register(crmSync);
    expect(thrown(() => registry.register(actionType('crm-sync'))).code).toBe(
      'TANDEM_PLUGIN_DUPLICATE',
    );
  });

  it.each([
    ['0.1.0', '^0.1.0', true],
    ['0.1.0', '*', true],
    ['0.1.0', '>=0.1.0 <1.0.0', true],
    ['0.1.0', '^1.0.0', false],
    ['0.2.0', '^0.1.0', false],
    ['1.4.0', '^0.1.0 || ^1.0.0', true],
  ])('with core %s, a plugin for %j is compatible: %s', (coreVersion, coreRange, compatible) => {
    const registry = createRegistry({ coreVersion });
    const register = () => registry.register(actionType('bike', coreRange));
    if (compatible) {
      register();
      expect(registry.findActionType('bike')).toBeDefined();
    } else {
      const error = thrown(register);
      expect(error.code).toBe('TANDEM_PLUGIN_INCOMPATIBLE');
      expect(error.message).toContain(coreRange);
      expect(error.message).toContain(coreVersion);
      expect(registry.findActionType('bike')).toBeUndefined();
    }
  });

  it('refuses an invalid core version', () => {
    expect(thrown(() => createRegistry({ coreVersion: 'next' })).code).toBe(
      'TANDEM_CONFIG_INVALID',
    );
  });

  it.each([
    ['a hand-made action type', { ...actionType('bike') }],
    ['a hand-made integration', { ...crmSync }],
    ['null', null],
  ])('refuses %s', (_name, plugin) => {
    expect(thrown(() => createRegistry().register(plugin as never)).code).toBe(
      'TANDEM_PLUGIN_INVALID',
    );
  });

  it('refuses to register once frozen', () => {
    const registry = createRegistry().register(pledgeOnly);
    expect(registry.isFrozen).toBe(false);
    expect(registry.freeze()).toBe(registry);
    expect(registry.isFrozen).toBe(true);
    expect(thrown(() => registry.register(actionType('bike'))).code).toBe('TANDEM_PLUGIN_INVALID');
    expect(registry.actionType('pledge-only')).toBe(pledgeOnly);
  });

  it('answers an unknown action type as a bad request naming actionType and the known ones', () => {
    const registry = createRegistry().register(actionType('car-free')).register(pledgeOnly);
    const error = thrown(() => registry.actionType('bikes'));
    expect(error.code).toBe('TANDEM_REQUEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.details?.[0]?.path).toBe('actionType');
    expect(error.message).toBe(
      'actionType: unknown action type "bikes" (known: car-free, pledge-only)',
    );
  });

  it('does not return an integration as an action type', () => {
    const registry = createRegistry().register(crmSync);
    expect(thrown(() => registry.actionType('crm-sync')).code).toBe('TANDEM_REQUEST_INVALID');
  });

  it('reports an unknown integration as a plugin error', () => {
    expect(thrown(() => createRegistry().integration('crm')).code).toBe('TANDEM_PLUGIN_UNKNOWN');
  });
});
