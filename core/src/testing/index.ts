/**
 * Helpers for tests of Tandem and of its plugins: a real engine on a fresh
 * database, and a client that speaks the HTTP API through `app.inject()`.
 */
export { createTestDatabase, testServerUrl, type TestDatabase } from './database.js';
export { startTestPlatform, type TestPlatform, type TestPlatformOptions } from './platform.js';
export { createTestClient, type TestClient, type TestResponse } from './client.js';
export {
  acceptSponsorships,
  confirmPledges,
  newCampaign,
  newOrganization,
  openChallenge,
  unique,
  setUpClichy,
  type ClichySetup,
  type OpenedChallenge,
} from './scenarios.js';
export { pluginContextOf } from './plugin-context.js';
export { deleteKeys, testRedisUrl } from './redis.js';
export { expectStatus } from './expect.js';
export { accepts, arbitraryOf, wrongValueFor } from './arbitraries.js';
export {
  describeActionTypeContract,
  type AcceptedContribution,
  type ActionTypeContractOptions,
} from './action-type-kit.js';
export { multipartBody, pdfText, tinyJpeg, tinyPdf, tinyPng, type MultipartPart } from './files.js';
