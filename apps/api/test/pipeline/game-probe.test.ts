// The `query` GameProbe (the games' own queries) against stand-in game servers on 127.0.0.1, the port it asks,
// the per-server secrets, and wait_game's deadline and failure sentence through the pipeline.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedTcpPort, fakeLuanti, fakeRcon, silentUdp } from '@guildserver/game-query/testing';
import { getGame } from '@guildserver/games';
import { describe, expect, it } from 'vitest';
import {
  createQueryGameProbe,
  type GameProbe,
  type GameProbeRequest,
  guestQueryPort,
} from '../../src/pipeline/game/game-probe.js';
import {
  gameSecretsFromKey,
  loadGameSecrets,
  readOrCreateSecretsKey,
  SECRETS_KEY_FILE,
} from '../../src/pipeline/game/game-secrets.js';
import { ADMIN, createRequest, FAST_RUNNER, startStack } from './support.js';

const secrets = gameSecretsFromKey('a-test-key-that-is-long-enough-0123456789');
const SERVER = { id: 'srv_abc123def456', name: 'alpha' };

function request(game: string, port: number, extra: Partial<GameProbeRequest> = {}): GameProbeRequest {
  return {
    game: getGame(game)!,
    server: SERVER,
    ipv4: '127.0.0.1',
    port,
    timeoutMs: 2_000,
    signal: new AbortController().signal,
    ...extra,
  };
}

describe('the port the probe asks', () => {
  const allocated = (
    purpose: 'game' | 'query',
    index: number,
    protocol: 'tcp' | 'udp',
    port: number,
    guestPort: number,
  ) => ({ purpose, index, protocol, port, guestPort, published: true });

  it("is the server's guest port for the catalog's query port", () => {
    const valheim = getGame('valheim');
    const rows = [allocated('game', 1, 'udp', 20000, 2456), allocated('query', 1, 'udp', 20001, 2457)];
    expect(guestQueryPort(valheim, rows)).toBe(2457);
    // Guest ports moved away from the catalog's defaults: the same port's row still says where.
    expect(
      guestQueryPort(valheim, [
        allocated('game', 1, 'udp', 20000, 3456),
        allocated('query', 1, 'udp', 20001, 3457),
      ]),
    ).toBe(3457);
    const satisfactory = getGame('satisfactory');
    expect(
      guestQueryPort(satisfactory, [
        allocated('game', 1, 'tcp', 20010, 7777),
        allocated('game', 1, 'udp', 20010, 7777),
        allocated('game', 2, 'tcp', 20011, 8888),
      ]),
    ).toBe(7777);
  });

  it("is the catalog's port for a port only our tools use (Factorio's RCON has no row)", () => {
    expect(guestQueryPort(getGame('factorio'), [allocated('game', 1, 'udp', 20000, 34197)])).toBe(34198);
  });
});

