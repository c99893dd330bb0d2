/**
 * The reference campaigns of DESIGN.md as runnable examples: each creates
 * its organization, campaign(s), challenges and beneficiaries and a
 * synthetic but plausible history whose totals match the published figures.
 * `npx tandem example <name>` loads one; see examples/<name>/README.md.
 */
import { services, type Platform } from '@tandem/core';
import { avufTour } from './avuf-tour.js';
import { bourgLaReineCoffee } from './bourg-la-reine-coffee.js';
import { clichyBike } from './clichy-bike.js';
import { geresMillion } from './geres-million.js';
import { grdfWeek } from './grdf-week.js';
import { humanisCommute } from './humanis-commute.js';
import { mediaterreCatalogue } from './mediaterre-catalogue.js';
import { noImpactWeek } from './no-impact-week.js';
import type { ExampleLoad, ReferenceExample } from './support.js';
import { syctomSorting } from './syctom-sorting.js';
import { veoliaEcodriving } from './veolia-ecodriving.js';

export { teamRanking, type TeamStanding } from './avuf-tour.js';
export {
  ExampleError,
  exampleMark,
  missingPlugins,
  type ExampleLoad,
  type LoadOptions,
  type ReferenceExample,
} from './support.js';

/** Every reference example, by the name `tandem example` takes. */
export const examples: Record<string, ReferenceExample> = Object.fromEntries(
  [
    clichyBike,
    bourgLaReineCoffee,
    syctomSorting,
    humanisCommute,
    grdfWeek,
    veoliaEcodriving,
    avufTour,
    mediaterreCatalogue,
    noImpactWeek,
    geresMillion,
  ].map((example) => [example.name, example]),
);

/** One line per example: its name, what it is, the organizations it creates. */
export function listExamples(): string[] {
  const width = Math.max(...Object.keys(examples).map((name) => name.length));
  return Object.values(examples).map((example) => {
    const [first, ...others] = example.organizations;
    const organizations =
      others.length === 0
        ? `organization ${first}`
        : `organizations ${first} and ${others.length} partners`;
    return `  ${example.name.padEnd(width)}  ${example.title} (${organizations})`;
  });
}

const figure = (value: number): string =>
  Number.isInteger(value)
    ? value.toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 1 });

/**
 * What to print after a load: what was loaded (or found), each campaign's
 * report (challenges and totals, as `GET /api/campaigns/{id}/report` gives
 * them), the sources of its CO2e factors, and the example's highlights.
 */
export async function describeLoad(
  platform: Platform,
  example: ReferenceExample,
  load: ExampleLoad,
): Promise<string[]> {
  const lines = [
    load.loaded
      ? `Loaded example "${example.name}": ${example.title}.`
      : `Example "${example.name}" was already loaded; nothing was added.`,
  ];
  for (const campaignId of load.campaignIds) {
    const report = await services.campaignReport(platform.ctx, services.asAdmin, campaignId);
    const organization = report.campaign.organization ?? '?';
    lines.push(
      '',
      `Campaign "${report.campaign.title}" (${campaignId}) — page /o/${organization}, report /api/campaigns/${campaignId}/report`,
    );
    for (const challenge of report.challenges) {
      const unlocked = challenge.tiers.filter((tier) => tier.unlockedAt).length;
      const quantity = challenge.unit ? `, ${figure(challenge.quantity)} ${challenge.unit}` : '';
      lines.push(
        `  - ${challenge.title} [${challenge.status}]: ${figure(challenge.participants)} participants${quantity}, ${figure(challenge.co2eKg)} kg CO2e, ${unlocked}/${challenge.tiers.length} tier(s) unlocked`,
      );
      // Open with a deadline: where the story's pace leads.
      const { forecast } = await services.getChallenge(
        platform.ctx,
        services.asAdmin,
        challenge.id,
      );
      if (forecast) {
        lines.push(
          `    forecast at the deadline: ${figure(forecast.expectedAtDeadline.participants)} participants at the pace so far (${Math.round(forecast.elapsed * 100)} % of the time gone)`,
        );
      }
    }
    const quantities = Object.entries(report.totals.quantityByUnit)
      .map(([unit, value]) => `${figure(value)} ${unit}`)
      .join(', ');
    lines.push(
      `  Totals: ${figure(report.totals.participants)} distinct participants${quantities ? `, ${quantities}` : ''}, ${figure(report.totals.co2eKg)} kg CO2e`,
    );
    for (const source of report.sources) {
      if (source.factors.length === 0) continue;
      lines.push(`  CO2e factors of ${source.actionType} ${source.version}:`);
      for (const factor of source.factors) {
        lines.push(
          `    ${factor.label}: ${factor.value} ${factor.unit} (${factor.source}, ${factor.datasetId}, ${factor.versionDate})`,
        );
      }
    }
  }
  if (example.highlights) {
    const extra = await example.highlights(platform, load.campaignIds);
    if (extra.length > 0) lines.push('', ...extra);
  }
  return lines;
}
