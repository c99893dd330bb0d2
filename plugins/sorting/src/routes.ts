/**
 * The assisted-enrolment routes an organization's agents use on their
 * tablets: one enrolment at a time when online, a batch of them when the
 * tablet comes back in coverage.
 */
import {
  requireRole,
  services,
  TandemError,
  Type,
  type App,
  type PluginContext,
  type Viewer,
  access,
} from '@tandem/core';
import { issueCode } from './codes.js';
import { enrol, type EnrolTarget } from './enrol.js';
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

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * The challenge, if the viewer may enrol residents into it: 404 when they
 * cannot see it, 401/403 without the agent role in its organization, 409
 * when it is not a sorting challenge.
 */
async function loadTarget(
  context: PluginContext,
  viewer: Viewer,
  challengeId: string,
): Promise<EnrolTarget> {
  const { challenge } = await services.loadVisibleChallenge(context.services, viewer, challengeId);
  requireRole(viewer, challenge.organizationId, 'agent');
  if (challenge.actionType !== SORTING_ID) {
    throw new TandemError(
      'TANDEM_CHALLENGE_WRONG_ACTION_TYPE',
      `Challenge "${challengeId}" is a "${challenge.actionType}" challenge; these routes enrol residents into sorting challenges.`,
    );
  }
  return { id: challenge.id, organizationId: challenge.organizationId };
}

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * The first complaint of a validator as a Tandem error whose path names the
 * field in the enrolment (`consent/given`), as the single route would.
 */
function invalidEnrolment(errorsFound: readonly AjvError[] | null | undefined): TandemError {
  const first = errorsFound?.[0];
  if (!first) return new TandemError('TANDEM_REQUEST_INVALID', 'enrolment: is invalid');
  let path = first.instancePath.replace(/^\//, '');
  let message = first.message ?? 'is invalid';
  if (first.keyword === 'additionalProperties') {
    path = [path, String(first.params['additionalProperty'])].filter(Boolean).join('/');
    message = 'is not a known field';
  } else if (first.keyword === 'required') {
    path = [path, String(first.params['missingProperty'])].filter(Boolean).join('/');
    message = 'is required';
  } else if (first.keyword === 'enum') {
    const allowed = first.params['allowedValues'] as unknown[];
    message = `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  path ||= 'enrolment';
  return new TandemError(
    first.keyword === 'additionalProperties'
      ? 'TANDEM_REQUEST_UNKNOWN_FIELD'
      : 'TANDEM_REQUEST_INVALID',
    `${path}: ${message}`,
    [{ path, message }],
  );
}

/**
 * Mounts the enrolment routes.
 *
 * @param app - the Tandem app (TypeBox-typed Fastify)
 * @param context - the database, mailer, queue and the services' context
 */
export async function sortingRoutes(app: App, context: PluginContext): Promise<void> {
  app.post(
    '/api/challenges/:id/enrolments',
    {
      schema: {
        'x-tandem-access': access.role('agent'),
        tags: ['sorting'],
        summary: "Enrol a resident with their consent (org agent, on the resident's doorstep)",
        description:
          'Records the pledge of a resident known by e-mail, by a code they hold, or by a fresh code issued now (`newCode`). The pledge counts at once; a resident with an e-mail gets a receipt telling how to withdraw. 201 when this made them count, 200 when they already did. Honours `Idempotency-Key`.',
        params: IdParams,
        body: EnrolmentBody,
        response: {
          200: EnrolmentAnswer,
          201: EnrolmentAnswer,
          ...errors(400, 401, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const target = await loadTarget(context, request.viewer, request.params.id);
      const outcome = await enrol(context, request.viewer, target, request.body, () =>
        issueCode(context, target.organizationId),
      );
      return reply.code(outcome.confirmedNow ? 201 : 200).send({
        pledgeId: outcome.pledgeId,
        status: 'confirmed' as const,
        ...(outcome.code !== undefined ? { code: outcome.code } : {}),
      });
    },
  );

  app.post(
    '/api/challenges/:id/enrolments/sync',
    {
      schema: {
        'x-tandem-access': access.role('agent'),
        tags: ['sorting'],
        summary: 'Sync enrolments an offline tablet recorded (org agent)',
        description:
          'Each item carries a key the device generated when it recorded the enrolment. Each key is recorded once: syncing it again returns its first result; the same key with another enrolment is that item’s TANDEM_IDEMPOTENCY_MISMATCH. A bad item fails alone, its error in its result.',
        params: IdParams,
        body: SyncBody,
        response: { 200: SyncAnswer, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const target = await loadTarget(context, request.viewer, request.params.id);
      // The app's own body validator: the same rules, defaults and formats as
      // the single route, applied to one item at a time.
      const validate = request.compileValidationSchema(EnrolmentBody, 'body');
      const check: EnrolmentCheck = (value) => {
        if (validate(value)) return value as EnrolmentBodyType;
        throw invalidEnrolment(validate.errors);
      };
      const results = await syncEnrolments(
        context,
        request.viewer,
        target,
        request.body.items,
        check,
        request.log,
      );
      return { results };
    },
  );
}
