import { defineEntity, p } from '@mikro-orm/core';

/**
 * MikroORM's picture of Tandem's tables. The schema itself is owned by the
 * hand-written migrations in ./migrations; these definitions must match it
 * (the store contract suite, testing/store.contract.ts, compares each entity's columns
 * with its table).
 *
 * Foreign keys are plain id columns rather than ORM relations: the hot
 * paths are written in SQL (DESIGN.md, "Fast by design") and the admin
 * paths read one aggregate at a time, so relation loading would buy little.
 */

export const OrganizationEntity = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: p.string().primary(),
    slug: p.string().unique(),
    name: p.string(),
    kind: p.string(),
    /** IANA time zone whose calendar dates contributions without a date of their own. */
    timeZone: p.string().default('Europe/Paris'),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** Branding (ADR 0030): an https logo URL, or an uploaded file, never both. */
    logoUrl: p.string().nullable(),
    logoFileId: p.string().nullable(),
    /** `#rrggbb`, lower-case, readable under white text. */
    primaryColor: p.string().nullable(),
    shortText: p.string().nullable(),
  },
});

export const ParticipantEntity = defineEntity({
  name: 'Participant',
  tableName: 'participant',
  properties: {
    id: p.string().primary(),
    canonicalEmail: p.string().nullable().unique(),
    email: p.string().nullable(),
    residentCode: p.string().nullable().unique(),
    locale: p.string().default('fr'),
    displayName: p.string().nullable(),
    verifiedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** Keyed hash of the canonical address; kept when the person is erased (ADR 17). */
    identityFingerprint: p.string().nullable().unique(),
    erasedAt: p.datetime().nullable(),
    /** Whether the feed shows their name by default: `name` or `anonymous`. */
    showAs: p.string().default('anonymous'),
    /** No notification mail at all; mails they ask for still go. */
    mailOptOut: p.boolean().default(false),
    /** Five digits (France); erased with the person. */
    postcode: p.string().nullable(),
    /** The INSEE code of the commune `postcode` resolves to, when it resolves. */
    communeCode: p.string().nullable(),
  },
});

