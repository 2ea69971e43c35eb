import { type TokenScope, tokenScopeSchema } from '@guildserver/contracts';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import type { Actor } from './actor.js';
import { auditAdmin } from './admin.js';
import { DomainError } from './errors.js';
import { createApiToken, listApiTokens, revokeApiToken } from './tokens.js';

/** API tokens as the admin manages them: created (shown once), listed without their values, revoked. */
export function createTokenService(db: Db, logger: Logger) {
  const summaries = () =>
    listApiTokens(db).map((t) => ({ ...t, scopes: tokenScopeSchema.array().parse(t.scopes.split(',')) }));
  const summaryOf = (id: string) => summaries().find((t) => t.id === id);

  return {
    list: summaries,

    create(name: string, requested: readonly TokenScope[], actor: Actor) {
      const scopes = [...new Set(requested)];
      const created = createApiToken(db, name, scopes);
      auditAdmin(db, actor, 'token.create', { tokenId: created.id, name, scopes });
      logger.info({ tokenId: created.id, scopes, by: actor.tokenId }, 'API token created');
      return { ...summaryOf(created.id)!, token: created.token };
    },

    revoke(id: string, actor: Actor) {
      const existing = summaryOf(id);
      if (!existing) throw new DomainError('not_found', `There is no token with id ${id}.`);
      if (!existing.revokedAt) {
        revokeApiToken(db, id);
        auditAdmin(db, actor, 'token.revoke', { tokenId: id });
      }
      logger.info({ tokenId: id, by: actor.tokenId }, 'API token revoked');
      return summaryOf(id)!;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
