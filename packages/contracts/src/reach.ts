// How players reach a running server, from the API's view of it: one reading of `publication` for the bot's
// notices and cards and for `gs`.
import { joinPortOf, type Server } from './api/servers.js';

/** How players reach a running server: its address, whether it is the way to join now, and what to add. */
export interface Reach {
  /** `play.example.net:20001`: HOST_EXTERNAL and the game port. */
  address: string;
  /** False when the address does not lead to the server (yet): it is then never shown as the way to join. */
  joinable: boolean;
  /** Said with the address, or nothing when the address simply works. */
  caveat?: string;
}

/**
 * From the API's address (or HOST_EXTERNAL and the game port) and its `publication` — only while the server
 * runs, or sleeps with an edge answering for it: a stopped server's ports stay reserved, but nobody can join it.
 */
export function reachOf(
  server: Pick<Server, 'state' | 'address' | 'ports' | 'publication'>,
  hostExternal: string,
): Reach | undefined {
  if (server.state !== 'running' && server.publication !== 'asleep') return undefined;
  const game = joinPortOf(server.ports);
  const address = server.address ?? (game ? `${hostExternal}:${game.port}` : undefined);
  if (!address) return undefined;
  switch (server.publication) {
    case 'published':
      return { address, joinable: true };
    case 'dry':
      return { address, joinable: true, caveat: 'a simulated VM: the edge runs dry and forwards nothing' };
    case 'pending':
      return { address, joinable: false, caveat: 'the edge has not published it yet' };
    case 'manual': {
      const ports = server.ports.map((p) => `${p.protocol}/${p.port}`).join(', ');
      return {
        address,
        joinable: false,
        caveat: `GuildServer does not forward its ports here: an admin forwards ${ports} to the VM by hand (\`gs edge rules\`)`,
      };
    }
    case 'asleep':
      return { address, joinable: true, caveat: 'asleep: joining wakes it' };
    case 'closed':
      return undefined;
  }
}
