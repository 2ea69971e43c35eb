// Quake 3's connectionless packets (OpenArena, ioquake3 code/server/sv_main.c SVC_Info / SVC_Status and
// code/client/cl_main.c): `FF FF FF FF` then a text command.
//   getinfo [challenge]   → "infoResponse\n\key\value…"        (the challenge echoed)
//   getstatus [challenge] → "statusResponse\n\key\value…\n"    (then one line per player: none)
//   getchallenge, connect → a join. The reply is "print\n<message>": the client shows it on its connecting
//   screen (cl_main.c: a "print" from the server it connects to fills clc.serverMessage) and keeps retrying.
import { toAscii } from './text.js';
import { type AsleepInfo, IGNORE, type UdpResponder } from './types.js';

const HEADER = Buffer.from([0xff, 0xff, 0xff, 0xff]);
/** OpenArena 0.8.8's network protocol. */
const PROTOCOL = 71;
const GAME_NAME = 'Quake3Arena';
const MAX_CHALLENGE = 128;

/** Info strings separate keys and values with '\' and cannot hold ';' or '"' either (ioq3 Info_SetValueForKey). */
function infoValue(text: string): string {
  return toAscii(text).replace(/[\\;"]/g, ' ');
}

function infoString(pairs: [string, string][]): string {
  return pairs.map(([key, value]) => `\\${key}\\${infoValue(value)}`).join('');
}

function outOfBand(text: string): Buffer {
  return Buffer.concat([HEADER, Buffer.from(text, 'latin1')]);
}

function challengePair(challenge: string | undefined): [string, string][] {
  return challenge !== undefined && challenge.length <= MAX_CHALLENGE ? [['challenge', challenge]] : [];
}

function infoResponse(info: AsleepInfo, challenge: string | undefined): Buffer {
  return outOfBand(
    `infoResponse\n${infoString([
      ...challengePair(challenge),
      ['gamename', GAME_NAME],
      ['protocol', String(PROTOCOL)],
      ['hostname', info.status],
      ['mapname', 'asleep'],
      ['clients', '0'],
      ['g_humanplayers', '0'],
      ['sv_maxclients', String(info.maxPlayers)],
      ['gametype', '0'],
      ['pure', '1'],
      ['g_needpass', '0'],
    ])}`,
  );
}

function statusResponse(info: AsleepInfo, challenge: string | undefined): Buffer {
  const serverInfo = infoString([
    ...challengePair(challenge),
    ['sv_hostname', info.status],
    ['sv_maxclients', String(info.maxPlayers)],
    ['mapname', 'asleep'],
    ['g_gametype', '0'],
    ['g_needpass', '0'],
    ['protocol', String(PROTOCOL)],
    ['gamename', GAME_NAME],
    ...(info.version === undefined ? [] : ([['version', info.version]] as [string, string][])),
  ]);
  return outOfBand(`statusResponse\n${serverInfo}\n`);
}

/** The command and its arguments, as ioq3's Cmd_TokenizeString splits them (quotes aside). */
function command(packet: Buffer): string[] | undefined {
  if (packet.length <= HEADER.length || !packet.subarray(0, 4).equals(HEADER)) return undefined;
  // `connect` carries a Huffman-compressed userinfo after its name: only the leading text matters.
  const text = packet.toString('latin1', 4, Math.min(packet.length, 4 + 256));
  return text.split(/[\s\0]+/).filter((word) => word !== '');
}

export const quake3: UdpResponder = {
  transport: 'udp',
  onDatagram(packet, info) {
    const words = command(packet);
    const name = words?.[0]?.toLowerCase();
    switch (name) {
      case 'getinfo':
        return { kind: 'status', replies: [infoResponse(info, words?.[1])] };
      case 'getstatus':
        return { kind: 'status', replies: [statusResponse(info, words?.[1])] };
      case 'getchallenge':
      case 'connect':
        return { kind: 'join', replies: [outOfBand(`print\n${toAscii(info.joinMessage)}\n`)] };
      default:
        return IGNORE;
    }
  },
};
