// A player outside joining a game in the lab: the first packet that game's client sends to join, sent from the
// player namespace to the address Discord showed (test/support/player-send.mjs), and what came back.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  luantiInit,
  openttdJoin,
  QUAKE3_GETCHALLENGE_BARE,
} from '../../apps/edge/test/asleep/support/packets';
import type { LabNetwork } from '../../packages/lab/src/index';

const run = promisify(execFile);

/** What each lab game's client sends first to join, over the game's transport. */
const JOIN_PACKETS: Record<string, { transport: 'udp' | 'tcp'; bytes: Buffer }> = {
  // OpenTTD's PACKET_CLIENT_JOIN on a TCP connection to the game port (bookworm's OpenTTD is 13.0).
  openttd: { transport: 'tcp', bytes: openttdJoin('13.0', 'player1') },
  // OpenArena 0.8.8's client opens with a bare getchallenge, and shows the server's "print" reply.
  openarena: { transport: 'udp', bytes: QUAKE3_GETCHALLENGE_BARE },
  // Luanti's TOSERVER_INIT, which its client sends after the hello; a sleeping server denies it with a message.
  luanti: { transport: 'udp', bytes: luantiInit(2, 'player1') },
};

/**
 * A player's join attempt at `address` (host:port): what the server (or the edge for it) said, as latin1 text
 * ('' for no answer). A real client tries again when nothing answers (Quake 3 resends getchallenge, Luanti its
 * INIT): callers that need an answer repeat it, as the edge takes a sleeping server's ports over only once it has
 * read that the server sleeps.
 */
export async function playerJoins(network: LabNetwork, game: string, address: string): Promise<string> {
  const packet = JOIN_PACKETS[game];
  if (!packet) throw new Error(`no join packet for ${game} in the lab`);
  const [command, ...args] = network.playerCommand([
    process.execPath,
    join(import.meta.dirname, 'player-send.mjs'),
    packet.transport,
    address,
    packet.bytes.toString('hex'),
  ]);
  return (await run(command!, args)).stdout;
}
