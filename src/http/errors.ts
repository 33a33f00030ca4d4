import type { FastifyError, FastifyInstance } from 'fastify';
import { FhirError, fhirError } from '../fhir/outcome.ts';
import { FHIR_JSON } from './content-negotiation.ts';

/** Maps fastify's own errors (body parsing, size, media type) to FHIR errors. */
function toFhirError(err: FastifyError | Error): FhirError | undefined {
  if (err instanceof FhirError) return err;
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return fhirError(413, 'too-costly', 'The request body is larger than the server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return fhirError(415, 'not-supported', 'Unsupported Content-Type: send application/fhir+json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return fhirError(400, 'invalid', 'The request body is empty');
    case 'FST_ERR_BAD_URL':
      return fhirError(400, 'invalid', 'The request URL is malformed');
    case '57014': // PostgreSQL query_canceled: STATEMENT_TIMEOUT_MS ran out
      return fhirError(503, 'timeout', 'The request took longer than the server allows and was cancelled; narrow the search or retry later');
  }
  const status = (err as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) return fhirError(status, 'invalid', err.message);
  return undefined;
}

/** Every error, including the unexpected, leaves as an OperationOutcome (never a stack trace). */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown, request, reply) => {
    const err = thrown instanceof Error ? thrown : new Error(String(thrown));
    const known = toFhirError(err);
    if (!known) request.log.error({ err: { message: err.message, stack: err.stack } }, 'unexpected error');
    const e = known ?? fhirError(500, 'exception', 'Internal server error');
    reply.code(e.status).headers(e.headers).type(FHIR_JSON).send(JSON.stringify(e.outcome));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = fhirError(404, 'not-found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    reply.code(404).type(FHIR_JSON).send(JSON.stringify(e.outcome));
  });
}
