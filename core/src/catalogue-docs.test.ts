import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc, renderEventsDoc } from './catalogue-docs.js';
import { coreErrors } from './errors.js';
import { coreEvents } from './events/catalogue.js';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

describe('the catalogue documents', () => {
  it('docs/errors.md is what the error catalogue renders (run `npm run docs:catalogue`)', () => {
    expect(doc('errors.md')).toBe(renderErrorsDoc());
  });

  it('docs/events.md is what the event catalogue renders (run `npm run docs:catalogue`)', () => {
    expect(doc('events.md')).toBe(renderEventsDoc());
  });

  it('documents every code and every event type', () => {
    for (const code of Object.keys(coreErrors)) expect(renderErrorsDoc()).toContain(`\`${code}\``);
    for (const event of coreEvents) expect(renderEventsDoc()).toContain(`\`${event.type}\``);
  });
});
