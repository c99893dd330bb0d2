import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { startTestPlatform } from '@tandem/core/testing';
import { plugins } from '../apps/server/src/tandem.config.js';

/** Where the generated types of `@tandem/client` live, from the repository root. */
export const CLIENT_SCHEMA_PATH = 'client/src/schema.ts';

/**
 * The OpenAPI document this server serves at `/docs/json`, with every
 * plugin of `tandem.config.ts`, read from a throwaway platform (its own
 * database) so no running server is needed.
 */
export async function servedDocument(): Promise<Record<string, unknown>> {
  const platform = await startTestPlatform({ plugins });
  try {
    const response = await platform.app.inject({ method: 'GET', url: '/docs/json' });
    if (response.statusCode !== 200) {
      throw new Error(`GET /docs/json answered ${response.statusCode}`);
    }
    return response.json() as Record<string, unknown>;
  } finally {
    await platform.stop();
  }
}

/**
 * The TypeScript source of `@tandem/client`'s types for a document: what
 * `npm run client:generate` writes and what the drift test compares with
 * the committed file, formatted as the repository formats it.
 */
export async function clientSchemaSource(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as never, { alphabetize: true });
  const options = await resolveConfig(CLIENT_SCHEMA_PATH);
  return format(`${COMMENT_HEADER}${astToString(ast)}`, { ...options, parser: 'typescript' });
}
