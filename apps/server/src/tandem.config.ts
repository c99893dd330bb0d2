import type { Plugin } from '@tandem/core';

/**
 * The plugins this Tandem runs with. The built-in `pledge-only` action type
 * is always present; add action types and integrations here, e.g.
 * `import { commute } from '@tandem/plugin-commute'`.
 */
export const plugins: Plugin[] = [];
