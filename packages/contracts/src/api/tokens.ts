import { z } from 'zod';

export const TOKEN_SCOPES = ['bot', 'admin', 'read'] as const;
export const tokenScopeSchema = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof tokenScopeSchema>;

/**
 * Headers a `bot` token sends to say which Discord user it acts for. An `admin` token acts as an admin;
 * a `read` token may only read.
 */
export const ACTING_USER_HEADER = 'x-guildserver-user';
export const ACTING_GUILD_ADMIN_HEADER = 'x-guildserver-guild-admin';
