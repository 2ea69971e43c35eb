// Steam's server queries (A2S, developer.valvesoftware.com/wiki/Server_queries) on a Steam game's query port:
// Valheim's (game port + 1), ARK's, Project Zomboid's (its game port). Every request is `FF FF FF FF <type>`:
//   A2S_INFO   54 "Source Engine Query\0" [challenge]  → 49 <info>       (since 2020: first 41 <challenge>)
//   A2S_PLAYER 55 <challenge>                          → 44 <0 players>  (FFFFFFFF asks for a challenge: 41)
//   A2S_RULES  56 <challenge>                          → 45 <0 rules>
//   57 (the old challenge request)                     → 41 <challenge>
// The challenge is derived from the sender's address, so a spoofed request gets only the 9-byte challenge.
// Join detection happens on the game port, which only Project Zomboid shares with its queries: see
// steamGamePortResponder and the detectors it is given (index.ts).
import { peerToken } from './peer-token.js';
import { type AsleepInfo, IGNORE, type Peer, type UdpResponder, type Verdict } from './types.js';

/** What a Steam game's A2S_INFO says besides the server's own details. */
export interface SteamGameProfile {
  /** The game's Steam app id (the client's, as its dedicated servers report it). */
  appId: number;
  /** The game directory name servers report, e.g. "valheim". */
  folder: string;
  /** The game's name as servers report it, e.g. "Valheim". */
  game: string;
}

const HEADER = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const A2S_INFO = 0x54;
const A2S_PLAYER = 0x55;
const A2S_RULES = 0x56;
const A2S_GETCHALLENGE = 0x57;
const S2C_CHALLENGE = 0x41;
const INFO_REPLY = 0x49;
const PLAYER_REPLY = 0x44;
const RULES_REPLY = 0x45;
const INFO_PAYLOAD = Buffer.from('Source Engine Query\0', 'latin1');
const SOURCE_PROTOCOL = 17;
const EDF_GAME_PORT = 0x80;
const EDF_GAME_ID = 0x01;

function challengeFor(from: Peer | undefined): Buffer {
  return peerToken('a2s-challenge', from, 4);
}

function reply(type: number, ...parts: Buffer[]): Buffer {
  return Buffer.concat([HEADER, Buffer.from([type]), ...parts]);
}

function cString(text: string): Buffer {
  return Buffer.from(`${text.replaceAll('\0', '')}\0`, 'utf8');
}

function u8(value: number): Buffer {
  return Buffer.from([Math.max(0, Math.min(255, value))]);
}

/** The server name the browser lists: the brief's "<name> — asleep, join to wake". */
export function a2sServerName(info: AsleepInfo): string {
  return `${info.serverName} — asleep, join to wake`;
}

function infoReply(profile: SteamGameProfile, info: AsleepInfo): Buffer {
  const appId = Buffer.alloc(2);
  appId.writeUInt16LE(profile.appId & 0xffff);
  let extraFlags = EDF_GAME_ID;
  const extra: Buffer[] = [];
  if (info.gamePort !== undefined) {
    extraFlags |= EDF_GAME_PORT;
    const port = Buffer.alloc(2);
    port.writeUInt16LE(info.gamePort);
    extra.push(port);
  }
  // The 64-bit game id carries app ids above 65535 (Valheim's 892970), which the 16-bit field cannot.
  const gameId = Buffer.alloc(8);
  gameId.writeBigUInt64LE(BigInt(profile.appId));
  extra.push(gameId);
  return reply(
    INFO_REPLY,
    u8(SOURCE_PROTOCOL),
    cString(a2sServerName(info)),
    cString('asleep'),
    cString(profile.folder),
    cString(profile.game),
    appId,
    u8(0), // players
    u8(info.maxPlayers),
    u8(0), // bots
    Buffer.from('dl', 'latin1'), // dedicated, Linux
    u8(0), // no password
    u8(0), // no VAC
    cString(info.version ?? ''),
    u8(extraFlags),
    ...extra,
  );
}

const EMPTY_PLAYERS = Buffer.from([0]);
const EMPTY_RULES = Buffer.from([0, 0]);

/** The answer to an A2S request, or undefined when `packet` is not one. */
export function answerA2s(
  packet: Buffer,
  profile: SteamGameProfile,
  info: AsleepInfo,
  from: Peer | undefined,
): Verdict | undefined {
  if (packet.length < 5 || !packet.subarray(0, 4).equals(HEADER)) return undefined;
  const challenge = challengeFor(from);
  const answer = (body: Buffer): Verdict => ({ kind: 'status', replies: [body] });
  const challengeReply = answer(reply(S2C_CHALLENGE, challenge));
  switch (packet[4]) {
    case A2S_INFO: {
      const end = 5 + INFO_PAYLOAD.length;
      if (!packet.subarray(5, end).equals(INFO_PAYLOAD)) return undefined;
      if (packet.length === end) return challengeReply;
      if (packet.length !== end + 4) return undefined;
      return packet.subarray(end).equals(challenge) ? answer(infoReply(profile, info)) : challengeReply;
    }
    case A2S_PLAYER:
    case A2S_RULES: {
      if (packet.length !== 9) return undefined;
      if (!packet.subarray(5, 9).equals(challenge)) return challengeReply;
      return answer(
        packet[4] === A2S_PLAYER ? reply(PLAYER_REPLY, EMPTY_PLAYERS) : reply(RULES_REPLY, EMPTY_RULES),
      );
    }
    case A2S_GETCHALLENGE:
      return challengeReply;
    default:
      return undefined;
  }
}

/**
 * A Steam game's query port. `isJoin` serves a game whose clients also connect on this port (Project Zomboid):
 * a datagram that is no A2S request and that it recognises wakes the server.
 */
export function sourceQueryResponder(
  profile: SteamGameProfile,
  isJoin?: (packet: Buffer) => boolean,
): UdpResponder {
  return {
    transport: 'udp',
    onDatagram(packet, info, from) {
      const answer = answerA2s(packet, profile, info, from);
      if (answer !== undefined) return answer;
      if (isJoin?.(packet)) return { kind: 'join', replies: [] };
      return IGNORE;
    },
  };
}

/**
 * A Steam game's game port where nothing is answered while it sleeps: only a datagram `isJoin` recognises as a
 * client's first connection packet wakes the server; queries, scans and anything else stay unanswered.
 */
export function steamGamePortResponder(isJoin: (packet: Buffer) => boolean): UdpResponder {
  return {
    transport: 'udp',
    onDatagram(packet) {
      return isJoin(packet) ? { kind: 'join', replies: [] } : IGNORE;
    },
  };
}

export const VALHEIM: SteamGameProfile = { appId: 892970, folder: 'valheim', game: 'Valheim' };
export const ARK_SURVIVAL_EVOLVED: SteamGameProfile = {
  appId: 346110,
  folder: 'ark_survival_evolved',
  game: 'ARK: Survival Evolved',
};
export const PROJECT_ZOMBOID: SteamGameProfile = {
  appId: 108600,
  folder: 'zomboid',
  game: 'Project Zomboid',
};
