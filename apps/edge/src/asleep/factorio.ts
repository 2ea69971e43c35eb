// Factorio on its game port (UDP). Factorio has no status query of its own (its server browser goes through
// Wube's matchmaking service, and its RCON port stays closed while the server sleeps), so nothing is answered;
// the client's ConnectionRequest is the join. Layout from Hornwitser's Wireshark dissector
// (github.com/Hornwitser/factorio_dissector, factorio.lua, reverse engineered from captures and factorio.pdb):
//   u8  flags: message type in the low 5 bits (2 = ConnectionRequest), 0x20 random, 0x40 fragmented, 0x80 last
//   u16 LE message id; when its 0x8000 bit is set, u8 count and count × u32 confirmations follow
//   u8 major, u8 minor, u8 patch, u16 LE build: the client's version
//   u32 LE connectionRequestIDGeneratedOnClient
// Nothing is answered: a ConnectionRequestReply would commit to a version and a handshake this responder
// cannot finish, and the client retries its request on its own for several seconds before giving up.
import { IGNORE, type UdpResponder } from './types.js';

const CONNECTION_REQUEST = 2;
const TYPE_MASK = 0x1f;
const FRAGMENT_FLAGS = 0xc0;
const CONFIRM_FLAG = 0x8000;
const VERSION_AND_ID_BYTES = 5 + 4;
/** Bytes a newer client might add after the fields above, and still count as a ConnectionRequest. */
const TOLERATED_TRAILING_BYTES = 16;
const MAX_MAJOR_VERSION = 9;

export function isFactorioConnectionRequest(packet: Buffer): boolean {
  const flags = packet[0];
  if (flags === undefined || packet.length < 3) return false;
  if ((flags & TYPE_MASK) !== CONNECTION_REQUEST || (flags & FRAGMENT_FLAGS) !== 0) return false;
  let at = 3;
  if ((packet.readUInt16LE(1) & CONFIRM_FLAG) !== 0) {
    const confirmations = packet[3];
    if (confirmations === undefined) return false;
    at = 4 + confirmations * 4;
  }
  const fieldsEnd = at + VERSION_AND_ID_BYTES;
  if (packet.length < fieldsEnd || packet.length > fieldsEnd + TOLERATED_TRAILING_BYTES) return false;
  const major = packet[at] ?? 0xff;
  const minor = packet[at + 1] ?? 0xff;
  const build = packet.readUInt16LE(at + 3);
  return major <= MAX_MAJOR_VERSION && minor <= 99 && build > 0;
}

export const factorio: UdpResponder = {
  transport: 'udp',
  onDatagram(packet) {
    return isFactorioConnectionRequest(packet) ? { kind: 'join', replies: [] } : IGNORE;
  },
};
