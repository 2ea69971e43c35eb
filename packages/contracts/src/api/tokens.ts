import { z } from 'zod';

/**
 * `bot`: the Discord bot (acts for the user it names); `admin`: everything; `read`: reads everything;
 * `edge`: the edge daemon, which reads the forwarding table and nothing else.
 */
export const TOKEN_SCOPES = ['bot', 'admin', 'read', 'edge'] as const;
export const tokenScopeSchema = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof tokenScopeSchema>;

/**
 * Headers a `bot` token sends to say which Discord user it acts for. An `admin` token acts as an admin;
 * a `read` token may only read.
 */
export const ACTING_USER_HEADER = 'x-guildserver-user';
export const ACTING_GUILD_ADMIN_HEADER = 'x-guildserver-guild-admin';
