import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { paths, components, operations } from './schema.js';

/**
 * A typed client for Tandem's HTTP API: every path, parameter, body and
 * answer comes from the OpenAPI document the server serves at `/docs/json`
 * (regenerated with `npm run client:generate`; a test fails when they drift).
 *
 * @example
 * const tandem = createTandemClient({ baseUrl: 'https://defis.example.org' });
 * const { data, error } = await tandem.GET('/api/challenges/{id}', {
 *   params: { path: { id: challengeId } },
 * });
 * if (data) console.log(data.progress.participants);
 */
export function createTandemClient(options: ClientOptions = {}) {
  return createClient<paths>(options);
}

/** The client {@link createTandemClient} returns. */
export type TandemClient = ReturnType<typeof createTandemClient>;
