// Stand-ins for the games, on 127.0.0.1, each speaking just enough of the game's own protocol to answer a query
// the way the real server does: for the tests of this package and of the API (`@guildserver/game-query/testing`).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

export interface Fake {
  port: number;
  close(): Promise<void>;
}

async function listenTcp(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function closeTcp(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return sockets;
}

async function bindUdp(
  onMessage: (socket: UdpSocket, packet: Buffer, from: { address: string; port: number }) => void,
) {
  const socket = createSocket('udp4');
  socket.on('message', (packet, from) => onMessage(socket, packet, from));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    socket,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port that takes datagrams and never answers. */
export async function silentUdp(): Promise<Fake> {
  const { port, close } = await bindUdp(() => {});
  return { port, close };
}

/** A UDP port nothing listens on: the kernel answers with ICMP port unreachable. */
export async function closedUdpPort(): Promise<number> {
  const { port, close } = await bindUdp(() => {});
  await close();
  return port;
}

/** A TCP port nothing listens on: connections are refused. */
export async function closedTcpPort(): Promise<number> {
  const server = createServer();
  const port = await listenTcp(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP port that accepts connections and never says a word. */
export async function silentTcp(): Promise<Fake> {
  const server = createServer(() => {});
  const sockets = trackSockets(server);
  const port = await listenTcp(server);
  return { port, close: () => closeTcp(server, sockets) };
}

// --- Quake 3 (OpenArena, ioquake3): `\xff\xff\xff\xffgetstatus` → `\xff\xff\xff\xffstatusResponse\n` + the
// server's info string (`\key\value…`) + one line per client: `<score> <ping> "<name>"`.

export interface Quake3Status {
  info: Record<string, string>;
  players: { score: number; ping: number; name: string }[];
}

export async function fakeQuake3(status: Quake3Status): Promise<Fake & { requests: string[] }> {
  const requests: string[] = [];
  const { port, close } = await bindUdp((socket, packet, from) => {
    const text = packet.toString('latin1');
    requests.push(text);
    if (!text.startsWith('\xff\xff\xff\xffgetstatus')) return;
    const info = Object.entries(status.info)
      .map(([key, value]) => `\\${key}\\${value}`)
      .join('');
    const lines = status.players.map((p) => `${p.score} ${p.ping} "${p.name}"\n`).join('');
    const reply = Buffer.from(`\xff\xff\xff\xffstatusResponse\n${info}\n${lines}`, 'latin1');
    socket.send(reply, from.port, from.address);
  });
  return { port, close, requests };
}

// --- OpenTTD 13 (network protocol of src/network/core): TCP packets are `<u16 LE size incl. header><u8 type>
// <payload>`. PACKET_CLIENT_GAME_INFO (7, empty) is answered with PACKET_SERVER_GAME_INFO (6) holding the game
// info in NETWORK_GAME_INFO_VERSION 6 (OpenTTD 12 and 13), little-endian, strings NUL-terminated; the server
// then closes the connection.

export const PACKET_SERVER_GAME_INFO = 6;
export const PACKET_CLIENT_GAME_INFO = 7;

export interface OpenTtdInfo {
  serverName: string;
  revision: string;
  clientsMax: number;
  clientsOn: number;
  spectatorsOn: number;
  companiesMax: number;
  companiesOn: number;
  usePassword: boolean;
  mapWidth: number;
  mapHeight: number;
  /** 0 temperate, 1 arctic, 2 tropic, 3 toyland. */
  landscape: number;
  newgrfs: { grfid: number; md5: Buffer; name: string }[];
}

class PacketWriter {
  private parts: Buffer[] = [];
  u8(value: number) {
    this.parts.push(Buffer.from([value & 0xff]));
    return this;
  }
  u16(value: number) {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value);
    this.parts.push(b);
    return this;
  }
  u32(value: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.parts.push(b);
    return this;
  }
  bytes(value: Buffer) {
    this.parts.push(value);
    return this;
  }
  string(value: string) {
    this.parts.push(Buffer.from(`${value}\0`, 'utf8'));
    return this;
  }
  packet(type: number): Buffer {
    const payload = Buffer.concat(this.parts);
    const header = Buffer.alloc(3);
    header.writeUInt16LE(payload.length + 3, 0);
    header[2] = type;
    return Buffer.concat([header, payload]);
  }
}

/** Dates are days since 1 January of year 0: 1 January 1950, and 40 days later. */
const START_1950 = 712_223;

export function openTtdGameInfoPacket(info: OpenTtdInfo): Buffer {
  const w = new PacketWriter()
    .u8(6) // NETWORK_GAME_INFO_VERSION
    .u8(1) // NST_GRFID_MD5_NAME: NewGRFs with their names
    .u32(0xffffffff) // no game script
    .string('')
    .u8(info.newgrfs.length);
  for (const grf of info.newgrfs) w.u32(grf.grfid).bytes(grf.md5).string(grf.name);
  return w
    .u32(START_1950 + 40) // calendar date
    .u32(START_1950) // calendar start
    .u8(info.companiesMax)
    .u8(info.companiesOn)
    .u8(info.clientsMax) // formerly max spectators
    .string(info.serverName)
    .string(info.revision)
    .u8(info.usePassword ? 1 : 0)
    .u8(info.clientsMax)
    .u8(info.clientsOn)
    .u8(info.spectatorsOn)
    .u16(info.mapWidth)
    .u16(info.mapHeight)
    .u8(info.landscape)
    .u8(1) // dedicated
    .packet(PACKET_SERVER_GAME_INFO);
}

export async function fakeOpenTtd(info: OpenTtdInfo): Promise<Fake & { requests: Buffer[] }> {
  const requests: Buffer[] = [];
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 3 && pending.length >= pending.readUInt16LE(0)) {
        const size = pending.readUInt16LE(0);
        const packet = pending.subarray(0, size);
        pending = pending.subarray(size);
        requests.push(packet);
        if (packet[2] === PACKET_CLIENT_GAME_INFO) socket.end(openTtdGameInfoPacket(info));
        else socket.destroy();
      }
    });
    socket.on('error', () => {});
  });
  const sockets = trackSockets(server);
  const port = await listenTcp(server);
  return { port, requests, close: () => closeTcp(server, sockets) };
}

