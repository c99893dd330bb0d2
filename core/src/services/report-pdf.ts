// pdfkit ships no types: this brings its declaration into every program that compiles
// this file, the site's type check of core's sources included.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../pdfkit.d.ts" />
import PDFDocument from 'pdfkit';
import type { Counterpart, Goal, Money } from '../domain/types.js';
import { formatDate, formatMoney, formatNumber, type MailLocale } from '../mail/format.js';
import type { ServiceContext, Viewer } from './context.js';
import { campaignReport, type CampaignReport, type ChallengeReport } from './reports.js';

/** The languages the PDF report is written in. */
export type ReportLocale = MailLocale;

/** What the PDF shows beside the report's figures: names the JSON report gives as ids. */
export interface ReportPdfNames {
  organizationName: string | null;
  /** Beneficiary names by id. */
  beneficiaries: ReadonlyMap<string, string>;
  /** Names of the organizations tiers name (sponsors, who declared delivery), by slug. */
  organizations: ReadonlyMap<string, string>;
  /** Action type titles by id, in the report's language. */
  actionTypes: ReadonlyMap<string, string>;
  /** Where the platform publishes its keys, for the paragraph on verifying. */
  publicUrl: string;
}

export interface ReportPdfOptions {
  locale: ReportLocale;
  /**
   * Deflate the page contents (default true). Tests turn it off to read
   * the text in the file.
   */
  compress?: boolean;
}