export const MembershipEntity = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  properties: {
    organizationId: p.string().primary(),
    participantId: p.string().primary(),
    role: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const BeneficiaryEntity = defineEntity({
  name: 'Beneficiary',
  tableName: 'beneficiary',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    name: p.string(),
    description: p.text().nullable(),
    url: p.string().nullable(),
    email: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const CampaignEntity = defineEntity({
  name: 'Campaign',
  tableName: 'campaign',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    title: p.string(),
    description: p.text().nullable(),
    startsAt: p.datetime().nullable(),
    endsAt: p.datetime().nullable(),
    audience: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const TeamEntity = defineEntity({
  name: 'Team',
  tableName: 'team',
  properties: {
    id: p.string().primary(),
    campaignId: p.string(),
    slug: p.string(),
    name: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const ChallengeEntity = defineEntity({
  name: 'Challenge',
  tableName: 'challenge',
  properties: {
    id: p.string().primary(),
    campaignId: p.string(),
    organizationId: p.string(),
    title: p.string(),
    description: p.text().nullable(),
    actionType: p.string(),
    actionSettings: p.json<Record<string, unknown>>(),
    status: p.string(),
    deadline: p.datetime().nullable(),
    openedAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export const TierEntity = defineEntity({
  name: 'Tier',
  tableName: 'tier',
  properties: {
    id: p.string().primary(),
    challengeId: p.string(),
    rank: p.integer(),
    goal: p.json<Record<string, unknown>>(),
    counterpart: p.json<Record<string, unknown>>().nullable(),
    sponsorId: p.string().nullable(),
    sponsorship: p.string().default('accepted'),
    sponsorshipDecidedAt: p.datetime().nullable(),
    fulfilledAt: p.datetime().nullable(),
    proof: p.json<Record<string, unknown>>().nullable(),
    fulfilledBy: p.string().nullable(),
    fulfilledByParticipant: p.string().nullable(),
    receivedAt: p.datetime().nullable(),
    receiptMailedAt: p.datetime().nullable(),
  },
});

export const UnlockEntity = defineEntity({
  name: 'Unlock',
  tableName: 'unlock',
  properties: {
    id: p.string().primary(),
    challengeId: p.string(),
    tierId: p.string(),
    unlockedAt: p.datetime(),
    progress: p.json<Record<string, unknown>>(),
    deliverBy: p.datetime().nullable(),
  },
});

export const PledgeEntity = defineEntity({
  name: 'Pledge',
  tableName: 'pledge',
  properties: {
    id: p.string().primary(),
    challengeId: p.string(),
    participantId: p.string(),
    status: p.string(),
    details: p.json<Record<string, unknown>>(),
    displayName: p.string().nullable(),
    /** The 200 m map cell the pledge was made in (docs/privacy.md); never coordinates. */
    mapCell: p.string().nullable(),
    /** The INSEE code of the pledge's commune. */
    communeCode: p.string().nullable(),
    showAs: p.string().default('anonymous'),
    teamId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    confirmedAt: p.datetime().nullable(),
    /** When a pending pledge's newest confirmation link expires; purged after. */
    confirmBy: p.datetime().nullable(),
    withdrawnAt: p.datetime().nullable(),
    erasedAt: p.datetime().nullable(),
    /** The batch invalidation that took it out of the counts (ADR 0039), or null. */
    invalidationId: p.string().nullable(),
    /** A keyed hash of the network range it came from (ADR 0039); never the address. */
    networkKey: p.string().nullable(),
    /** The partner organization it came through (ADR 0043); null for the owner. */
    viaOrganizationId: p.string().nullable(),
  },
});

export const ContributionEntity = defineEntity({
  name: 'Contribution',
  tableName: 'contribution',
  properties: {
    id: p.string().primary(),
    challengeId: p.string(),
    participantId: p.string().nullable(),
    recordedBy: p.string().nullable(),
    details: p.json<Record<string, unknown>>(),
    quantity: p.decimal('number').precision(20).scale(6),
    co2eKg: p.decimal('number').precision(20).scale(6),
    impact: p.json<Record<string, unknown>>(),
    occurredAt: p.datetime(),
    /** The day it counts for (YYYY-MM-DD): the details' own date, else `occurredAt` in the organization's zone. */
    day: p.string().columnType('date'),
    /** What the action type counts once per person (a course), or null. */
    onceKey: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** When its participant last corrected it (ADR 0029). */
    correctedAt: p.datetime().nullable(),
    /** The batch invalidation that took it out of the counts (ADR 0039), or null. */
    invalidationId: p.string().nullable(),
    /** The factor versions its CO2e was computed with (ADR 0045), set when recorded or corrected. */
    factorIds: p.array().columnType('text[]').default('{}'),
  },
});

export const ParticipationEntity = defineEntity({
  name: 'Participation',
  tableName: 'participation',
  properties: {
    challengeId: p.string().primary(),
    participantId: p.string().primary(),
    teamId: p.string(),
    pledged: p.boolean(),
    contributions: p.integer(),
    /** The partner whose share they count in (ADR 0043); null for the owner. */
    viaOrganizationId: p.string().nullable(),
  },
});

export const ProgressSlotEntity = defineEntity({
  name: 'ProgressSlot',
  tableName: 'progress_slot',
  properties: {
    challengeId: p.string().primary(),
    teamId: p.string().primary(),
    slot: p.smallint().primary(),
    participants: p.integer(),
    quantity: p.decimal('number').precision(20).scale(6),
    co2eKg: p.decimal('number').precision(20).scale(6),
  },
});

export const OutboxEventEntity = defineEntity({
  name: 'OutboxEvent',
  tableName: 'outbox_event',
  properties: {
    seq: p.bigint('number').primary().autoincrement(),
    id: p.string().unique(),
    type: p.string(),
    challengeId: p.string().nullable(),
    organizationId: p.string().nullable(),
    payload: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    relayedAt: p.datetime().nullable(),
    challengeSeq: p.bigint('number').nullable(),
  },
});

export const MailTokenEntity = defineEntity({
  name: 'MailToken',
  tableName: 'mail_token',
  properties: {
    hash: p.string().primary(),
    purpose: p.string(),
    email: p.string(),
    payload: p.json<Record<string, unknown>>(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    result: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const SessionEntity = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    hash: p.string().primary(),
    participantId: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
  },
});

export const IdempotencyKeyEntity = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  properties: {
    scope: p.string().primary(),
    key: p.string().primary(),
    fingerprint: p.string(),
    status: p.integer().nullable(),
    /** The stored answer, sealed with the keyring (ADR 0016). */
    sealedResponse: p.text().nullable(),
    /** The request holding the key while it is in progress. */
    owner: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export const DevMailEntity = defineEntity({
  name: 'DevMail',
  tableName: 'dev_mail',
  properties: {
    seq: p.bigint('number').primary().autoincrement(),
    toEmail: p.string(),
    recipient: p.string(),
    subject: p.string(),
    text: p.text(),
    purpose: p.string(),
    token: p.string().nullable(),
    sentAt: p.datetime().onCreate(() => new Date()),
  },
});

export const ConsentRecordEntity = defineEntity({
  name: 'ConsentRecord',
  tableName: 'consent_record',
  properties: {
    id: p.string().primary(),
    participantId: p.string(),
    challengeId: p.string(),
    recordedBy: p.string().nullable(),
    text: p.text(),
    givenAt: p.datetime(),
    recordedAt: p.datetime().onCreate(() => new Date()),
  },
});

export const SeedMarkEntity = defineEntity({
  name: 'SeedMark',
  tableName: 'seed_mark',
  properties: {
    name: p.string().primary(),
    appliedAt: p.datetime().onCreate(() => new Date()),
  },
});

/** Every entity, in the order MikroORM should discover them. */
export const entities = [
  OrganizationEntity,
  ParticipantEntity,
  MembershipEntity,
  BeneficiaryEntity,
  CampaignEntity,
  TeamEntity,
  ChallengeEntity,
  TierEntity,
  UnlockEntity,
  PledgeEntity,
  ContributionEntity,
  ParticipationEntity,
  ProgressSlotEntity,
  OutboxEventEntity,
  MailTokenEntity,
  SessionEntity,
  IdempotencyKeyEntity,
  DevMailEntity,
  ConsentRecordEntity,
  SeedMarkEntity,
];
