import { createPluginContext } from '../plugins/capabilities.js';
import type { Platform } from '../platform.js';
import type { PluginContext } from '../sdk/capabilities.js';

/**
 * The context a registered plugin's routes, jobs and handlers get on
 * `platform`, with the capabilities it declared, for tests that call a
 * plugin's functions directly.
 *
 * @throws Error when no plugin with this id is registered
 */
export function pluginContextOf(platform: Platform, pluginId: string): PluginContext {
  const plugin =
    platform.registry.findActionType(pluginId) ?? platform.registry.findIntegration(pluginId);
  if (!plugin) throw new Error(`no plugin "${pluginId}" is registered`);
  return createPluginContext(plugin, {
    ctx: platform.ctx,
    enqueue: (name, data, options) => platform.queue.enqueue(name, data, options),
  });
}
