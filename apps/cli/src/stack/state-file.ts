import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What `up` (the start command) leaves for `gs`: where the local API listens and an admin token for it.
 * Written with mode 0600, since the token is a secret.
 */
export interface StackState {
  apiUrl: string;
  token: string;
  dataDir: string;
  simulator?: { url: string; fingerprint?: string };
  /** The Discord side: the fake (with its control surface, for `gs discord say`) or the real Discord. */
  discord?: {
    mode: 'fake' | 'discord';
    /** The fake's control surface, e.g. http://127.0.0.1:PORT/_fake. */
    controlUrl?: string;
    guildId?: string;
    channelId?: string;
    /** Usernames one can type as (`--as`), the default first. */
    users?: string[];
    /** The default user's id (the fake's admin `demo`): `gs create` makes servers for them in guildId/channelId. */
    userId?: string;
  };
  /** The child processes it runs now (each leads its own process group); updated when one is restarted. */
  children?: { api?: number; discordBot?: number; edge?: number };
  /** The `up` process, while it runs. */
  pid?: number;
  startedAt: string;
}

export function readStackState(path: string): StackState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<StackState>;
    if (typeof value.apiUrl !== 'string' || typeof value.token !== 'string') return undefined;
    return value as StackState;
  } catch {
    return undefined;
  }
}

export function writeStackState(path: string, state: StackState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