const words = {
  fr: {
    kicker: 'Tandem · rapport de campagne',
    organization: 'Organisation',
    period: 'Période',
    from: (start: string) => `à partir du ${start}`,
    until: (end: string) => `jusqu'au ${end}`,
    between: (start: string, end: string) => `du ${start} au ${end}`,
    noPeriod: 'non précisée',
    generated: 'Établi le',
    summary: 'En bref',
    people: 'Participants (personnes distinctes)',
    quantities: 'Quantités',
    avoided: 'Émissions évitées',
    none: 'aucune',
    challenges: 'Défis',
    noChallenge: "Aucun défi n'a encore été ouvert dans cette campagne.",
    action: 'Action',
    status: 'Statut',
    statuses: {
      draft: 'brouillon',
      open: 'ouvert',
      succeeded: 'réussi',
      failed: 'non atteint',
      fulfilled: 'contreparties réalisées',
    } as Record<string, string>,
    closedOn: (date: string) => `clos le ${date}`,
    participants: 'Participants',
    quantity: 'Quantité',
    co2e: 'CO2e évité',
    tier: (rank: number) => `Palier ${rank}`,
    goal: 'Objectif',
    goalPeople: (n: string) => `${n} participants`,
    goalAll: ' et ',
    goalAny: ' ou ',
    counterpart: 'Contrepartie',
    noCounterpart: 'aucune',
    donation: (amount: string, to: string) => `don de ${amount} à ${to}`,
    matching: (perUnit: string, unit: string, cap: string, to: string) =>
      `abondement de ${perUnit} par ${unit}, plafonné à ${cap}, pour ${to}`,
    act: (what: string) => `action : ${what}`,
    sponsor: 'Parrain',
    sponsorships: {
      accepted: 'accepté',
      proposed: 'proposé, pas encore accepté',
      declined: 'refusé',
    } as Record<string, string>,
    organizer: "l'organisateur",
    unlocked: (date: string) => `Débloqué le ${date}`,
    locked: 'Pas débloqué',
    owed: 'Montant dû (abondement, plafonné)',
    fulfilled: (date: string, by: string | null) =>
      by ? `Réalisé le ${date} (déclaré par ${by})` : `Réalisé le ${date}`,
    notFulfilled: 'Pas encore réalisé',
    proof: 'Preuve',
    proofFile: (hash: string) => `fichier, SHA-256 ${hash}`,
    factors: "Facteurs d'émission et sources",
    noFactors:
      'Aucun facteur : ces défis comptent des engagements, sans quantité convertie en CO2e.',
    source: 'source',
    dataset: 'identifiant',
    release: 'version',
    usedBy: (n: number) => (n === 1 ? '1 contribution' : `${n} contributions`),
    notInForce: 'version remplacée depuis',
    inForceOnly: 'en vigueur, encore utilisé par aucune contribution',
    verify: 'Vérifier ces chiffres',
    verifyText: (id: string, url: string) =>
      `Ces chiffres sont aussi servis signés par la plateforme (JWS, Ed25519) à /api/campaigns/${id}/attestation. ` +
      `L'attestation se vérifie avec « npx tandem verify <fichier> » ou toute bibliothèque JOSE, ` +
      `avec les clés publiques de ${url}/.well-known/jwks.json.`,
    page: (n: number, total: number) => `Page ${n} sur ${total}`,
    unitFallback: 'unité',
  },
  en: {
    kicker: 'Tandem · campaign report',
    organization: 'Organization',
    period: 'Period',
    from: (start: string) => `from ${start}`,
    until: (end: string) => `until ${end}`,
    between: (start: string, end: string) => `${start} to ${end}`,
    noPeriod: 'not set',
    generated: 'Generated on',
    summary: 'At a glance',
    people: 'Participants (distinct people)',
    quantities: 'Quantities',
    avoided: 'Emissions avoided',
    none: 'none',
    challenges: 'Challenges',
    noChallenge: 'No challenge of this campaign has been opened yet.',
    action: 'Action',
    status: 'Status',
    statuses: {
      draft: 'draft',
      open: 'open',
      succeeded: 'succeeded',
      failed: 'not reached',
      fulfilled: 'counterparts delivered',
    } as Record<string, string>,
    closedOn: (date: string) => `closed on ${date}`,
    participants: 'Participants',
    quantity: 'Quantity',
    co2e: 'CO2e avoided',
    tier: (rank: number) => `Tier ${rank}`,
    goal: 'Goal',
    goalPeople: (n: string) => `${n} participants`,
    goalAll: ' and ',
    goalAny: ' or ',
    counterpart: 'Counterpart',
    noCounterpart: 'none',
    donation: (amount: string, to: string) => `a donation of ${amount} to ${to}`,
    matching: (perUnit: string, unit: string, cap: string, to: string) =>
      `matching of ${perUnit} per ${unit}, capped at ${cap}, for ${to}`,
    act: (what: string) => `an act: ${what}`,
    sponsor: 'Sponsor',
    sponsorships: {
      accepted: 'accepted',
      proposed: 'proposed, not accepted yet',
      declined: 'declined',
    } as Record<string, string>,
    organizer: 'the organizer',
    unlocked: (date: string) => `Unlocked on ${date}`,
    locked: 'Not unlocked',
    owed: 'Owed (matching, capped)',
    fulfilled: (date: string, by: string | null) =>
      by ? `Delivered on ${date} (declared by ${by})` : `Delivered on ${date}`,
    notFulfilled: 'Not delivered yet',
    proof: 'Proof',
    proofFile: (hash: string) => `file, SHA-256 ${hash}`,
    factors: 'Emission factors and sources',
    noFactors: 'No factor: these challenges count pledges, with no quantity turned into CO2e.',
    source: 'source',
    dataset: 'identifier',
    release: 'version',
    usedBy: (n: number) => (n === 1 ? '1 contribution' : `${n} contributions`),
    notInForce: 'version since replaced',
    inForceOnly: 'in force, no contribution uses it yet',
    verify: 'Verifying these figures',
    verifyText: (id: string, url: string) =>
      `These figures are also served signed by the platform (JWS, Ed25519) at /api/campaigns/${id}/attestation. ` +
      `The attestation verifies with "npx tandem verify <file>" or any JOSE library, ` +
      `against the public keys at ${url}/.well-known/jwks.json.`,
    page: (n: number, total: number) => `Page ${n} of ${total}`,
    unitFallback: 'unit',
  },
} as const;

/**
 * Characters the PDF's built-in fonts can draw: the standard 14 fonts speak
 * WinAnsi (Latin-1 and a few more, € and œ among them). Anything else a
 * user typed (an emoji, a subscript ₂, another script) becomes "?", rather
 * than a wrong glyph; French narrow spaces become ordinary no-break ones.
 */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Text made safe for the standard fonts (see {@link WIN_ANSI_EXTRA}). */
export function winAnsi(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC').replace(/[\u202f\u2009\u2007]/g, '\u00a0')) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0x0a) out += '\n';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else if (code < 0x100 || WIN_ANSI_EXTRA.has(char)) out += char;
    else out += '?';
  }
  return out;
}

