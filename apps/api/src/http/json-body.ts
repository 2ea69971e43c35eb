import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../domain/errors.js';
import type { ApiEnv } from './context.js';

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Parses a JSON body before any route sees it, so a malformed one is refused with the parser's own reason
 * (Hono's validator would only say "Malformed JSON"). The text stays cached for the route's own `json()`.
 * An empty body is left to the route: only routes that take a body require one.
 */
export function jsonBodies(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !JSON_MEDIA_TYPE.test(mediaType)) {
      return next();
    }
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch (error) {
        throw new DomainError(
          'invalid_request',
          `The body is not valid JSON: ${(error as Error).message.replace(/\.$/, '')}; send one JSON object.`,
        );
      }
    }
    return next();
  };
}
