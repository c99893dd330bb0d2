/**
 * The application services behind the HTTP API, for apps that compose
 * Tandem (seeds, examples, command-line tools). Each takes the platform's
 * ServiceContext and the Viewer it acts for; `asAdmin` acts as the platform.
 */
import type { Viewer } from './context.js';

export const asAdmin: Viewer = Object.freeze({ kind: 'admin' });

export {
  addMember,
  createBeneficiary,
  createCampaign,
  createOrganization,
  createTeam,
  findOrganization,
  getOrganization,
  listPublicOrganizations,
  organizationsWhereLastOwner,
  removeMember,
  updateOrganization,
  type BrandingInput,
  type BrandingView,
  type CampaignInput,
  type OrganizationPatch,
  type PublicOrganization,
} from './organizations.js';
export { judgeUpload, readFile, storeFile, type StoredFile, type Upload } from './files.js';
export {
  closeChallenge,
  createChallenge,
  decideSponsorship,
  fulfillTier,
  getCampaign,
  getChallenge,
  listSponsorships,
  openChallenge,
  type ChallengeInput,
  type ChallengeView,
} from './challenges.js';
export { confirmPledge, pledge, withdrawPledge, type PledgeInput } from './pledges.js';
export { recordContribution, type ContributionInput } from './contributions.js';
export { importConfirmedPledges, type ImportedPledge } from './imports.js';
export { enrolResident, type Enrolment, type EnrolmentInput, type Resident } from './enrolment.js';
export {
  upsertParticipant,
  upsertParticipantByCode,
  RESIDENT_CODE_PATTERN,
} from '../store/participants.js';
export {
  campaignReport,
  partnerReport,
  reportToCsv,
  type CampaignReport,
  type ShareReport,
} from './reports.js';
export {
  addPartnerTier,
  decidePartnership,
  getPartners,
  invitePartner,
  leavePartnership,
  listPartnerships,
  type PartnershipView,
  type PartnerTierView,
  type PartnerView,
} from './partners.js';
export {
  campaignReportPdf,
  renderReportPdf,
  type ReportLocale,
  type ReportPdfOptions,
} from './report-pdf.js';
export {
  campaignAttestation,
  publicKeySet,
  rotateSigningKey,
  signingKeys,
  SigningKeyInvalid,
  type PublishedJwk,
  type SigningKeyInfo,
} from './attestations.js';
export { loadVisibleChallenge } from './challenges.js';
/**
 * The challenge a write goes to (a pledge, a contribution, a plugin's
 * weigh-in), after the caller's audience check — 401/403 before anything
 * else — and 409 when it takes nothing now.
 */
export { loadPledgeable as loadWritableChallenge } from './pledges.js';
export { assertPersonInAudience, assertViewerInAudience } from './audience.js';
export { requireRole, hasRole, roleIn } from './access.js';
export { createSession, requestMagicLink } from './auth.js';
