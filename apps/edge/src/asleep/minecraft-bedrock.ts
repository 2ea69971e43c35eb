// Minecraft: Bedrock Edition on the game port (UDP, RakNet).
//   Unconnected Ping (0x01/0x02: i64 time, magic, client GUID) → Unconnected Pong (0x1c: time, server GUID,
//   magic, u16 length, the MOTD "MCPE;line 1;protocol;version;online;max;server id;line 2;mode;mode id;v4;v6;")
//   Open Connection Request 1 (0x05 + magic) = a join. It gets no reply: a RakNet "incompatible protocol" or "no
//   free connections" answer makes the client show a wrong reason at once, while silence makes it retry its MTU
//   probes for a few seconds and then say it could not connect; the pong it keeps receiving in the server list
//   already says the server is asleep and waking.
import { createHash } from 'node:crypto';
import {
  hasOfflineMagic,
  ID_UNCONNECTED_PING,
  ID_UNCONNECTED_PING_OPEN_CONNECTIONS,
  ID_UNCONNECTED_PONG,
  isOpenConnectionRequest1,
  OFFLINE_MAGIC,
} from './raknet.js';
import { type AsleepInfo, IGNORE, type UdpResponder } from './types.js';

const PING_LENGTH = 1 + 8 + 16 + 8;
/** What the MOTD names as protocol and version when the server's own is not given (1.21.100). */
const DEFAULT_PROTOCOL = 827;
const DEFAULT_VERSION = '1.21.100';
const DEFAULT_PORT = 19132;

/** The MOTD separates fields with ';': a field must not contain one (nor a line break). */
function motdField(text: string): string {
  return text.replace(/[;\r\n]/g, ' ');
}

/** A stable id per server name, as a real server keeps one GUID for its life. */
function serverGuid(info: AsleepInfo): bigint {
  return createHash('sha256').update(info.serverName).digest().readBigUInt64BE(0);
}

export function bedrockMotd(info: AsleepInfo): string {
  const port = String(info.gamePort ?? DEFAULT_PORT);
  return [
    'MCPE',
    motdField(info.status),
    String(DEFAULT_PROTOCOL),
    motdField(info.version ?? DEFAULT_VERSION),
    '0',
    String(info.maxPlayers),
    serverGuid(info).toString(),
    motdField(info.serverName),
    'Survival',
    '1',
    port,
    port,
    '',
  ].join(';');
}

function unconnectedPong(ping: Buffer, info: AsleepInfo): Buffer {
  const motd = Buffer.from(bedrockMotd(info), 'utf8');
  const head = Buffer.alloc(1 + 8 + 8);
  head[0] = ID_UNCONNECTED_PONG;
  ping.copy(head, 1, 1, 9); // the client's time, echoed
  head.writeBigUInt64BE(serverGuid(info), 9);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(motd.length);
  return Buffer.concat([head, OFFLINE_MAGIC, length, motd]);
}

function isUnconnectedPing(packet: Buffer): boolean {
  const id = packet[0];
  return (
    packet.length >= PING_LENGTH &&
    (id === ID_UNCONNECTED_PING || id === ID_UNCONNECTED_PING_OPEN_CONNECTIONS) &&
    hasOfflineMagic(packet, 9)
  );
}

export const minecraftBedrock: UdpResponder = {
  transport: 'udp',
  onDatagram(packet, info) {
    if (isUnconnectedPing(packet)) return { kind: 'status', replies: [unconnectedPong(packet, info)] };
    if (isOpenConnectionRequest1(packet)) return { kind: 'join', replies: [] };
    return IGNORE;
  },
};
