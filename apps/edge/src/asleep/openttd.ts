// OpenTTD 13/14 on its game port (src/network/core/{packet,tcp_game,udp,game_info}.{h,cpp}). A packet is
// `u16 LE size (itself included), u8 type, payload`; strings end with a NUL.
//   TCP  PACKET_CLIENT_GAME_INFO (7)   → PACKET_SERVER_GAME_INFO (6), then the connection closes (gamedig's query,
//                                         and the client's server list since OpenTTD 12)
//   TCP  PACKET_CLIENT_JOIN (2): string revision, u32 NewGRF version, string name, u8 company, u8 0 = a join;
//        answered with PACKET_SERVER_ERROR (3) NETWORK_ERROR_KICKED and a reason, which the client shows
//   UDP  PACKET_UDP_CLIENT_FIND_SERVER (0) → PACKET_UDP_SERVER_RESPONSE (1) with the same game info (LAN discovery)
import { utf8Prefix } from './text.js';
import { type AsleepInfo, IGNORE, MORE, type TcpResponder, type UdpResponder } from './types.js';

const PACKET_CLIENT_JOIN = 2;
const PACKET_SERVER_ERROR = 3;
const PACKET_SERVER_GAME_INFO = 6;
const PACKET_CLIENT_GAME_INFO = 7;
const PACKET_UDP_CLIENT_FIND_SERVER = 0;
const PACKET_UDP_SERVER_RESPONSE = 1;
const NETWORK_ERROR_KICKED = 12;
/** COMPAT_MTU: the largest packet before OpenTTD 12; a join or game-info request is far smaller. */
const MAX_PACKET = 1460;
/** Game info version 6 (OpenTTD 13). OpenTTD 14 reads it too; 13 cannot read 14's version 7. */
const GAME_INFO_VERSION = 6;
/** NETWORK_NAME_LENGTH, NETWORK_REVISION_LENGTH and NETWORK_CHAT_LENGTH, terminator included. */
const NAME_BYTES = 80;
const REVISION_BYTES = 33;
const CHAT_BYTES = 900;
/** OpenTTD lists a server as joinable only for a client of the same revision (IsNetworkCompatibleVersion). */
const DEFAULT_REVISION = '14.1';
/** Days from 1-1-0 to 1-1-1950, OpenTTD's default starting year. */
const START_DATE = 365 * 1950 + Math.floor(1950 / 4) - Math.floor(1950 / 100) + Math.floor(1950 / 400);
const MAX_COMPANIES = 15;
const MAP_SIZE = 256;

function packet(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16LE(3 + payload.length);
  head[2] = type;
  return Buffer.concat([head, payload]);
}

function ottdString(text: string, maxBytes: number): Buffer {
  return Buffer.concat([utf8Prefix(text.replaceAll('\0', ''), maxBytes - 1), Buffer.from([0])]);
}

function u8(value: number): Buffer {
  return Buffer.from([Math.max(0, Math.min(255, value))]);
}

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value);
  return out;
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0);
  return out;
}

/** SerializeNetworkGameInfo, version 6: newest fields first, each version's additions before the older ones. */
export function gameInfo(info: AsleepInfo): Buffer {
  return Buffer.concat([
    u8(GAME_INFO_VERSION),
    u8(0), // v6: NewGRFs as id + MD5 (there are none)
    u32(0xffffffff), // v5: game script version -1: no game script
    ottdString('', 64), //   game script name
    u8(0), // v4: number of NewGRFs
    u32(START_DATE), // v3: current date
    u32(START_DATE), //     start date
    u8(MAX_COMPANIES), // v2: companies max
    u8(0), //               companies on
    u8(0), //               spectators max (unused)
    ottdString(info.status, NAME_BYTES), // v1: server name
    ottdString(info.version ?? DEFAULT_REVISION, REVISION_BYTES), // revision
    u8(0), // password
    u8(info.maxPlayers), // clients max
    u8(0), // clients on
    u8(0), // spectators on
    u16(MAP_SIZE),
    u16(MAP_SIZE),
    u8(0), // landscape: temperate
    u8(1), // dedicated
  ]);
}

function kick(message: string): Buffer {
  return packet(
    PACKET_SERVER_ERROR,
    Buffer.concat([u8(NETWORK_ERROR_KICKED), ottdString(message, CHAT_BYTES)]),
  );
}

/** The NUL-terminated string at `at` if it is printable and within `maxBytes` (terminator included). */
function readString(bytes: Buffer, at: number, maxBytes: number): { text: string; end: number } | undefined {
  const nul = bytes.indexOf(0, at);
  if (nul < 0 || nul - at + 1 > maxBytes) return undefined;
  const text = bytes.toString('utf8', at, nul);
  return /^[^\p{Cc}]*$/u.test(text) ? { text, end: nul + 1 } : undefined;
}

/** CLIENT_JOIN's payload starts with the client's revision ("14.1", "15.0-beta2") and its NewGRF version. */
function isJoin(payload: Buffer): boolean {
  const revision = readString(payload, 0, REVISION_BYTES);
  return revision !== undefined && /^\d[\w.-]*$/.test(revision.text) && payload.length >= revision.end + 4;
}

export const openttdTcp: TcpResponder = {
  transport: 'tcp',
  onData(received, info) {
    if (received.length < 3) return MORE;
    const size = received.readUInt16LE(0);
    if (size < 3 || size > MAX_PACKET) return IGNORE;
    const type = received[2];
    if (type !== PACKET_CLIENT_GAME_INFO && type !== PACKET_CLIENT_JOIN) return IGNORE;
    if (received.length < size) return MORE;
    if (type === PACKET_CLIENT_GAME_INFO) {
      if (size !== 3) return IGNORE;
      return { kind: 'status', replies: [packet(PACKET_SERVER_GAME_INFO, gameInfo(info))], close: true };
    }
    if (!isJoin(received.subarray(3, size))) return IGNORE;
    return { kind: 'join', replies: [kick(info.joinMessage)], close: true };
  },
};

export const openttdUdp: UdpResponder = {
  transport: 'udp',
  onDatagram(datagram, info) {
    if (
      datagram.length !== 3 ||
      datagram.readUInt16LE(0) !== 3 ||
      datagram[2] !== PACKET_UDP_CLIENT_FIND_SERVER
    ) {
      return IGNORE;
    }
    return { kind: 'status', replies: [packet(PACKET_UDP_SERVER_RESPONSE, gameInfo(info))] };
  },
};
