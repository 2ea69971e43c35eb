// Which responder holds each published port of a sleeping server. Ports are named as the catalog names them
// (purpose, index, protocol: see gamePorts in @guildserver/games), never by number: the edge maps them to the
// numbers it published.
import { type GameId, type GamePort, gamePorts, getGame } from '@guildserver/games';
import { factorio } from './factorio.js';
import { luanti } from './luanti.js';
import { minecraftBedrock } from './minecraft-bedrock.js';
import { minecraftJava } from './minecraft-java.js';
import { openttdTcp, openttdUdp } from './openttd.js';
import { quake3 } from './quake3.js';
import { isOpenConnectionRequest1 } from './raknet.js';
import { satisfactory } from './satisfactory.js';
import {
  ARK_SURVIVAL_EVOLVED,
  PROJECT_ZOMBOID,
  sourceQueryResponder,
  steamGamePortResponder,
  VALHEIM,
} from './source-a2s.js';
import { isSteamSocketsChallengeRequest } from './steam-sockets.js';
import { terrariaGame, tshockRest } from './terraria.js';
import type { AsleepResponder } from './types.js';
import { isUnrealLegacyControlOpen } from './unreal.js';

export type { AsleepInfo, AsleepResponder, Peer, TcpResponder, UdpResponder, Verdict } from './types.js';

/** A port as the catalog names it: game port 1 over UDP, query port 1 over TCP, … */
export type PortSelector = Pick<GamePort, 'purpose' | 'index' | 'protocol'>;

type PortKey = `${GamePort['purpose']}/${number}/${GamePort['protocol']}`;

const keyOf = (port: PortSelector): PortKey => `${port.purpose}/${port.index}/${port.protocol}`;

/**
 * Per game, the responder of each port that answers or listens while asleep. A port the catalog lists but this
 * table does not (RCON, Satisfactory's HTTPS API and reliable-messaging port) stays silent.
 */
const RESPONDERS: { readonly [G in GameId]: Partial<Record<PortKey, AsleepResponder>> } = {
  'minecraft-java': { 'game/1/tcp': minecraftJava },
  'minecraft-bedrock': { 'game/1/udp': minecraftBedrock },
  terraria: { 'game/1/tcp': terrariaGame, 'query/1/tcp': tshockRest },
  factorio: { 'game/1/udp': factorio },
  // The game port carries both Steam's queries and RakNet; the second port only RakNet.
  'project-zomboid': {
    'game/1/udp': sourceQueryResponder(PROJECT_ZOMBOID, isOpenConnectionRequest1),
    'game/2/udp': steamGamePortResponder(isOpenConnectionRequest1),
  },
  satisfactory: { 'game/1/udp': satisfactory },
  ark: {
    'game/1/udp': steamGamePortResponder(isUnrealLegacyControlOpen),
    'game/2/udp': steamGamePortResponder(isUnrealLegacyControlOpen),
    'query/1/udp': sourceQueryResponder(ARK_SURVIVAL_EVOLVED),
  },
  valheim: {
    'game/1/udp': steamGamePortResponder(isSteamSocketsChallengeRequest),
    'query/1/udp': sourceQueryResponder(VALHEIM),
  },
  luanti: { 'game/1/udp': luanti },
  openttd: { 'game/1/tcp': openttdTcp, 'game/1/udp': openttdUdp },
  openarena: { 'game/1/udp': quake3 },
};

/**
 * The responder for one of `game`'s published ports while the server sleeps, or undefined for a port that stays
 * silent (RCON, ports the game only uses after a connection exists, ports the catalog does not list).
 */
export function responderFor(game: GameId, port: PortSelector): AsleepResponder | undefined {
  const listed = gamePorts(getGame(game)).find((candidate) => keyOf(candidate) === keyOf(port));
  if (listed === undefined || !listed.published) return undefined;
  const responder = RESPONDERS[game][keyOf(port)];
  return responder?.transport === port.protocol ? responder : undefined;
}
