/**
 * `docs/errors.md`, `docs/events.md` and `docs/factors.md`, rendered from the catalogues so the
 * documents cannot drift from the code: `npm run docs:catalogue` writes
 * them, and `catalogue-docs.test.ts` fails when a committed one is stale.
 */
import { coreErrors } from './errors.js';
import { coreEvents } from './events/catalogue.js';
import type { ActionType } from './sdk/action-type.js';
import type { EventDefinition } from './sdk/events.js';

const GENERATED = '<!-- Generated from the catalogue by `npm run docs:catalogue`; do not edit. -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The Markdown of `docs/errors.md`. */
export function renderErrorsDoc(): string {
  const rows = Object.values(coreErrors).map(
    (e) => `| \`${e.code}\` | ${e.status} | ${cell(e.description)} |`,
  );
  return [
    '# Error codes',
    '',
    GENERATED,
    '',
    'Every error answer is `{ "error": "<code>", "message": "<sentence>", "details"?: [...] }`',
    '(API.md, Errors). The code says why, one code per reason, and carries its HTTP',
    'status; the sentence is for people and may change, so clients and tests rely on',
    'the code. A validation error (`TANDEM_REQUEST_INVALID`) names each field in',
    '`details` as `{ path, message }`.',
    '',
    'Plugins add codes of their own with `definePluginErrors(pluginId, …)`; theirs',
    'read `TANDEM_<PLUGIN_ID>_<REASON>` and are listed in each plugin’s README.',
    'Codes marked deprecated are generic ones kept for call sites not yet given',
    'a precise code; see docs/decisions/0022-one-catalogue-of-events-and-errors.md.',
    '',
    '| code | status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** A payload schema's fields, one per line: `name` (type, optional) — description. */
function fieldsOf(definition: EventDefinition): string {
  const properties = definition.payload.properties as Record<
    string,
    { type?: unknown; anyOf?: { type?: unknown; const?: unknown }[]; description?: string }
  >;
  const required = new Set(definition.payload.required ?? []);
  const typeOf = (schema: {
    type?: unknown;
    const?: unknown;
    anyOf?: { type?: unknown; const?: unknown }[];
  }): string => {
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
    return typeof schema.type === 'string' ? schema.type : 'value';
  };
  return Object.entries(properties)
    .map(([name, schema]) => {
      const optional = required.has(name) ? '' : ', optional';
      const description = schema.description ? ` — ${cell(schema.description)}` : '';
      return `\`${name}\` (${typeOf(schema)}${optional})${description}`;
    })
    .join('<br>');
}

/** The Markdown of `docs/events.md`. */
export function renderEventsDoc(): string {
  const rows = coreEvents.map((e) => {
    const effects = [
      e.evaluates ? 'evaluates goals' : null,
      e.liveFrame ? `live \`${e.liveFrame}\` frame` : null,
      e.notifies ? 'mails' : null,
    ].filter((x): x is string => x !== null);
    return `| \`${e.type}\` | ${cell(e.description)} | ${fieldsOf(e)} | ${effects.join(', ') || '—'} |`;
  });
  return [
    '# Events',
    '',
    GENERATED,
    '',
    'Each event is written to the outbox in the same transaction as the change it',
    'describes, then relayed at least once to workers, integrations, mail and live',
    'pages. Besides its payload an event carries its `id`, `type`, `challengeId`,',
    '`organizationId` and `createdAt`. Payloads hold ids, numbers and dates only,',
    'never an e-mail or a name. Each type is defined once, with the TypeBox schema of',
    'its payload, in `core/src/events/catalogue.ts`; appending a payload that does',
    'not match is a compile error and is refused at run time.',
    '',
    'Plugins declare their own with `definePluginEvent(pluginId, name, schema, …)`;',
    'their types read `<plugin-id>.<name>` (`bike-km.trip_logged`).',
    '',
    '"Live frame": the frame the event becomes on its challenge’s stream',
    '(`GET /api/challenges/{id}/events`); every other event only refreshes progress.',
    '',
    '| type | what happened | payload | what follows |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const FACTORS_GENERATED =
  '<!-- Generated from the plugins’ declared factors by `npm run docs:catalogue`; do not edit. -->';

/** A number as written in the table: no exponent, no trailing zeros. */
const figure = (value: number): string =>
  Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));

/**
 * The Markdown of `docs/factors.md`: every factor the given action types
 * declare (ADR 0045), with value, unit, source, dataset identifier, release
 * and note, one table per action type.
 */
export function renderFactorsDoc(actionTypes: readonly ActionType[]): string {
  const sections = actionTypes
    .filter((type) => type.factors.length > 0)
    .flatMap((type) => [
      `## \`${type.id}\` — ${type.title.en}`,
      '',
      '| key | value | unit | source | dataset id | version | note |',
      '| --- | ---: | --- | --- | --- | --- | --- |',
      ...type.factors.map(
        (f) =>
          `| \`${f.key}\` | ${figure(f.value)} | ${cell(f.unit)} | ${cell(f.source)} | ${cell(f.datasetId)} | ${f.versionDate} | ${cell(f.note ?? '')} |`,
      ),
      '',
    ]);
  return [
    '# Emission factors',
    '',
    FACTORS_GENERATED,
    '',
    'Every CO2e figure Tandem reports is computed from one of these factors (or',
    'assumptions), as each action type declares them in its manifest. Each names',
    'its publisher and dataset, its identifier in that dataset and the release',
    '(version date) its value comes from, so that a sponsor can look it up.',
    '',
    'A contribution keeps a reference to the version of each factor it was',
    'computed with; a factor changed later never rewrites what was recorded, and',
    'a campaign report (`factorsUsed`, and its PDF) lists every version its',
    'figures rest on. The choices behind these values are in',
    'docs/decisions/0045-factors-a-sponsor-can-check.md.',
    '',
    ...sections,
  ].join('\n');
}
