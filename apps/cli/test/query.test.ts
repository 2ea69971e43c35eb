// `gs query` as a process, against stand-ins speaking each game's own protocol on 127.0.0.1: an answer names
// the server and its players; silence, a closed port or a bad address is one sentence and exit code 1.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closedUdpPort, fakeOpenTtd, fakeQuake3, silentTcp } from '@guildserver/game-query/testing';
import { describe, expect, it } from 'vitest';
import { entryArgs } from '../../../test/support/entry.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');

async function gs(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...entryArgs('gs'), ...args], {
      cwd: REPO,
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', GS_STATE_FILE: '/nonexistent' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gs query', () => {
  it("reports what the game at the address says, over the game's own protocol", async () => {
    const openttd = await fakeOpenTtd({
      serverName: 'survival',
      revision: '14.1',
      clientsMax: 25,
      clientsOn: 3,
      spectatorsOn: 0,
      companiesMax: 15,
      companiesOn: 2,
      usePassword: false,
      mapWidth: 256,
      mapHeight: 256,
      landscape: 0,
      newgrfs: [],
    });
    const arena = await fakeQuake3({
      info: { sv_hostname: 'arena', mapname: 'oa_dm1', sv_maxclients: '12' },
      players: [],
    });
    try {
      const text = await gs(['query', 'openttd', `127.0.0.1:${openttd.port}`]);
      expect(text.stdout).toBe(`OpenTTD answers at 127.0.0.1:${openttd.port}: "survival", 3/25 players.\n`);
      expect(text.code).toBe(0);
      const json = await gs(['query', 'openarena', `127.0.0.1:${arena.port}`, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        game: 'openarena',
        answered: true,
        name: 'arena',
        map: 'oa_dm1',
        players: { online: 0, max: 12 },
      });
    } finally {
      await openttd.close();
      await arena.close();
    }
  }, 120_000);

  it('says why a game did not answer, with exit code 1', async () => {
    const silent = await silentTcp();
    try {
      const quiet = await gs(['query', 'openttd', `127.0.0.1:${silent.port}`, '--timeout', '1']);
      expect(quiet.code).toBe(1);
      expect(quiet.stderr).toMatch(/OpenTTD did not answer .* on 127.0.0.1:\d+\/tcp within 1 s\./);
      const closed = await gs(['query', 'luanti', `127.0.0.1:${await closedUdpPort()}`, '--json']);
      expect(closed.code).toBe(1);
      expect(JSON.parse(closed.stdout)).toMatchObject({ game: 'luanti', answered: false, reason: 'refused' });
    } finally {
      await silent.close();
    }
  }, 120_000);

  it('refuses an unknown game or a malformed address, naming what was wrong', async () => {
    const game = await gs(['query', 'minecraf', 'play.example.net']);
    expect(game.code).toBe(1);
    expect(game.stderr).toMatch(/There is no game `minecraf`.*`minecraft-java`/);
    const address = await gs(['query', 'openttd', 'play.example.net:99999']);
    expect(address.code).toBe(1);
    expect(address.stderr).toMatch(/"play.example.net:99999" is not an address: give host or host:port/);
  }, 120_000);
});
