// The checks every server request shares: the game exists and its licences are accepted, the server is live.
import {
  type GameDefinition,
  getGame,
  isGameId,
  unacceptedLicences,
  unknownGameMessage,
} from '@guildserver/games';
import { eq } from 'drizzle-orm';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import { type ServerRow, servers } from '../db/schema.js';
import { DomainError } from './errors.js';

export function gameOf(id: string): GameDefinition {
  if (!isGameId(id)) throw new DomainError('game_unknown', unknownGameMessage(id));
  return getGame(id);
}

/** Whatever installs the game (Ansible or the simulated runner), the admin has to have accepted its licences. */
export function requireAcceptedLicences(
  game: GameDefinition,
  config: Pick<ApiConfig, 'licencesAccepted'>,
): void {
  const missing = unacceptedLicences(game, config.licencesAccepted);
  if (missing.length === 0) return;
  throw new DomainError(
    'game_unavailable',
    `${game.name} needs ${missing.map((l) => `${l.name} (${l.url})`).join(' and ')} accepted by the admin before servers can be created: add ${missing.map((l) => l.id).join(',')} to GAME_LICENSES_ACCEPTED.`,
  );
}

/** The server, unless it does not exist or was deleted. */
export function liveServer(db: Db, id: string): ServerRow {
  const row = db.select().from(servers).where(eq(servers.id, id)).get();
  if (!row || row.deletedAt) throw new DomainError('not_found', `There is no server with id ${id}.`);
  return row;
}
