import type { FastifyError, FastifyInstance } from 'fastify';
import { TandemError, type ErrorDetail } from '../errors.js';
import { TandemError as CodedError } from '../sdk/errors.js';
import { describeAjvErrors } from '../validation.js';

interface ValidationFailure {
  validation: Parameters<typeof describeAjvErrors>[0];
  validationContext?: string;
}

function fromValidation(error: ValidationFailure): TandemError {
  const part = error.validationContext ?? 'body';
  // Body fields are named as the client wrote them (`email`, `details/km`);
  // other parts keep their part as a prefix (`querystring/zoom`).
  const details = describeAjvErrors(error.validation, part === 'body' ? '' : part).map(
    (d): ErrorDetail => ({ ...d, path: (d.path ?? '').replace(/^\//, '') || part }),
  );
  const first = details[0] ?? { path: part, message: 'is invalid' };
  const unknownField = error.validation?.[0]?.keyword === 'additionalProperties';
  return new TandemError(
    unknownField ? 'TANDEM_REQUEST_UNKNOWN_FIELD' : 'TANDEM_REQUEST_INVALID',
    `${first.path} ${first.message}`,
    details,
  );
}

/** Fastify's own client-side errors (bad JSON, wrong content type…) that are 4xx. */
function fromFastify(error: FastifyError): TandemError | null {
  const status = error.statusCode ?? 500;
  if (status >= 500) return null;
  if (status === 413) {
    return new TandemError('TANDEM_REQUEST_TOO_LARGE', 'The request body is too large.');
  }
  if (status === 415) {
    return new TandemError(
      'TANDEM_REQUEST_UNSUPPORTED_MEDIA_TYPE',
      'Send the body as application/json.',
    );
  }
  if (status === 429) return new TandemError('TANDEM_RATE_LIMITED', error.message);
  return new TandemError('TANDEM_REQUEST_MALFORMED', `body: ${error.message}`);
}

/**
 * One error shape for every answer: `{ error, message, details? }` with the
 * catalogue's status. Anything unexpected is logged and becomes a bare 500
 * that reveals nothing of the inside.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw, request, reply) => {
    const error = raw as FastifyError & Partial<ValidationFailure>;
    let tandem: CodedError | null = null;
    // The SDK's class: core's errors and the codes plugins define alike.
    if (error instanceof CodedError) tandem = error;
    else if (error.validation) tandem = fromValidation(error as ValidationFailure);
    else if (typeof error.statusCode === 'number') tandem = fromFastify(error);
    if (!tandem) {
      request.log.error({ err: error }, 'unexpected error');
      return reply
        .code(500)
        .send({ error: 'TANDEM_INTERNAL', message: 'Something went wrong on our side.' });
    }
    if (tandem.status >= 500) request.log.error({ err: error }, tandem.message);
    if (tandem.status === 429 || tandem.status === 503) {
      const retry = tandem.details?.[0]?.['retryAfterSeconds'];
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
    }
    return reply.code(tandem.status).send({
      error: tandem.code,
      message: tandem.message,
      ...(tandem.details ? { details: tandem.details } : {}),
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'TANDEM_NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
