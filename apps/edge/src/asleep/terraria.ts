// Terraria with TShock.
// Game port (TCP): a message is `u16 LE length (itself included), u8 type, payload`; strings are .NET's (a
// 7-bit-encoded length, then UTF-8). A client's first message is type 1, Connect Request, carrying
// "Terraria<release>" (e.g. "Terraria279" for 1.4.4.9): that is a join. It is answered with type 2, the
// disconnect whose NetworkText reason (mode 0 = literal text) the client shows.
// REST port (TShock's HTTP API): `GET /v2/server/status?players=true&token=…` → TShock's status JSON (gamedig's
// `terrariatshock` reads status "200", name, port, playercount, maxplayers and the players array).
import { IGNORE, MORE, type TcpResponder } from './types.js';

const CONNECT_REQUEST = 1;
const DISCONNECT = 2;
const NETWORK_TEXT_LITERAL = 0;
const MAX_CONNECT_REQUEST = 64;
const DEFAULT_GAME_PORT = 7777;
const MAX_REQUEST_HEAD = 8192;

function dotnetString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length: number[] = [];
  let rest = bytes.length;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    length.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return Buffer.concat([Buffer.from(length), bytes]);
}

function message(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16LE(3 + payload.length);
  head[2] = type;
  return Buffer.concat([head, payload]);
}

export function terrariaDisconnect(reason: string): Buffer {
  return message(DISCONNECT, Buffer.concat([Buffer.from([NETWORK_TEXT_LITERAL]), dotnetString(reason)]));
}

export const terrariaGame: TcpResponder = {
  transport: 'tcp',
  onData(received, info) {
    if (received.length < 3) return MORE;
    const length = received.readUInt16LE(0);
    if (length < 5 || length > MAX_CONNECT_REQUEST || received[2] !== CONNECT_REQUEST) return IGNORE;
    if (received.length < length) return MORE;
    const stringLength = received[3] ?? 0;
    if (4 + stringLength !== length) return IGNORE;
    const version = received.toString('latin1', 4, length);
    if (!/^Terraria\d{1,4}$/.test(version)) return IGNORE;
    return { kind: 'join', replies: [terrariaDisconnect(info.joinMessage)], close: true };
  },
};

function httpResponse(status: '200 OK' | '404 Not Found', body: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const head = [
    `HTTP/1.1 ${status}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${json.length}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), json]);
}

/** `GET <target> HTTP/1.x` as the first line of a complete request head, else undefined. */
function requestTarget(head: string): string | undefined {
  const line = /^GET (\/\S*) HTTP\/1\.[01]\r\n/.exec(head);
  return line?.[1];
}

export const tshockRest: TcpResponder = {
  transport: 'tcp',
  onData(received, info) {
    // Anything that is not the start of an HTTP GET is no REST client.
    const start = received.toString('latin1', 0, Math.min(received.length, 4));
    if (!'GET '.startsWith(start) && !start.startsWith('GET ')) return IGNORE;
    const headEnd = received.indexOf('\r\n\r\n');
    if (headEnd < 0) return received.length > MAX_REQUEST_HEAD ? IGNORE : MORE;
    const target = requestTarget(received.toString('latin1', 0, headEnd + 4));
    if (target === undefined) return IGNORE;
    const path = target.split('?')[0];
    if (path !== '/v2/server/status') {
      const notFound = { status: '404', error: `Specified API endpoint doesn't exist: ${path}` };
      return { kind: 'status', replies: [httpResponse('404 Not Found', notFound)], close: true };
    }
    const status = {
      status: '200',
      name: info.status,
      serverversion: info.version ?? '',
      tshockversion: '',
      port: info.gamePort ?? DEFAULT_GAME_PORT,
      playercount: 0,
      maxplayers: info.maxPlayers,
      world: info.serverName,
      uptime: '0.00:00:00',
      serverpassword: false,
      players: [],
    };
    return { kind: 'status', replies: [httpResponse('200 OK', status)], close: true };
  },
};
