/**
 * The plugin SDK as `@tandem/core` exports it (what a plugin uses to declare
 * itself, from `core/src/sdk/`), and what an app uses to assemble plugins
 * before start-up. Loading this module installs the engine's validation
 * into the SDK.
 */
import './runtime.js';

export * from '../sdk/index.js';
export { pledgeOnly } from './pledge-only.js';
export {
  CORE_VERSION,
  createRegistry,
  type Plugin,
  type PluginRegistry,
  type RegistryOptions,
} from './registry.js';
