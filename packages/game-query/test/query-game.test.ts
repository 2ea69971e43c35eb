// queryGame against stand-ins of the real servers on 127.0.0.1: each fake speaks the game's own wire protocol,
// so these tests check what gets decoded (names, counts), and how a silent or closed port fails.
import { type GameDefinition, getGame } from '@guildserver/games';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assignedPeerId,
  disconnectPacket,
  GameQueryError,
  onlineFromAnswer,
  queryGame,
} from '../src/index.js';
import {
  closedTcpPort,
  closedUdpPort,
  type Fake,
  fakeLuanti,
  fakeOpenTtd,
  fakeQuake3,
  fakeRcon,
  PACKET_CLIENT_GAME_INFO,
  silentTcp,
  silentUdp,
} from '../src/testing.js';

const game = (id: string): GameDefinition => {
  const found = getGame(id);
  if (!found) throw new Error(`no game ${id}`);
  return found;
};

const open: Fake[] = [];
const track = <T extends Fake>(fake: T): T => {
  open.push(fake);
  return fake;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
});

/** The rejection, checked to be a GameQueryError, and how long it took. */
async function failure(run: () => Promise<unknown>): Promise<{ error: GameQueryError; ms: number }> {
  const started = performance.now();
  const error = await run().then(
    () => {
      throw new Error('the query answered, but it should not have');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GameQueryError);
  return { error: error as GameQueryError, ms: performance.now() - started };
}

describe('OpenArena through gamedig (Quake 3 getstatus over UDP)', () => {
  it('decodes the server name without colour codes, the map and the players', async () => {
    const fake = track(
      await fakeQuake3({
        info: {
          sv_hostname: '^1Guild^7Arena',
          mapname: 'oa_dm4',
          sv_maxclients: '12',
          g_needpass: '0',
          version: 'ioq3 1.36_GIT_f2c61c14-2021-12-19 linux-x86_64',
        },
        players: [
          { score: 12, ping: 48, name: '^2Alice' },
          { score: 3, ping: 61, name: 'Bob' },
        ],
      }),
    );
    const answer = await queryGame(game('openarena'), '127.0.0.1', { port: fake.port, timeoutMs: 2_000 });
    expect(answer.name).toBe('GuildArena');
    expect(answer.map).toBe('oa_dm4');
    expect(answer.version).toBe('ioq3 1.36_GIT_f2c61c14-2021-12-19 linux-x86_64');
    expect(answer.players).toEqual({ online: 2, max: 12 });
    expect(answer.pingMs).toBeGreaterThanOrEqual(0);
    expect(fake.requests[0]).toMatch(/^\xff\xff\xff\xffgetstatus/);
  });

  it('fails with one clear sentence when the port stays silent, within the time given', async () => {
    const fake = track(await silentUdp());
    const { error, ms } = await failure(() =>
      queryGame(game('openarena'), '127.0.0.1', { port: fake.port, timeoutMs: 400 }),
    );
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe(
      `OpenArena did not answer gamedig's openarena query on 127.0.0.1:${fake.port}/udp within 400 ms.`,
    );
    expect(ms).toBeLessThan(2_000);
  });
});

describe('OpenTTD through gamedig (PACKET_CLIENT_GAME_INFO over TCP)', () => {
  const info = {
    serverName: 'Guild Transport Co',
    revision: '13.0',
    clientsMax: 25,
    clientsOn: 3,
    spectatorsOn: 1,
    companiesMax: 15,
    companiesOn: 2,
    usePassword: false,
    mapWidth: 256,
    mapHeight: 512,
    landscape: 1,
    newgrfs: [{ grfid: 0x4f474658, md5: Buffer.alloc(16, 0xab), name: 'OpenGFX' }],
  };

  it('asks for the game info and decodes name, clients and companies', async () => {
    const fake = track(await fakeOpenTtd(info));
    const answer = await queryGame(game('openttd'), '127.0.0.1', { port: fake.port, timeoutMs: 2_000 });
    expect(fake.requests[0]).toEqual(Buffer.from([0x03, 0x00, PACKET_CLIENT_GAME_INFO]));
    expect(answer.name).toBe('Guild Transport Co');
    // The revision a client compares with its own before it offers a join.
    expect(answer.version).toBe('13.0');
    expect(answer.players).toEqual({ online: 3, max: 25 });
    expect(answer.raw).toMatchObject({
      numcompanies: 2,
      maxcompanies: 15,
      map_width: 256,
      map_height: 512,
      landscape: 'arctic',
      dedicated: true,
      grfs: [{ name: 'OpenGFX' }],
    });
  });

  it('says nothing listens when the port refuses the connection', async () => {
    const port = await closedTcpPort();
    const { error, ms } = await failure(() =>
      queryGame(game('openttd'), '127.0.0.1', { port, timeoutMs: 2_000 }),
    );
    expect(error.reason).toBe('refused');
    expect(error.message).toBe(
      `OpenTTD is not listening on 127.0.0.1:${port}/tcp yet: the connection for gamedig's openttd query was refused.`,
    );
    expect(ms).toBeLessThan(1_500);
  });

  it('times out on a server that accepts and never answers', async () => {
    const fake = track(await silentTcp());
    const { error, ms } = await failure(() =>
      queryGame(game('openttd'), '127.0.0.1', { port: fake.port, timeoutMs: 500 }),
    );
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(
      /^OpenTTD did not answer gamedig's openttd query on 127\.0\.0\.1:\d+\/tcp within 500 ms\.$/,
    );
    expect(ms).toBeLessThan(2_000);
  });
});

describe('Luanti through its own UDP handshake', () => {
  it('is up when the server hands out a peer id, and drops that peer again', async () => {
    const fake = track(await fakeLuanti());
    const answer = await queryGame(game('luanti'), '127.0.0.1', { port: fake.port, timeoutMs: 2_000 });
    expect(answer.players).toBeUndefined();
    expect(answer.raw).toEqual({ peerId: 2 });
    expect(fake.assigned).toEqual([2]);
    await expect.poll(() => fake.disconnected).toEqual([2]);
  });

  it('waits for the SET_PEER_ID when the ACK comes first', async () => {
    const fake = track(await fakeLuanti({ ackFirst: true }));
    const answer = await queryGame(game('luanti'), '127.0.0.1', { port: fake.port, timeoutMs: 2_000 });
    expect(answer.raw).toEqual({ peerId: 2 });
    await expect.poll(() => fake.disconnected).toEqual([2]);
  });

  it('reads the peer id out of a reliable SET_PEER_ID and builds the DISCO for it', () => {
    expect(assignedPeerId(Buffer.from('4f457403000100' + '03ffdc' + '0001' + '0007', 'hex'))).toBe(7);
    expect(assignedPeerId(Buffer.from('4f45740300010000' + '00ffdc', 'hex'))).toBeUndefined();
    expect(disconnectPacket(7).toString('hex')).toBe('4f457403000700' + '0003');
  });

  it('says the host refused when nothing listens on the port', async () => {
    const port = await closedUdpPort();
    const { error } = await failure(() => queryGame(game('luanti'), '127.0.0.1', { port, timeoutMs: 1_000 }));
    expect(error.reason).toBe('refused');
    expect(error.message).toBe(
      `Luanti (Minetest) is not listening on 127.0.0.1:${port}/udp yet: the host refused the datagram.`,
    );
  });

  it('times out when the port stays silent', async () => {
    const fake = track(await silentUdp());
    const { error, ms } = await failure(() =>
      queryGame(game('luanti'), '127.0.0.1', { port: fake.port, timeoutMs: 300 }),
    );
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe(
      `Luanti (Minetest) did not answer Luanti's connection handshake on 127.0.0.1:${fake.port}/udp within 300 ms.`,
    );
    expect(ms).toBeLessThan(1_000);
  });
});

describe('Factorio over Source RCON', () => {
  const answer = () => 'Online players (2):\n  alice (online)\n  bob (online)\n';

  it('logs in with the password, runs the catalog command and reads the count', async () => {
    const fake = track(await fakeRcon({ password: 's3cret-Pass', answer }));
    const result = await queryGame(game('factorio'), '127.0.0.1', {
      port: fake.port,
      rconPassword: 's3cret-Pass',
      maxPlayers: 16,
      timeoutMs: 2_000,
    });
    expect(fake.logins).toEqual([{ password: 's3cret-Pass', accepted: true }]);
    expect(fake.commands).toEqual(['/players online count']);
    expect(result.players).toEqual({ online: 2, max: 16 });
  });

  it("reports the game's default maximum when told none (Factorio: 0, no limit)", async () => {
    const fake = track(await fakeRcon({ password: 'pw', answer: () => 'Online players (0):' }));
    const result = await queryGame(game('factorio'), '127.0.0.1', { port: fake.port, rconPassword: 'pw' });
    expect(result.players).toEqual({ online: 0, max: 0 });
  });

  it('refuses a wrong password in one sentence', async () => {
    const fake = track(await fakeRcon({ password: 'right', answer }));
    const { error } = await failure(() =>
      queryGame(game('factorio'), '127.0.0.1', { port: fake.port, rconPassword: 'wrong', timeoutMs: 2_000 }),
    );
    expect(error.reason).toBe('auth_failed');
    expect(error.message).toBe(
      `Factorio (headless) refused the RCON password on 127.0.0.1:${fake.port}/tcp: the password it was installed with differs.`,
    );
  });

  it('needs a password at all', async () => {
    const { error } = await failure(() => queryGame(game('factorio'), '127.0.0.1', { port: 1 }));
    expect(error.reason).toBe('auth_failed');
    expect(error.message).toMatch(/needs the server's RCON password; none was given\.$/);
  });

  it('fails fast on a closed port and within the time on a silent one', async () => {
    const port = await closedTcpPort();
    const refused = await failure(() =>
      queryGame(game('factorio'), '127.0.0.1', { port, rconPassword: 'pw', timeoutMs: 2_000 }),
    );
    expect(refused.error.reason).toBe('refused');
    expect(refused.ms).toBeLessThan(1_500);

    const fake = track(await silentTcp());
    const silent = await failure(() =>
      queryGame(game('factorio'), '127.0.0.1', { port: fake.port, rconPassword: 'pw', timeoutMs: 400 }),
    );
    expect(silent.error.reason).toBe('timeout');
    expect(silent.error.message).toMatch(/^Factorio \(headless\) /);
    expect(silent.ms).toBeLessThan(1_500);
  });

  it('reads the count from the answer text the catalog describes', () => {
    expect(onlineFromAnswer('Online players (3):\n  a (online)')).toBe(3);
    expect(onlineFromAnswer('Unknown command')).toBeUndefined();
  });
});

describe('any query', () => {
  it('stops at once when the caller aborts', async () => {
    const fake = track(await silentUdp());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { error, ms } = await failure(() =>
      queryGame(game('valheim'), '127.0.0.1', {
        port: fake.port,
        timeoutMs: 5_000,
        signal: controller.signal,
      }),
    );
    expect(error.reason).toBe('aborted');
    expect(ms).toBeLessThan(1_000);
  });
});
