import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  CLIENT_SCHEMA_PATH,
  clientSchemaSource,
  servedDocument,
} from '../../../tools/client-schema.js';
import { repoRoot } from './process.js';

// @tandem/client (the site's and integrators' typed client) is generated
// from the served document; a route, field or status added without
// regenerating it would leave callers typed against an API that is gone.
it('@tandem/client is generated from the document the server serves', async () => {
  const expected = await clientSchemaSource(await servedDocument());
  const committed = await readFile(join(repoRoot, CLIENT_SCHEMA_PATH), 'utf8');
  expect(committed, 'client/src/schema.ts is stale: run `npm run client:generate`').toBe(expected);
}, 60_000);
