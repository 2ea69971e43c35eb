import type { TokenScope } from '@guildserver/contracts';
import { DomainError } from './errors.js';

/** Who is calling: the token, and the Discord user a bot token acts for. */
export interface Actor {
  tokenId: string;
  scopes: readonly TokenScope[];
  /** Discord user id the bot acts for; absent for admin and read tokens used directly. */
  userId?: string;
  /** Guild in which the bot vouches that the user is an admin (Manage Server or the admin role). */
  adminOfGuild?: string;
}

export const isAdmin = (actor: Actor) => actor.scopes.includes('admin');

export function requireWrite(actor: Actor): void {
  if (!actor.scopes.includes('admin') && !actor.scopes.includes('bot')) {
    throw new DomainError('forbidden', 'This token may only read: use a token with the bot or admin scope.');
  }
}

/** A user acts on their own servers; guild admins on every server of their guild; admin tokens on all. */
export function requireMayActOn(
  actor: Actor,
  server: { ownerId: string; guildId: string; name: string },
): void {
  if (isAdmin(actor)) return;
  if (actor.adminOfGuild === server.guildId) return;
  if (actor.userId === undefined) {
    throw new DomainError(
      'forbidden',
      'A bot token must say which Discord user it acts for (x-guildserver-user).',
    );
  }
  if (actor.userId !== server.ownerId) {
    throw new DomainError(
      'not_owner',
      `The server '${server.name}' belongs to someone else; only its owner or a guild admin may do that.`,
    );
  }
}
