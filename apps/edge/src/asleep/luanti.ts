// Luanti (Minetest) on its UDP port (luanti-org/luanti src/network/mtp/internal.h, threads.cpp,
// networkprotocol.h, client/client.cpp). Every datagram starts `u32 protocol id 4f457403, u16 sender peer id,
// u8 channel`, then a packet: CONTROL (0: u8 control type, …), ORIGINAL (1: u16 command, payload), SPLIT (2) or
// RELIABLE (3: u16 seqnum, then one of the others).
//   The hello: a client opens with a reliable, empty ORIGINAL from peer 0 (PEER_ID_INEXISTENT). A server
//   answers with an ACK of its seqnum and a reliable SET_PEER_ID giving the new peer its id. So does this
//   responder (the product's readiness probe, packages/game-query/src/luanti-hello.ts, sees "up"); the peer id
//   is derived from the sender's address, so nothing is kept.
//   TOSERVER_INIT (command 0x02: u8 serialisation version, u16 unused, u16 min and u16 max protocol version,
//   string player name), which the client sends next and repeats every 1.5 s until answered, is the join. It is
//   answered with TOCLIENT_ACCESS_DENIED (0x0A): SERVER_ACCESSDENIED_CUSTOM_STRING, the join message, and
//   "reconnect" set, so the client shows the message with a Reconnect button.
import { peerToken } from './peer-token.js';
import { type AsleepInfo, IGNORE, type Peer, type UdpResponder, type Verdict } from './types.js';

const PROTOCOL_ID = 0x4f457403;
const PEER_ID_INEXISTENT = 0;
const PEER_ID_SERVER = 1;
const CHANNEL_COUNT = 3;
const TYPE_CONTROL = 0;
const TYPE_ORIGINAL = 1;
const TYPE_RELIABLE = 3;
const CONTROLTYPE_ACK = 0;
const CONTROLTYPE_SET_PEER_ID = 1;
const SEQNUM_INITIAL = 65500;
const TOSERVER_INIT = 0x02;
const TOCLIENT_ACCESS_DENIED = 0x0a;
const SERVER_ACCESSDENIED_CUSTOM_STRING = 10;
/** PLAYERNAME_SIZE (20) less its terminator; names are letters, digits, '-' and '_'. */
const MAX_PLAYER_NAME = 19;

function header(channel: number): Buffer {
  const out = Buffer.alloc(7);
  out.writeUInt32BE(PROTOCOL_ID, 0);
  out.writeUInt16BE(PEER_ID_SERVER, 4);
  out[6] = channel;
  return out;
}

function ack(channel: number, seqnum: number): Buffer {
  const body = Buffer.from([TYPE_CONTROL, CONTROLTYPE_ACK, 0, 0]);
  body.writeUInt16BE(seqnum, 2);
  return Buffer.concat([header(channel), body]);
}

/** The id this responder gives the sender: 2..65535, the same every time it asks. */
export function peerIdFor(from: Peer | undefined): number {
  return 2 + (peerToken('luanti-peer-id', from, 2).readUInt16BE(0) % 65534);
}

function setPeerId(peerId: number): Buffer {
  const body = Buffer.from([TYPE_RELIABLE, 0, 0, TYPE_CONTROL, CONTROLTYPE_SET_PEER_ID, 0, 0]);
  body.writeUInt16BE(SEQNUM_INITIAL, 1);
  body.writeUInt16BE(peerId, 5);
  return Buffer.concat([header(0), body]);
}

function accessDenied(message: string): Buffer {
  const reason = Buffer.from(message, 'utf8').subarray(0, 65535);
  const body = Buffer.alloc(1 + 2 + 1 + 2);
  body[0] = TYPE_ORIGINAL;
  body.writeUInt16BE(TOCLIENT_ACCESS_DENIED, 1);
  body[3] = SERVER_ACCESSDENIED_CUSTOM_STRING;
  body.writeUInt16BE(reason.length, 4);
  return Buffer.concat([header(0), body, reason, Buffer.from([1])]);
}

interface Parsed {
  senderPeerId: number;
  channel: number;
  /** The seqnum when the packet was reliable. */
  seqnum?: number;
  type: number;
  /** What follows the (innermost) packet type. */
  body: Buffer;
}

function parse(datagram: Buffer): Parsed | undefined {
  if (datagram.length < 8 || datagram.readUInt32BE(0) !== PROTOCOL_ID) return undefined;
  const channel = datagram[6] ?? CHANNEL_COUNT;
  if (channel >= CHANNEL_COUNT) return undefined;
  const senderPeerId = datagram.readUInt16BE(4);
  if (datagram[7] !== TYPE_RELIABLE) {
    return { senderPeerId, channel, type: datagram[7] ?? -1, body: datagram.subarray(8) };
  }
  if (datagram.length < 11) return undefined;
  return {
    senderPeerId,
    channel,
    seqnum: datagram.readUInt16BE(8),
    type: datagram[10] ?? -1,
    body: datagram.subarray(11),
  };
}

/** The opening packet: reliable, from peer 0, an ORIGINAL with no command or command 0 and nothing else. */
function isHello(packet: Parsed): boolean {
  if (packet.senderPeerId !== PEER_ID_INEXISTENT || packet.seqnum === undefined) return false;
  if (packet.type !== TYPE_ORIGINAL) return false;
  return packet.body.length === 0 || (packet.body.length === 2 && packet.body.readUInt16BE(0) === 0);
}

function isInit(packet: Parsed): boolean {
  const { body } = packet;
  if (packet.type !== TYPE_ORIGINAL || body.length < 2 + 7 + 2 + 1) return false;
  if (body.readUInt16BE(0) !== TOSERVER_INIT) return false;
  const minProtocol = body.readUInt16BE(5);
  const maxProtocol = body.readUInt16BE(7);
  if (minProtocol === 0 || minProtocol > maxProtocol) return false;
  const nameLength = body.readUInt16BE(9);
  if (nameLength === 0 || nameLength > MAX_PLAYER_NAME || body.length !== 11 + nameLength) return false;
  return /^[A-Za-z0-9_-]+$/.test(body.toString('latin1', 11));
}

export function answerLuanti(datagram: Buffer, info: AsleepInfo, from: Peer | undefined): Verdict {
  const packet = parse(datagram);
  if (packet === undefined) return IGNORE;
  const acked = packet.seqnum === undefined ? [] : [ack(packet.channel, packet.seqnum)];
  if (isHello(packet)) return { kind: 'status', replies: [...acked, setPeerId(peerIdFor(from))] };
  if (isInit(packet)) return { kind: 'join', replies: [...acked, accessDenied(info.joinMessage)] };
  // The client's ACK of our SET_PEER_ID, the probe's DISCO, pings: nothing to say.
  return IGNORE;
}

export const luanti: UdpResponder = {
  transport: 'udp',
  onDatagram: answerLuanti,
};
