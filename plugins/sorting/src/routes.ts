/**
 * The assisted-enrolment routes an organization's agents use on their
 * tablets: one enrolment at a time when online, a batch of them when the
 * tablet comes back in coverage.
 */
import { access, itemValidationError, type PluginRouter } from '@tandem/core';
import { issueCode } from './codes.js';
import { enrol, type EnrolContext, type EnrolTarget } from './enrol.js';
import {
  EnrolmentAnswer,
  EnrolmentBody,
  errors,
  SyncAnswer,
  SyncBody,
  type EnrolmentBody as EnrolmentBodyType,
} from './schemas.js';
import { syncEnrolments, type EnrolmentCheck } from './sync.js';

/** The action type id, repeated here so routes need not import the manifest. */
export const SORTING_ID = 'sorting';

/** The challenge as the routes loaded it: what an enrolment needs of it. */
const targetOf = (challenge: { id: string; organizationId: string }): EnrolTarget => ({
  id: challenge.id,
  organizationId: challenge.organizationId,
});

/**
 * Mounts the enrolment routes. Each loads the challenge as the agent may see
 * it (404), requires the agent role in its organization (401/403), and
 * answers 409 when it is not a sorting challenge.
 *
 * @param router - the plugin's router
 * @param context - its tables, core's enrolments, its receipt job
 */
export function sortingRoutes(router: PluginRouter, context: EnrolContext): void {
  router.challengeRoute({
    method: 'POST',
    path: '/enrolments',
    role: 'agent',
    otherActionType: 'conflict',
    schema: {
      'x-tandem-access': access.role('agent'),
      tags: ['sorting'],
      summary: "Enrol a resident with their consent (org agent, on the resident's doorstep)",
      description:
        'Records the pledge of a resident known by e-mail, by a code they hold, or by a fresh code issued now (`newCode`). The pledge counts at once; a resident with an e-mail gets a receipt telling how to withdraw. 201 when this made them count, 200 when they already did. Honours `Idempotency-Key`.',
      body: EnrolmentBody,
      response: {
        200: EnrolmentAnswer,
        201: EnrolmentAnswer,
        ...errors(400, 401, 403, 404, 409, 422),
      },
    },
    async handler(request, reply, challenge) {
      const target = targetOf(challenge);
      const outcome = await enrol(context, request.viewer, target, request.body, () =>
        issueCode(context, target.organizationId),
      );
      return reply.code(outcome.confirmedNow ? 201 : 200).send({
        pledgeId: outcome.pledgeId,
        status: 'confirmed' as const,
        ...(outcome.code !== undefined ? { code: outcome.code } : {}),
      });
    },
  });

  router.challengeRoute({
    method: 'POST',
    path: '/enrolments/sync',
    role: 'agent',
    otherActionType: 'conflict',
    schema: {
      'x-tandem-access': access.role('agent'),
      tags: ['sorting'],
      summary: 'Sync enrolments an offline tablet recorded (org agent)',
      description:
        'Each item carries a key the device generated when it recorded the enrolment. Each key is recorded once: syncing it again returns its first result; the same key with another enrolment is that item’s TANDEM_IDEMPOTENCY_MISMATCH. A bad item fails alone, its error in its result.',
      body: SyncBody,
      response: { 200: SyncAnswer, ...errors(400, 401, 403, 404, 409) },
    },
    async handler(request, _reply, challenge) {
      // The app's own body validator: the same rules, defaults and formats as
      // the single route, applied to one item at a time.
      const validate = request.compileValidationSchema(EnrolmentBody, 'body');
      const check: EnrolmentCheck = (value) => {
        if (validate(value)) return value as EnrolmentBodyType;
        throw itemValidationError(validate.errors, 'enrolment');
      };
      const results = await syncEnrolments(
        context,
        request.viewer,
        targetOf(challenge),
        request.body.items,
        check,
        request.log,
      );
      return { results };
    },
  });
}
