// `main.ts` stops at start-up with one sentence naming the variable that is missing or malformed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { entryArgs } from '../../../../test/support/entry.js';

const run = promisify(execFile);

async function start(env: Record<string, string>) {
  try {
    await run(process.execPath, entryArgs('bot'), {
      env: { PATH: process.env.PATH, ...env },
      timeout: 20_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('start-up configuration', () => {
  it('names the missing variable', async () => {
    const { code, stderr } = await start({ API_URL: 'http://127.0.0.1:1', API_TOKEN: 'gs_x' });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'discord-bot: DISCORD_TOKEN is required and must be the bot token from the Discord developer portal.\n',
    );
  });
  it('names the malformed one, without echoing a secret', async () => {
    const { code, stderr } = await start({
      DISCORD_TOKEN: 'a.b.c',
      API_URL: 'http://127.0.0.1:1',
      API_TOKEN: 'gs_x y',
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^discord-bot: API_TOKEN must be a GuildServer API token/);
    expect(stderr).not.toContain('gs_x y');
  });
});