const COLORS = { text: '#1f2933', muted: '#52606d', rule: '#9aa5b1' };

/**
 * Draws the report as a PDF: the campaign, its period and totals, each
 * challenge's figures and tiers (goal, counterpart, sponsor, unlock, what
 * a matching tier owes, delivery and its proof), then the emission factors
 * and their sources, and how to verify the figures.
 */
export function renderReportPdf(
  report: CampaignReport,
  names: ReportPdfNames,
  options: ReportPdfOptions,
): Promise<Buffer> {
  const { locale } = options;
  const t = words[locale];
  const date = (iso: string) => formatDate(new Date(iso), locale);
  const number = (value: number, digits = 2) => formatNumber(value, locale, digits);
  const money = (value: Money) => formatMoney(value, locale);

  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 56, right: 56 },
    compress: options.compress ?? true,
    bufferPages: true,
    lang: locale,
    displayTitle: true,
    info: {
      Title: winAnsi(report.campaign.title),
      Author: winAnsi(names.organizationName ?? report.campaign.organization ?? 'Tandem'),
      Subject: t.kicker,
      Creator: 'Tandem',
      Producer: 'Tandem',
      CreationDate: new Date(report.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = () => doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const left = () => doc.page.margins.left;
  const write = (text: string, size = 10, font = 'Helvetica', color = COLORS.text) =>
    doc
      .font(font)
      .fontSize(size)
      .fillColor(color)
      .text(winAnsi(text), left(), doc.y, { width: width() });
  /** "Label : value" with the label in bold, the French colon spaced as French wants. */
  const field = (label: string, value: string, indent = 0) => {
    const colon = locale === 'fr' ? '\u00a0: ' : ': ';
    doc
      .font('Helvetica-Bold')
      .fontSize(10)
      .fillColor(COLORS.text)
      .text(winAnsi(`${label}${colon}`), left() + indent, doc.y, {
        width: width() - indent,
        continued: true,
      })
      .font('Helvetica')
      .text(winAnsi(value));
  };
  const heading = (text: string, size: number) => {
    doc.moveDown(0.8);
    // A heading never sits alone at the bottom of a page.
    if (doc.y + size * 4 > doc.page.height - doc.page.margins.bottom) doc.addPage();
    write(text, size, 'Helvetica-Bold');
    doc.moveDown(0.3);
  };
  const rule = () => {
    const y = doc.y + 4;
    doc
      .strokeColor(COLORS.rule)
      .lineWidth(0.5)
      .moveTo(left(), y)
      .lineTo(left() + width(), y)
      .stroke();
    doc.y = y + 8;
  };

  const unitOf = (c: ChallengeReport) => c.unit ?? t.unitFallback;
  const beneficiary = (id: string) => names.beneficiaries.get(id) ?? id;
  const goalText = (goal: Goal, unit: string | null): string => {
    const parts: string[] = [];
    if (goal.participants !== undefined) parts.push(t.goalPeople(number(goal.participants, 0)));
    if (goal.quantity !== undefined) parts.push(`${number(goal.quantity)} ${unit ?? ''}`.trim());
    return parts.join(goal.match === 'any' ? t.goalAny : t.goalAll);
  };
  const counterpartText = (counterpart: Counterpart | null, unit: string): string => {
    if (!counterpart) return t.noCounterpart;
    switch (counterpart.kind) {
      case 'donation':
        return t.donation(money(counterpart.amount), beneficiary(counterpart.beneficiaryId));
      case 'matching':
        return t.matching(
          money(counterpart.perUnit),
          unit,
          money(counterpart.cap),
          beneficiary(counterpart.beneficiaryId),
        );
      case 'act':
        return t.act(counterpart.description);
    }
  };

  // The title block.
  write(t.kicker, 9, 'Helvetica', COLORS.muted);
  doc.moveDown(0.2);
  write(report.campaign.title, 20, 'Helvetica-Bold');
  doc.moveDown(0.4);
  const organization = names.organizationName
    ? `${names.organizationName}${report.campaign.organization ? ` (${report.campaign.organization})` : ''}`
    : (report.campaign.organization ?? '—');
  field(t.organization, organization);
  const { startsAt, endsAt } = report.campaign;
  field(
    t.period,
    startsAt && endsAt
      ? t.between(date(startsAt), date(endsAt))
      : startsAt
        ? t.from(date(startsAt))
        : endsAt
          ? t.until(date(endsAt))
          : t.noPeriod,
  );
  field(t.generated, date(report.generatedAt));
  rule();

  heading(t.summary, 13);
  field(t.people, number(report.totals.participants, 0));
  const quantities = Object.entries(report.totals.quantityByUnit);
  field(
    t.quantities,
    quantities.length === 0
      ? t.none
      : quantities
          .map(([unit, value]) => `${number(value)} ${unit}`)
          .join(locale === 'fr' ? ' ; ' : ', '),
  );
  field(t.avoided, `${number(report.totals.co2eKg)} kg CO2e`);

  heading(t.challenges, 13);
  if (report.challenges.length === 0) write(t.noChallenge);
  for (const challenge of report.challenges) {
    heading(challenge.title, 11.5);
    const status = t.statuses[challenge.status] ?? challenge.status;
    field(t.action, names.actionTypes.get(challenge.actionType) ?? challenge.actionType);
    field(
      t.status,
      challenge.closedAt ? `${status}, ${t.closedOn(date(challenge.closedAt))}` : status,
    );
    field(t.participants, number(challenge.participants, 0));
    if (challenge.unit) field(t.quantity, `${number(challenge.quantity)} ${challenge.unit}`);
    field(t.co2e, `${number(challenge.co2eKg)} kg`);
    for (const tier of challenge.tiers) {
      doc.moveDown(0.4);
      // A tier's lines stay together: a new page rather than its title alone.
      if (doc.y + 90 > doc.page.height - doc.page.margins.bottom) doc.addPage();
      write(t.tier(tier.rank + 1), 10, 'Helvetica-Bold');
      const indent = 12;
      field(t.goal, goalText(tier.goal, challenge.unit), indent);
      field(t.counterpart, counterpartText(tier.counterpart, unitOf(challenge)), indent);
      field(
        t.sponsor,
        `${tier.sponsor ? (names.organizations.get(tier.sponsor) ?? tier.sponsor) : t.organizer} (${t.sponsorships[tier.sponsorship] ?? tier.sponsorship})`,
        indent,
      );
      doc.font('Helvetica').fontSize(10);
      const state = tier.unlockedAt ? t.unlocked(date(tier.unlockedAt)) : t.locked;
      doc.text(winAnsi(state), left() + indent, doc.y, { width: width() - indent });
      if (tier.owed) field(t.owed, money(tier.owed), indent);
      if (tier.unlockedAt || tier.fulfilledAt) {
        const delivered = tier.fulfilledAt
          ? t.fulfilled(
              date(tier.fulfilledAt),
              tier.fulfilledBy
                ? (names.organizations.get(tier.fulfilledBy) ?? tier.fulfilledBy)
                : null,
            )
          : t.notFulfilled;
        doc.font('Helvetica').fontSize(10);
        doc.text(winAnsi(delivered), left() + indent, doc.y, { width: width() - indent });
      }
      const proof = proofText(tier.proof, t.proofFile);
      if (proof) field(t.proof, proof, indent);
    }
  }

  heading(t.factors, 13);
  // Action types without factors (pledges only) have nothing to audit here.
  const withFactors = report.sources.filter(
    (source) =>
      source.factors.length > 0 ||
      report.factorsUsed.some((f) => f.actionType === source.actionType),
  );
  if (withFactors.length === 0) write(t.noFactors);
  const colon = locale === 'fr' ? '\u00a0: ' : ': ';
  for (const source of withFactors) {
    doc.moveDown(0.3);
    write(
      `${names.actionTypes.get(source.actionType) ?? source.title} (${source.actionType} ${source.version})`,
      10,
      'Helvetica-Bold',
    );
    // Every version the recorded figures rest on (ADR 0045), then those in
    // force that nothing used yet, so the list is complete either way.
    const used = report.factorsUsed.filter((f) => f.actionType === source.actionType);
    const usedIds = new Set(used.map((f) => f.id));
    const lines = [
      ...used.map((f) => ({
        factor: f,
        use: `${t.usedBy(f.contributions)}${f.current ? '' : `, ${t.notInForce}`}`,
      })),
      ...source.factors
        .filter((f) => !usedIds.has(f.id))
        .map((f) => ({ factor: f, use: t.inForceOnly })),
    ];
    for (const { factor, use } of lines) {
      doc.font('Helvetica').fontSize(10).fillColor(COLORS.text);
      doc.text(
        winAnsi(
          `• ${factor.label}${colon}${number(factor.value, 6)} ${factor.unit} (${t.source}${colon}${factor.source}; ` +
            `${t.dataset}${colon}${factor.datasetId}; ${t.release}${colon}${factor.versionDate})`,
        ),
        left() + 12,
        doc.y,
        { width: width() - 12 },
      );
      const note = factor.note ? `${factor.note} — ${use}` : use;
      doc.font('Helvetica').fontSize(8.5).fillColor(COLORS.muted);
      doc.text(winAnsi(note), left() + 22, doc.y, { width: width() - 22 });
    }
  }

  heading(t.verify, 13);
  write(t.verifyText(report.campaign.id, names.publicUrl), 9, 'Helvetica', COLORS.muted);

  // Page numbers, once the number of pages is known; written inside the
  // bottom margin, which is lifted meanwhile so that no page is added.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor(COLORS.muted)
      .text(
        winAnsi(`${report.campaign.title} · ${t.page(i + 1, range.count)}`),
        left(),
        doc.page.height - bottom + 20,
        { width: width(), align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

/** A tier's proof in one line, whatever fields it carries (text, link, a stored file's hash). */
function proofText(proof: unknown, file: (hash: string) => string): string | null {
  if (typeof proof !== 'object' || proof === null) return null;
  const p = proof as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof p['text'] === 'string' && p['text']) parts.push(p['text']);
  if (typeof p['url'] === 'string' && p['url']) parts.push(p['url']);
  if (typeof p['sha256'] === 'string' && p['sha256']) parts.push(file(p['sha256']));
  return parts.length > 0 ? parts.join(' · ') : null;
}

/**
 * `GET /api/campaigns/{id}/report.pdf`: the campaign report (same access
 * and same figures as `GET /api/campaigns/{id}/report`) as a PDF in French
 * or English, with the names the JSON gives as ids.
 */
export async function campaignReportPdf(
  ctx: ServiceContext,
  viewer: Viewer,
  campaignId: string,
  options: ReportPdfOptions,
): Promise<{ report: CampaignReport; pdf: Buffer }> {
  const report = await campaignReport(ctx, viewer, campaignId);
  const beneficiaryIds = [
    ...new Set(
      report.challenges.flatMap((c) =>
        c.tiers.flatMap((tier) =>
          tier.counterpart && tier.counterpart.kind !== 'act'
            ? [tier.counterpart.beneficiaryId]
            : [],
        ),
      ),
    ),
  ];
  const slugs = [
    ...new Set(
      report.challenges.flatMap((c) =>
        c.tiers.flatMap((tier) => [tier.sponsor, tier.fulfilledBy].filter((s) => s !== null)),
      ),
    ),
  ];
  const [organization, beneficiaries, organizations] = await Promise.all([
    ctx.db.query<{ name: string }>(
      `select o.name from campaign c join organization o on o.id = c.organization_id
        where c.id = ?`,
      [campaignId],
    ),
    beneficiaryIds.length === 0
      ? Promise.resolve([])
      : ctx.db.query<{ id: string; name: string }>(
          'select id, name from beneficiary where id in (?)',
          [beneficiaryIds],
        ),
    slugs.length === 0
      ? Promise.resolve([])
      : ctx.db.query<{ slug: string; name: string }>(
          'select slug, name from organization where slug in (?)',
          [slugs],
        ),
  ]);
  const actionTypes = new Map(
    [...new Set(report.challenges.map((c) => c.actionType))].flatMap((id) => {
      const type = ctx.registry.findActionType(id);
      return type ? [[id, type.title[options.locale]] as const] : [];
    }),
  );
  const pdf = await renderReportPdf(
    report,
    {
      organizationName: organization[0]?.name ?? null,
      beneficiaries: new Map(beneficiaries.map((b) => [b.id, b.name])),
      organizations: new Map(organizations.map((o) => [o.slug, o.name])),
      actionTypes,
      publicUrl: ctx.config.publicUrl,
    },
    options,
  );
  return { report, pdf };
}
