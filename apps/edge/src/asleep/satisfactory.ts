// Satisfactory on its game port.
// UDP: the Lightweight Query API (DedicatedServerAPIDocs.md, shipped with the game; all little endian):
//   Poll Server State: u16 magic F6D5, u8 type 0, u8 protocol version 1, u64 cookie, u8 terminator 1
//   Server State Response: magic, type 1, version 1, the cookie, u8 server state, u32 server net CL, u64 flags,
//   u8 sub-state count (+ 3 bytes each), u16 name length, name (UTF-8), terminator 1.
//   The state is Idle (1, "running, but no save loaded"): the nearest of the protocol's states to asleep; the
//   name carries the status line. Any other UDP datagram wakes the server only if it is Unreal's stateless
//   handshake InitialPacket: the first packet of a real client's connection.
// TCP (the HTTPS API): not answered while asleep (index.ts gives it no responder). A TLS ClientHello there
// cannot be told apart: the game's Server Manager and gamedig log in over HTTPS just to read the state, and
// scanners send ClientHellos to every open port. So only the UDP handshake counts as a join. If the game's own
// client logs in over HTTPS before it connects (not verified here), its join cannot wake the server from here
// and players wake it from Discord.

import { utf8Prefix } from './text.js';
import { type AsleepInfo, IGNORE, type UdpResponder } from './types.js';
import { isUnrealHandshakeInitialPacket } from './unreal.js';

const MAGIC = 0xf6d5;
const POLL_SERVER_STATE = 0;
const SERVER_STATE_RESPONSE = 1;
const PROTOCOL_VERSION = 1;
const TERMINATOR = 1;
const POLL_LENGTH = 2 + 1 + 1 + 8 + 1;
const SERVER_STATE_IDLE = 1;
const MAX_NAME_BYTES = 512;

function isPollServerState(packet: Buffer): boolean {
  return (
    packet.length === POLL_LENGTH &&
    packet.readUInt16LE(0) === MAGIC &&
    packet[2] === POLL_SERVER_STATE &&
    packet[POLL_LENGTH - 1] === TERMINATOR
  );
}

/** The server's build (its "net CL") when `version` is one, else 0. */
function netCl(version: string | undefined): number {
  const build = Number(version);
  return Number.isInteger(build) && build >= 0 && build <= 0xffffffff ? build : 0;
}

function serverStateResponse(poll: Buffer, info: AsleepInfo): Buffer {
  const name = utf8Prefix(info.status, MAX_NAME_BYTES);
  const head = Buffer.alloc(4 + 8 + 1 + 4 + 8 + 1 + 2);
  head.writeUInt16LE(MAGIC, 0);
  head[2] = SERVER_STATE_RESPONSE;
  head[3] = PROTOCOL_VERSION;
  poll.copy(head, 4, 4, 12); // the cookie, echoed
  head[12] = SERVER_STATE_IDLE;
  head.writeUInt32LE(netCl(info.version), 13);
  head.writeBigUInt64LE(0n, 17); // flags
  head[25] = 0; // no sub-states
  head.writeUInt16LE(name.length, 26);
  return Buffer.concat([head, name, Buffer.from([TERMINATOR])]);
}

export const satisfactory: UdpResponder = {
  transport: 'udp',
  onDatagram(packet, info) {
    if (isPollServerState(packet)) return { kind: 'status', replies: [serverStateResponse(packet, info)] };
    if (isUnrealHandshakeInitialPacket(packet)) return { kind: 'join', replies: [] };
    return IGNORE;
  },
};
