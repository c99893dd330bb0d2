/**
 * Writes docs/errors.md and docs/events.md from core's catalogues
 * (`npm run docs:catalogue`); core/src/catalogue-docs.test.ts fails when
 * the committed documents differ from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc, renderEventsDoc } from '../core/src/catalogue-docs.js';

const docs = new URL('../docs/', import.meta.url);
writeFileSync(new URL('errors.md', docs), renderErrorsDoc());
writeFileSync(new URL('events.md', docs), renderEventsDoc());
console.log('wrote docs/errors.md and docs/events.md');
