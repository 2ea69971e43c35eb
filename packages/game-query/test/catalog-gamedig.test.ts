// The catalog agrees with gamedig's own data for every game it queries through gamedig: the type exists, the
// query port is the one gamedig derives from the game port, the transport is the one gamedig's protocol uses,
// and the port is one the catalog opens (so the firewall lets the query in).
import { GAMES, gamePorts } from '@guildserver/games';
import { games as gamedigGames } from 'gamedig';
import { describe, expect, it } from 'vitest';

/** The transport of each gamedig protocol the catalog uses (read from gamedig 5.3's protocols/*.js). */
const PROTOCOL_TRANSPORT: Record<string, 'tcp' | 'udp'> = {
  openttd: 'tcp', // withTcp/tcpSend: game-info request on the game port
  quake3: 'udp', // quake2.js udpSend "getstatus"
  valve: 'udp', // A2S over udpSend
  terraria: 'tcp', // TShock's REST API over HTTP
  satisfactory: 'udp', // Lightweight Query API (udpSend); the HTTPS API needs a token
};

const viaGamedig = GAMES.flatMap((game) =>
  game.query.kind === 'gamedig' ? [[game.id, game, game.query] as const] : [],
);

describe('catalog ↔ gamedig', () => {
  it.each(viaGamedig)('%s', (_id, game, query) => {
    const entry = (gamedigGames as Record<string, { options: Record<string, unknown> }>)[query.type];
    expect(entry, `gamedig knows the type ${query.type}`).toBeDefined();
    const {
      port,
      port_query: portQuery,
      port_query_offset: offset,
      protocol,
    } = entry!.options as {
      port?: number;
      port_query?: number;
      port_query_offset?: number;
      protocol: string;
    };
    expect(query.port).toBe(portQuery ?? (port ?? 0) + (offset ?? 0));
    if (protocol === 'minecraft') {
      // gamedig's minecraft protocol speaks Java's TCP ping, and Bedrock's RakNet ping over UDP.
      expect(query.transport).toBe(game.id === 'minecraft-bedrock' ? 'udp' : 'tcp');
    } else {
      expect(PROTOCOL_TRANSPORT[protocol], `known transport for gamedig protocol ${protocol}`).toBeDefined();
      expect(query.transport).toBe(PROTOCOL_TRANSPORT[protocol]);
    }
    const opened = gamePorts(game).some((p) => p.protocol === query.transport && p.guestPort === query.port);
    expect(opened, `port ${query.port}/${query.transport} is one of ${game.name}'s ports`).toBe(true);
  });

  it('queries every game gamedig has a direct query for through gamedig', () => {
    // gamedig's minetest and factorio types read public master lists, not the server: those use probes.
    const probes = GAMES.filter((game) => game.query.kind === 'probe').map((game) => game.id);
    expect(probes.sort()).toEqual(['factorio', 'luanti']);
  });
});
