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

/** Whose servers a request reaches: every server, or those of one user and of the guild they administer. */
export type Reach = { all: true } | { all: false; ownerId?: string; guildId?: string };

/** What a server, job or event is judged by: the server's owner and guild. */
export interface Owned {
  ownerId: string | null;
  guildId: string | null;
}

export const isAdmin = (actor: Actor) => actor.scopes.includes('admin');

/**
 * The one permission rule, for every route, listing and stream. Admin and read tokens reach everything, and so
 * does a bot token that acts for nobody (the bot itself, following every guild's events to post notices). A
 * bot token acting for a user reaches that user's servers, and every server of the guild the bot vouches they
 * administer. An edge token reaches no server: it reads the forwarding table only.
 */
export function reachOf(actor: Actor): Reach {
  if (isAdmin(actor) || actor.scopes.includes('read')) return { all: true };
  if (!actor.scopes.includes('bot')) return { all: false };
  if (actor.userId === undefined && actor.adminOfGuild === undefined) return { all: true };
  const reach: Reach = { all: false };
  if (actor.userId !== undefined) reach.ownerId = actor.userId;
  if (actor.adminOfGuild !== undefined) reach.guildId = actor.adminOfGuild;
  return reach;
}

export function reaches(reach: Reach, item: Owned): boolean {
  if (reach.all) return true;
  return (
    (reach.ownerId !== undefined && item.ownerId === reach.ownerId) ||
    (reach.guildId !== undefined && item.guildId === reach.guildId)
  );
}

const belongsToSomeoneElse = (name: string) =>
  new DomainError(
    'not_owner',
    `The server '${name}' belongs to someone else; only its owner or a guild admin may see or change it.`,
  );

/** Reading a server, its jobs or its events. */
export function requireMayRead(actor: Actor, server: Owned & { name: string }): void {
  if (!reaches(reachOf(actor), server)) throw belongsToSomeoneElse(server.name);
}

export function requireWrite(actor: Actor): void {
  if (!actor.scopes.includes('admin') && !actor.scopes.includes('bot')) {
    throw new DomainError('forbidden', 'This token may only read: use a token with the bot or admin scope.');
  }
}

/** Changing a server: the same rule as reading, but a bot token must say which user it acts for. */
export function requireMayActOn(
  actor: Actor,
  server: { ownerId: string; guildId: string; name: string },
): void {
  if (isAdmin(actor)) return;
  if (actor.userId === undefined && actor.adminOfGuild === undefined) {
    throw new DomainError(
      'forbidden',
      'A bot token must say which Discord user it acts for (x-guildserver-user).',
    );
  }
  if (!reaches(reachOf(actor), server)) throw belongsToSomeoneElse(server.name);
}
