import { createHash, randomBytes } from 'node:crypto';
import type { TokenScope } from '@guildserver/contracts';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { apiTokens } from '../db/schema.js';
import { newTokenId, now } from './ids.js';

const PREFIX = 'gs_';
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Creates a token; the clear value is returned once and only its hash is stored. */
export function createApiToken(
  db: Db,
  name: string,
  scopes: readonly TokenScope[],
): { id: string; token: string } {
  const id = newTokenId();
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  db.insert(apiTokens)
    .values({ id, name, hash: hash(token), scopes: scopes.join(','), createdAt: now() })
    .run();
  return { id, token };
}

export interface FoundToken {
  id: string;
  name: string;
  scopes: TokenScope[];
}

/**
 * Answers from a short-lived cache in front of a prepared statement: every API request authenticates, and
 * building the query each time was the largest cost of a request. A token revoked by another process stops
 * working within CACHE_MS; one revoked through this process's API at once.
 */
const CACHE_MS = 5_000;
const lookups = new WeakMap<
  Db,
  { byHash: Map<string, { token: FoundToken | undefined; at: number }>; select: (hash: string) => unknown }
>();

function lookupFor(db: Db) {
  let lookup = lookups.get(db);
  if (!lookup) {
    const statement = db.$client.prepare(
      'SELECT id, name, scopes, revoked_at AS revokedAt FROM api_tokens WHERE hash = ?',
    );
    lookup = { byHash: new Map(), select: (h: string) => statement.get(h) };
    lookups.set(db, lookup);
  }
  return lookup;
}

export function findApiToken(db: Db, token: string): FoundToken | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const lookup = lookupFor(db);
  const key = hash(token);
  const cached = lookup.byHash.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.token;
  const row = lookup.select(key) as
    | { id: string; name: string; scopes: string; revokedAt: string | null }
    | undefined;
  const found =
    row && !row.revokedAt
      ? { id: row.id, name: row.name, scopes: row.scopes.split(',') as TokenScope[] }
      : undefined;
  if (lookup.byHash.size > 10_000) lookup.byHash.clear();
  lookup.byHash.set(key, { token: found, at: Date.now() });
  return found;
}

export function revokeApiToken(db: Db, id: string): boolean {
  lookups.get(db)?.byHash.clear();
  return db.update(apiTokens).set({ revokedAt: now() }).where(eq(apiTokens.id, id)).run().changes > 0;
}

export function listApiTokens(db: Db) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      scopes: apiTokens.scopes,
      createdAt: apiTokens.createdAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .all();
}