// --- Luanti (luanti-org/luanti src/network): base header `<u32 protocol id 4f457403><u16 sender peer><u8 channel>`
// then a packet type: 0 control (ack 00, set_peer_id 01, ping 02, disco 03), 1 original, 3 reliable
// (`<u16 seqnum>` + the wrapped packet). A reliable packet from peer 0 makes the server create a peer: it
// answers with an ACK of that seqnum and a reliable SET_PEER_ID. Big-endian throughout.

export interface FakeLuanti extends Fake {
  /** Peer ids handed out. */
  assigned: number[];
  /** Peer ids that said goodbye (DISCO). */
  disconnected: number[];
}

export async function fakeLuanti(options: { ackFirst?: boolean } = {}): Promise<FakeLuanti> {
  const assigned: number[] = [];
  const disconnected: number[] = [];
  let nextPeer = 2;
  const header = (type: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(0x4f457403, 0);
    b.writeUInt16BE(1, 4); // PEER_ID_SERVER
    b[6] = 0;
    b[7] = type;
    return b;
  };
  const { port, close } = await bindUdp((socket, packet, from) => {
    if (packet.length < 8 || packet.readUInt32BE(0) !== 0x4f457403) return;
    const sender = packet.readUInt16BE(4);
    if (packet[7] === 0x00 && packet[8] === 0x03) {
      disconnected.push(sender);
      return;
    }
    if (sender !== 0 || packet[7] !== 0x03) return;
    const seqnum = packet.readUInt16BE(8);
    const peer = nextPeer++;
    assigned.push(peer);
    const ack = Buffer.concat([header(0x00), Buffer.from([0x00, seqnum >> 8, seqnum & 0xff])]);
    const setPeerId = Buffer.concat([
      header(0x03),
      Buffer.from([0xff, 0xdc, 0x00, 0x01, peer >> 8, peer & 0xff]),
    ]);
    const order = options.ackFirst ? [ack, setPeerId] : [setPeerId, ack];
    for (const reply of order) socket.send(reply, from.port, from.address);
  });
  return { port, close, assigned, disconnected };
}

// --- Source RCON (Valve's spec, as Factorio speaks it): packets `<i32 LE size><i32 id><i32 type><body>\0\0`;
// SERVERDATA_AUTH (3) answered by SERVERDATA_AUTH_RESPONSE (2) with the request's id, or -1 for a wrong password;
// SERVERDATA_EXECCOMMAND (2) by SERVERDATA_RESPONSE_VALUE (0) with the command's output.

export interface FakeRcon extends Fake {
  commands: string[];
  logins: { password: string; accepted: boolean }[];
}

function rconPacket(id: number, type: number, body: string): Buffer {
  const text = Buffer.from(body, 'utf8');
  const b = Buffer.alloc(14 + text.length);
  b.writeInt32LE(10 + text.length, 0);
  b.writeInt32LE(id, 4);
  b.writeInt32LE(type, 8);
  text.copy(b, 12);
  return b;
}

export async function fakeRcon(options: {
  password: string;
  answer: (command: string) => string;
}): Promise<FakeRcon> {
  const commands: string[] = [];
  const logins: { password: string; accepted: boolean }[] = [];
  const server = createServer((socket) => {
    let authed = false;
    let pending = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32LE(0)) {
        const size = pending.readInt32LE(0);
        const id = pending.readInt32LE(4);
        const type = pending.readInt32LE(8);
        const body = pending.subarray(12, 4 + size - 2).toString('utf8');
        pending = pending.subarray(4 + size);
        if (type === 3) {
          authed = body === options.password;
          logins.push({ password: body, accepted: authed });
          socket.write(rconPacket(authed ? id : -1, 2, ''));
        } else if (type === 2 && authed) {
          commands.push(body);
          socket.write(rconPacket(id, 0, options.answer(body)));
        } else {
          socket.destroy();
        }
      }
    });
  });
  const sockets = trackSockets(server);
  const port = await listenTcp(server);
  return { port, commands, logins, close: () => closeTcp(server, sockets) };
}
