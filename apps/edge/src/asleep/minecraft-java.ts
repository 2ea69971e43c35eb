// Minecraft: Java Edition on the game port (TCP): the Server List Ping and the start of a login.
// Frames are a VarInt length, a VarInt packet id and the body (wiki.vg/minecraft.wiki "Java Edition protocol").
//   handshake (id 0): VarInt protocol, String host, u16 port, VarInt next state (1 status, 2 login, 3 transfer)
//   status:  request (id 0, empty) → response (id 0, String JSON); ping (id 1, i64) → pong (id 1, same i64)
//   login:   Login Start (id 0, String name, …) → here a Login Disconnect (id 0, String JSON text component)
// The legacy ping (first byte 0xFE, clients before 1.7) is answered in its own format.
import { type AsleepInfo, IGNORE, MORE, type TcpResponder, type Verdict } from './types.js';

const MAX_CONNECTION_BYTES = 4096;
const MAX_FRAME_BYTES = 2048;
const MAX_HOST_BYTES = 255 * 4;
const LEGACY_PING = 0xfe;
/** What the legacy ping answers as protocol: higher than any pre-1.7 client, so it shows the version text. */
const LEGACY_PROTOCOL = 127;
/** The protocol a status request answers with when its handshake was answered earlier (1.21.4's). */
const DEFAULT_PROTOCOL = 769;

type Frame = { id: number; body: Buffer; end: number };
type Taken = Frame | 'more' | 'bad';

function readVarInt(bytes: Buffer, at: number): { value: number; end: number } | 'more' | 'bad' {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) return 'more';
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value, end: at + i + 1 };
  }
  return 'bad';
}

function varInt(value: number): Buffer {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return Buffer.from(out);
}

function mcString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([varInt(bytes.length), bytes]);
}

function frame(id: number, body: Buffer): Buffer {
  const idBytes = varInt(id);
  return Buffer.concat([varInt(idBytes.length + body.length), idBytes, body]);
}

/** The frame starting at `at`; a packet id can be judged before the rest of its frame arrives. */
function takeFrame(bytes: Buffer, at: number): Taken {
  const length = readVarInt(bytes, at);
  if (typeof length === 'string') return length;
  if (length.value < 1 || length.value > MAX_FRAME_BYTES) return 'bad';
  const id = readVarInt(bytes, length.end);
  if (id === 'bad') return 'bad';
  if (id === 'more') return 'more';
  // Every packet this responder takes has id 0 or 1: an HTTP request ("GET …") fails here at once.
  if (id.value > 1) return 'bad';
  const end = length.end + length.value;
  if (bytes.length < end) return 'more';
  return { id: id.value, body: bytes.subarray(id.end, end), end };
}

interface Handshake {
  protocol: number;
  nextState: number;
}

function parseHandshake(body: Buffer): Handshake | undefined {
  const protocol = readVarInt(body, 0);
  if (typeof protocol === 'string') return undefined;
  const hostLength = readVarInt(body, protocol.end);
  if (typeof hostLength === 'string' || hostLength.value > MAX_HOST_BYTES) return undefined;
  const portAt = hostLength.end + hostLength.value;
  const nextState = readVarInt(body, portAt + 2);
  if (typeof nextState === 'string' || nextState.end !== body.length) return undefined;
  if (nextState.value < 1 || nextState.value > 3) return undefined;
  return { protocol: protocol.value, nextState: nextState.value };
}

/** Login Start: a player name of 1 to 16 characters, then (1.19+) a UUID and more. */
function isLoginStart(frameIn: Frame): boolean {
  if (frameIn.id !== 0) return false;
  const nameLength = readVarInt(frameIn.body, 0);
  if (typeof nameLength === 'string' || nameLength.value < 1 || nameLength.value > 16 * 4) return false;
  const nameEnd = nameLength.end + nameLength.value;
  if (nameEnd > frameIn.body.length) return false;
  const name = frameIn.body.toString('utf8', nameLength.end, nameEnd);
  return [...name].length <= 16 && /^[^\s\p{Cc}]+$/u.test(name);
}

export function statusResponse(info: AsleepInfo, protocol: number): Buffer {
  const status = {
    // The client's own protocol: the server list shows the server as compatible, so a join is offered.
    version: { name: info.version ?? 'asleep', protocol },
    players: { max: info.maxPlayers, online: 0, sample: [] },
    description: { text: info.status },
    enforcesSecureChat: false,
  };
  return frame(0x00, mcString(JSON.stringify(status)));
}

export function loginDisconnect(message: string): Buffer {
  return frame(0x00, mcString(JSON.stringify({ text: message })));
}

function legacyPingResponse(info: AsleepInfo): Buffer {
  const fields = [
    '§1',
    String(LEGACY_PROTOCOL),
    info.version ?? 'asleep',
    info.status,
    '0',
    String(info.maxPlayers),
  ];
  const text = fields.join('\u0000');
  const body = Buffer.from(text, 'utf16le').swap16();
  const header = Buffer.alloc(3);
  header[0] = 0xff;
  header.writeUInt16BE(text.length, 1);
  return Buffer.concat([header, body]);
}

function isPing(frameIn: Frame): boolean {
  return frameIn.id === 0x01 && frameIn.body.length === 8;
}

function isStatusRequest(frameIn: Frame): boolean {
  return frameIn.id === 0x00 && frameIn.body.length === 0;
}

function pong(ping: Frame): Buffer {
  return frame(0x01, ping.body);
}

/** After a status handshake: the status request, and the ping when it came in the same bytes. */
function answerStatus(received: Buffer, at: number, info: AsleepInfo, protocol: number): Verdict {
  const request = takeFrame(received, at);
  if (request === 'more') return MORE;
  if (request === 'bad') return IGNORE;
  if (isPing(request)) return { kind: 'status', replies: [pong(request)], close: true };
  if (!isStatusRequest(request)) return IGNORE;
  const replies = [statusResponse(info, protocol)];
  const ping = takeFrame(received, request.end);
  if (typeof ping === 'object' && isPing(ping))
    return { kind: 'status', replies: [...replies, pong(ping)], close: true };
  return { kind: 'status', replies };
}

export const minecraftJava: TcpResponder = {
  transport: 'tcp',
  onData(received, info) {
    if (received.length === 0) return MORE;
    if (received.length > MAX_CONNECTION_BYTES) return IGNORE;
    if (received[0] === LEGACY_PING)
      return { kind: 'status', replies: [legacyPingResponse(info)], close: true };
    const first = takeFrame(received, 0);
    if (first === 'more') return MORE;
    if (first === 'bad') return IGNORE;
    // A ping or status request whose handshake an earlier verdict answered.
    if (isPing(first)) return { kind: 'status', replies: [pong(first)], close: true };
    if (isStatusRequest(first)) return { kind: 'status', replies: [statusResponse(info, DEFAULT_PROTOCOL)] };
    const handshake = first.id === 0 ? parseHandshake(first.body) : undefined;
    if (handshake === undefined) return IGNORE;
    if (handshake.nextState === 1) return answerStatus(received, first.end, info, handshake.protocol);
    const login = takeFrame(received, first.end);
    if (login === 'more') return MORE;
    if (login === 'bad' || !isLoginStart(login)) return IGNORE;
    return { kind: 'join', replies: [loginDisconnect(info.joinMessage)], close: true };
  },
};
