import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where GuildServer keeps what is slow to make (same default as the test suite's bookworm target). */
export function cacheDir(): string {
  return (
    process.env.GUILDSERVER_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'guildserver')
  );
}
