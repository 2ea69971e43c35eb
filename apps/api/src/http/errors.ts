import type { ErrorBody } from '@guildserver/contracts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';

export function errorResponse(c: Context, error: DomainError) {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return c.json(body, error.status as ContentfulStatusCode);
}

/** What Hono's own request checks refuse (a body that is not JSON), as the API's codes and sentences. */
function clientMistake(error: HTTPException): DomainError {
  if (error.status === 415) {
    return new DomainError(
      'unsupported_media_type',
      'Send the body as JSON with the header Content-Type: application/json.',
    );
  }
  if (/json/i.test(error.message)) {
    return new DomainError('invalid_request', 'The body is empty or not valid JSON; send one JSON object.');
  }
  return new DomainError('invalid_request', `The request was refused: ${error.message}.`);
}

/**
 * Domain errors become their code and status; the client's mistakes caught by Hono become 4xx answers;
 * anything else is logged and answered without detail.
 */
export function onError(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof DomainError) return errorResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      const answer = clientMistake(error);
      logger.debug({ path: c.req.path, status: answer.status, reason: error.message }, 'request refused');
      return errorResponse(c, answer);
    }
    logger.error({ err: error, path: c.req.path, requestId: c.get('requestId') }, 'unhandled error');
    return errorResponse(
      c,
      new DomainError('internal', 'Something went wrong on our side; it has been logged.'),
    );
  };
}

interface ValidationIssue {
  code?: string;
  path: PropertyKey[];
  message: string;
  origin?: string;
  minimum?: unknown;
  maximum?: unknown;
  expected?: string;
  values?: unknown[];
  keys?: string[];
}

const UNITS: Record<string, string> = { string: ' characters', array: ' items' };

/** What zod found wrong with one field, as the end of a sentence a person reads ("must be at most 32 characters"). */
function problemOf(issue: ValidationIssue): string {
  const unit = UNITS[issue.origin ?? ''] ?? '';
  switch (issue.code) {
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${unit}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${unit}`;
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return 'is required';
      return `must be ${issue.expected === 'object' ? 'a JSON object' : `a ${issue.expected}`}`;
    case 'invalid_value':
      return `must be one of ${(issue.values ?? []).map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `has no field${issue.keys?.length === 1 ? '' : 's'} ${(issue.keys ?? []).join(', ')}`;
    default:
      // Messages the schemas wrote themselves (a snowflake's, the name rule's) are sentences already.
      return issue.message;
  }
}

/** zod-openapi's validation hook: the first problem as one sentence naming the field, code invalid_request. */
export function validationHook(
  result: { success: boolean; error?: { issues: ValidationIssue[] } },
  c: Context,
) {
  if (result.success) return;
  const issue = result.error?.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'The request';
  const problem = issue ? problemOf(issue) : 'is not valid';
  return errorResponse(c, new DomainError('invalid_request', `${where} ${problem}.`));
}
