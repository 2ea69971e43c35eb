// Terraria with TShock while asleep: the REST status answers, the client's Connect Request wakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terrariaGame, tshockRest } from '../../src/asleep/terraria.js';
import { connectAndHangUp, tcpExchange } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostTcp } from './support/host.js';
import { INFO } from './support/info.js';
import { garbage, TCP_PROBES, TERRARIA_CONNECT_REQUEST } from './support/packets.js';

describe('Terraria (TShock), asleep', () => {
  let rest: Hosted;
  let game: Hosted;
  beforeAll(async () => {
    rest = await hostTcp(tshockRest, { ...INFO, gamePort: 7777 });
    game = await hostTcp(terrariaGame, INFO);
  });
  afterAll(() => Promise.all([rest.close(), game.close()]));

  it('answers gamedig’s terrariatshock query on the REST port with the status line, 0 players and the maximum', async () => {
    const result = await gamedig('terrariatshock', rest.port, { token: 'any' });
    expect(result.name).toBe(INFO.status);
    expect(result.numplayers).toBe(0);
    expect(result.maxplayers).toBe(INFO.maxPlayers);
    expect(result.players).toEqual([]);
    expect(result.raw).toMatchObject({ status: '200', port: 7777, world: INFO.serverName });
    expect(rest.kinds()).not.toContain('join');
  });

  it('answers other REST paths with TShock’s 404 and ignores what is not HTTP', async () => {
    const notFound = await tcpExchange(rest, [Buffer.from('GET /v2/users/list HTTP/1.1\r\nHost: x\r\n\r\n')]);
    expect(notFound.received.toString('latin1')).toMatch(/^HTTP\/1\.1 404 /);
    expect((await tcpExchange(rest, [garbage(64, 11)])).verdicts.map((verdict) => verdict.kind)).toEqual([
      'ignore',
    ]);
  });

  it('wakes on the client’s Connect Request and disconnects it with the join message', async () => {
    const outcome = await tcpExchange(game, [TERRARIA_CONNECT_REQUEST]);
    expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['join']);
    const reply = outcome.received;
    expect(reply.readUInt16LE(0)).toBe(reply.length);
    expect([reply[2], reply[3]]).toEqual([2, 0]); // disconnect, literal NetworkText
    expect(reply.toString('utf8', 5)).toBe(INFO.joinMessage);
    expect(outcome.closed).toBe(true);
  });

  it('does not wake on a silent connection, web or TLS clients, garbage, or a REST call on the game port', async () => {
    const before = game.verdicts.length;
    await connectAndHangUp(game);
    expect(game.verdicts.length).toBe(before);
    const probes = { ...TCP_PROBES, 'REST status': Buffer.from('GET /v2/server/status HTTP/1.1\r\n\r\n') };
    for (const [name, probe] of Object.entries(probes)) {
      const outcome = await tcpExchange(game, [probe]);
      expect(
        outcome.verdicts.map((verdict) => verdict.kind),
        name,
      ).toEqual(['ignore']);
    }
  });
});
