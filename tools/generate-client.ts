// Regenerates @tandem/client's types from the document the server serves
// (`npm run client:generate`); apps/server/test/client.test.ts fails when
// the committed file and the served document drift apart.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLIENT_SCHEMA_PATH, clientSchemaSource, servedDocument } from './client-schema.js';

const root = join(import.meta.dirname, '..');
const source = await clientSchemaSource(await servedDocument());
await writeFile(join(root, CLIENT_SCHEMA_PATH), source);
console.log(`wrote ${CLIENT_SCHEMA_PATH}`);
