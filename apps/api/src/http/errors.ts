import type { ErrorBody } from '@guildserver/contracts';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';

export function errorResponse(c: Context, error: DomainError) {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return c.json(body, error.status as ContentfulStatusCode);
}

/** Domain errors become their code and status; anything else is logged and answered without detail. */
export function onError(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof DomainError) return errorResponse(c, error);
    logger.error({ err: error, path: c.req.path, requestId: c.get('requestId') }, 'unhandled error');
    return errorResponse(
      c,
      new DomainError('internal', 'Something went wrong on our side; it has been logged.'),
    );
  };
}

/** zod-openapi's validation hook: the first problem as one sentence, code invalid_request. */
export function validationHook(
  result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } },
  c: Context,
) {
  if (result.success) return;
  const issue = result.error?.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return errorResponse(
    c,
    new DomainError('invalid_request', `${where}${issue?.message ?? 'invalid request'}.`),
  );
}
