// Per-server secrets a game needs (Factorio's RCON password, generated join and admin passwords): derived, never
// stored. Each is HMAC-SHA256(key, "<purpose>:<server id>"), so the Ansible run that installs the game and the probe that
// queries it later agree without a table of passwords, and a leaked one opens one server only. The key is
// GAME_SECRETS_KEY, or one generated into the data directory on first start (shared by the API and the workers
// of this machine, like the SQLite file beside it). Neither the key nor a secret is ever logged.
import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GameSecrets {
  /** The RCON password of that server's game (base64url, 43 characters). */
  rconPassword(serverId: string): string;
  /**
   * The generated value of a password setting (a join or admin password) that people type: 14 characters
   * without look-alikes (no 0/O/o, 1/l/I), about 80 bits.
   */
  settingPassword(serverId: string, key: string): string;
}

const TYPABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const TYPABLE_LENGTH = 14;

export const SECRETS_KEY_FILE = 'game-secrets.key';
const MIN_KEY_LENGTH = 32;

export function gameSecretsFromKey(key: string): GameSecrets {
  const derive = (purpose: string, serverId: string) =>
    createHmac('sha256', key).update(`${purpose}:${serverId}`).digest('base64url');
  const digest = (purpose: string, serverId: string) =>
    createHmac('sha256', key).update(`${purpose}:${serverId}`).digest();
  return {
    rconPassword: (serverId) => derive('rcon-password', serverId),
    settingPassword: (serverId, setting) =>
      [...digest(`setting:${setting}`, serverId).subarray(0, TYPABLE_LENGTH)]
        .map((byte) => TYPABLE[byte % TYPABLE.length])
        .join(''),
  };
}

/**
 * Reads the key file in `dataDir`, or makes one (64 hex characters, mode 600) when there is none yet. Processes
 * starting together agree: only one key gets into place, and all of them read that one.
 */
export function readOrCreateSecretsKey(dataDir: string): string {
  const path = join(dataDir, SECRETS_KEY_FILE);
  const read = () => {
    const key = readFileSync(path, 'utf8').trim();
    if (key.length < MIN_KEY_LENGTH) {
      throw new Error(
        `${path} holds no usable key (it must have at least ${MIN_KEY_LENGTH} characters); delete it to have a new one made, which changes every game's RCON password.`,
      );
    }
    return key;
  };
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Written whole under a name of its own, then linked into place: nobody ever reads a half-written key.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  return read();
}

/** GAME_SECRETS_KEY when set, else the data directory's key file (made on first use). */
export function loadGameSecrets(config: { gameSecretsKey?: string; databasePath: string }): GameSecrets {
  return gameSecretsFromKey(config.gameSecretsKey ?? readOrCreateSecretsKey(dirname(config.databasePath)));
}
