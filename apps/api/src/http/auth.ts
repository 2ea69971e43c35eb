import { ACTING_GUILD_ADMIN_HEADER, ACTING_USER_HEADER, snowflakeSchema } from '@guildserver/contracts';
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../db/database.js';
import type { Actor } from '../domain/actor.js';
import { DomainError } from '../domain/errors.js';
import { findApiToken } from '../domain/tokens.js';
import type { ApiEnv } from './context.js';

/** `Authorization: Bearer gs_…`; a bot token may name the Discord user it acts for. */
export function authenticate(db: Db): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new DomainError(
        'unauthorized',
        'Send an API token as "Authorization: Bearer <token>" (create one with `gs token create`).',
      );
    }
    const token = findApiToken(db, match[1]!);
    if (!token) throw new DomainError('unauthorized', 'That API token is unknown or revoked.');
    const actor: Actor = { tokenId: token.id, scopes: token.scopes };
    if (token.scopes.includes('bot')) {
      const user = c.req.header(ACTING_USER_HEADER);
      const adminOf = c.req.header(ACTING_GUILD_ADMIN_HEADER);
      if (user !== undefined) {
        if (!snowflakeSchema.safeParse(user).success) {
          throw new DomainError(
            'invalid_request',
            `${ACTING_USER_HEADER} must be a Discord user id (17 to 20 digits).`,
          );
        }
        actor.userId = user;
      }
      if (adminOf !== undefined) {
        if (!snowflakeSchema.safeParse(adminOf).success) {
          throw new DomainError(
            'invalid_request',
            `${ACTING_GUILD_ADMIN_HEADER} must be a Discord guild id (17 to 20 digits).`,
          );
        }
        actor.adminOfGuild = adminOf;
      }
    }
    c.set('actor', actor);
    await next();
  };
}
