/**
 * Writes docs/errors.md and docs/events.md from core's catalogues, and
 * docs/factors.md from the factors the server's plugins declare
 * (`npm run docs:catalogue`); core/src/catalogue-docs.test.ts and
 * apps/server/test/factors-doc.test.ts fail when a committed document
 * differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { plugins } from '../apps/server/src/tandem.config.js';
import { renderErrorsDoc, renderEventsDoc, renderFactorsDoc } from '../core/src/catalogue-docs.js';
import type { ActionType } from '../core/src/sdk/action-type.js';

const docs = new URL('../docs/', import.meta.url);
writeFileSync(new URL('errors.md', docs), renderErrorsDoc());
writeFileSync(new URL('events.md', docs), renderEventsDoc());
const actionTypes = plugins.filter((plugin): plugin is ActionType => plugin.kind === 'action-type');
writeFileSync(new URL('factors.md', docs), renderFactorsDoc(actionTypes));
console.log('wrote docs/errors.md, docs/events.md and docs/factors.md');