describe('the query probe', () => {
  it("logs in to Factorio's RCON with the server's derived password and reads the count", async () => {
    const fake = await fakeRcon({
      password: secrets.rconPassword(SERVER.id),
      answer: () => 'Online players (1):\n  alice (online)',
    });
    try {
      const probe = createQueryGameProbe({ secrets });
      expect(await probe.query(request('factorio', fake.port))).toEqual({
        up: true,
        players: { online: 1, max: 0 },
      });
      expect(fake.logins).toEqual([{ password: secrets.rconPassword(SERVER.id), accepted: true }]);
    } finally {
      await fake.close();
    }
  });

  it('gives up at once when the game refuses the password: waiting cannot help', async () => {
    const fake = await fakeRcon({ password: 'installed-with-another-key', answer: () => '' });
    try {
      const result = await createQueryGameProbe({ secrets }).query(request('factorio', fake.port));
      expect(result).toMatchObject({ up: false, final: true });
      expect(result.up === false && result.reason).toMatch(/refused the RCON password/);
    } finally {
      await fake.close();
    }
  });

  it('says Luanti is up on its handshake, with players from its announces once one arrived', async () => {
    const fake = await fakeLuanti();
    try {
      let reported: { online: number; max: number } | undefined;
      const probe = createQueryGameProbe({ secrets, reportedPlayers: () => reported });
      expect(await probe.query(request('luanti', fake.port))).toEqual({ up: true, players: undefined });
      reported = { online: 3, max: 15 };
      expect(await probe.query(request('luanti', fake.port))).toEqual({
        up: true,
        players: { online: 3, max: 15 },
      });
      await expect.poll(() => fake.disconnected).toEqual([2, 3]);
    } finally {
      await fake.close();
    }
  });

  it('is not up, with the reason, while nothing answers; one try stays within its time', async () => {
    const port = await closedTcpPort();
    const probe = createQueryGameProbe({ secrets, attemptTimeoutMs: 300 });
    const refused = await probe.query(request('openttd', port));
    expect(refused).toEqual({
      up: false,
      reason: `OpenTTD is not listening on 127.0.0.1:${port}/tcp yet: the connection for gamedig's openttd query was refused.`,
    });
    const silent = await silentUdp();
    try {
      const started = performance.now();
      const result = await probe.query(request('luanti', silent.port, { timeoutMs: 10_000 }));
      expect(result).toMatchObject({ up: false, reason: expect.stringMatching(/within 300 ms\.$/) });
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });
});

describe('game secrets', () => {
  it('are derived per server and stable for one key', () => {
    const again = gameSecretsFromKey('a-test-key-that-is-long-enough-0123456789');
    expect(again.rconPassword('srv_a')).toBe(secrets.rconPassword('srv_a'));
    expect(secrets.rconPassword('srv_a')).not.toBe(secrets.rconPassword('srv_b'));
    expect(gameSecretsFromKey('another-key-that-is-long-enough-0123456789').rconPassword('srv_a')).not.toBe(
      secrets.rconPassword('srv_a'),
    );
  });

  it('come from a key made once in the data directory when GAME_SECRETS_KEY is unset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-secrets-'));
    try {
      const key = readOrCreateSecretsKey(dir);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(dir, SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(readOrCreateSecretsKey(dir)).toBe(key);
      const fromFile = loadGameSecrets({ databasePath: join(dir, 'guildserver.sqlite') });
      expect(fromFile.rconPassword('srv_a')).toBe(gameSecretsFromKey(key).rconPassword('srv_a'));
      const fromEnv = loadGameSecrets({ gameSecretsKey: 'x'.repeat(32), databasePath: join(dir, 'db') });
      expect(fromEnv.rconPassword('srv_a')).toBe(gameSecretsFromKey('x'.repeat(32)).rconPassword('srv_a'));
      expect(readFileSync(join(dir, SECRETS_KEY_FILE), 'utf8').trim()).toBe(key);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wait_game through the pipeline', () => {
  it("asks the server's guest query port, and fails with the last reason when the game never answers", async () => {
    const seen: GameProbeRequest[] = [];
    const neverUp: GameProbe = {
      kind: 'test',
      query: async (req) => {
        seen.push(req);
        return { up: false, reason: 'Minecraft: Java Edition is not listening yet.' };
      },
    };
    const stack = await startStack({
      worker: { runner: { ...FAST_RUNNER, gameReadyTimeoutMs: 400 }, gameProbe: neverUp },
    });
    try {
      const { server, jobId } = await stack.service.create(createRequest('neverup'), ADMIN);
      const job = await stack.waitForJob(jobId);
      expect(job.state).toBe('failed');
      expect(job.error).toMatchObject({ code: 'game_unresponsive', step: 'wait_game' });
      expect(job.error?.message).toBe(
        'Minecraft: Java Edition did not answer on port 25565/tcp within 400 ms. Last try: Minecraft: Java Edition is not listening yet.',
      );
      expect(seen[0]).toMatchObject({ port: 25565, server: { id: server.id, name: 'neverup' } });
      // Each try is given at most what is left of the deadline (the runner option caps the game's 300 s).
      expect(Math.max(...seen.map((r) => r.timeoutMs))).toBeLessThanOrEqual(400);
      expect(
        stack
          .eventsOf(server.id)
          .some(
            (e) =>
              e.type === 'step.progress' &&
              e.message === 'Waiting for Minecraft: Java Edition to answer on port 25565/tcp (up to 400 ms).',
          ),
      ).toBe(true);
    } finally {
      await stack.close();
    }
  });

  it('succeeds without a count when the game cannot tell one, saying where the count will come from', async () => {
    const upNoCount: GameProbe = { kind: 'test', query: async () => ({ up: true, players: undefined }) };
    const stack = await startStack({ worker: { gameProbe: upNoCount } });
    try {
      const { server, jobId } = await stack.service.create(createRequest('luantiish', 'luanti'), ADMIN);
      const job = await stack.waitForJob(jobId);
      expect(job.state).toBe('succeeded');
      expect(job.steps.find((s) => s.name === 'wait_game')?.detail).toBe(
        'Luanti (Minetest) answers on port 30000/udp; it cannot report players (set GAME_REPORTS_URL to have it announce them).',
      );
      expect(stack.server(server.id)).toMatchObject({ playersOnline: null, playersMax: null });
    } finally {
      await stack.close();
    }
  });
});
