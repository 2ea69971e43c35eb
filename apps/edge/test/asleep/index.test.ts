// Which responder holds each published port, from the catalog; and the product's own readiness query
// (packages/game-query, gamedig or Luanti's probe, exactly as the catalog says) against each game's responder.

import { queryGame } from '@guildserver/game-query';
import { GAMES, type GameId, type GamePort, gamePorts, getGame } from '@guildserver/games';
import { afterEach, describe, expect, it } from 'vitest';
import { responderFor } from '../../src/asleep/index.js';
import { type Hosted, hostTcp, hostUdp } from './support/host.js';
import { INFO } from './support/info.js';

const keyOf = (port: Pick<GamePort, 'purpose' | 'index' | 'protocol'>) =>
  `${port.purpose}/${port.index}/${port.protocol}`;

/** Published ports that stay silent while asleep, and why. */
const SILENT: Partial<Record<GameId, string[]>> = {
  // The HTTPS API cannot tell a status poll from a join (see satisfactory.ts); 8888 is used only once connected.
  satisfactory: ['game/1/tcp', 'game/2/tcp'],
};

describe('responderFor', () => {
  it('gives every published port a responder of its protocol, except the documented silent ones', () => {
    for (const game of GAMES) {
      for (const port of gamePorts(game)) {
        const responder = responderFor(game.id, port);
        const silent = !port.published || (SILENT[game.id] ?? []).includes(keyOf(port));
        if (silent) expect(responder, `${game.id} ${keyOf(port)}`).toBeUndefined();
        else expect(responder?.transport, `${game.id} ${keyOf(port)}`).toBe(port.protocol);
      }
    }
  });

  it('keeps RCON ports silent and knows no port the catalog does not list', () => {
    expect(responderFor('minecraft-java', { purpose: 'rcon', index: 1, protocol: 'tcp' })).toBeUndefined();
    expect(responderFor('factorio', { purpose: 'rcon', index: 1, protocol: 'tcp' })).toBeUndefined();
    expect(responderFor('valheim', { purpose: 'game', index: 3, protocol: 'udp' })).toBeUndefined();
    expect(responderFor('luanti', { purpose: 'game', index: 1, protocol: 'tcp' })).toBeUndefined();
  });
});

describe('the product’s readiness query against each sleeping game', () => {
  let host: Hosted | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  // Factorio's query logs in over RCON, which stays closed while asleep. Minecraft's (gamedig's types minecraft
  // and mbe) also runs the other editions' queries, which nothing answers here — as on a real server.
  const queried = GAMES.filter(
    (game) =>
      game.query.kind === 'gamedig' ||
      (game.query.kind === 'probe' && game.query.protocol === 'luanti-hello'),
  );

  for (const game of queried) {
    it(`${game.id}: ${game.query.kind === 'gamedig' ? `gamedig ${game.query.type}` : game.query.protocol}`, async () => {
      const port = gamePorts(game).find(
        (candidate) => candidate.guestPort === game.query.port && candidate.protocol === game.query.transport,
      );
      if (port === undefined) throw new Error(`${game.id}: the catalog's query port is not one of its ports`);
      const responder = responderFor(game.id, port);
      if (responder === undefined) throw new Error(`${game.id}: no responder on its query port`);
      host = responder.transport === 'udp' ? await hostUdp(responder, INFO) : await hostTcp(responder, INFO);
      const answer = await queryGame(getGame(game.id), '127.0.0.1', { port: host.port, timeoutMs: 3_000 });
      if (game.id === 'luanti') expect(answer.raw).toMatchObject({ peerId: expect.any(Number) });
      else expect(answer.name).toContain(INFO.serverName);
      if (game.id !== 'luanti' && game.id !== 'satisfactory') {
        expect(answer.players).toEqual({ online: 0, max: INFO.maxPlayers });
      }
      expect(host.kinds()).not.toContain('join');
    });
  }
});
