// Minecraft: Java Edition while asleep: the server list ping answers, a login wakes and is told why it waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minecraftJava } from '../../src/asleep/minecraft-java.js';
import { connectAndHangUp, tcpExchange } from './support/exchange.js';
import { gamedig } from './support/gamedig.js';
import { type Hosted, hostTcp } from './support/host.js';
import { INFO } from './support/info.js';
import {
  garbage,
  MINECRAFT_JOIN,
  minecraftHandshake,
  minecraftLoginStart,
  TCP_PROBES,
} from './support/packets.js';

/** The frames in `bytes`: [packet id, body]. */
function frames(bytes: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let at = 0;
  const varInt = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++] ?? 0;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < bytes.length) {
    const length = varInt();
    const end = at + length;
    const id = varInt();
    out.push([id, bytes.subarray(at, end)]);
    at = end;
  }
  return out;
}

/** The JSON in a String field at the start of `body`. */
function jsonString(body: Buffer): unknown {
  let length = 0;
  let at = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = body[at++] ?? 0;
    length |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
  }
  return JSON.parse(body.toString('utf8', at, at + length));
}

const STATUS_REQUEST = Buffer.from([0x01, 0x00]);
const PING = Buffer.from('09010000000000bc614e', 'hex');

describe('Minecraft: Java Edition, asleep', () => {
  let host: Hosted;
  beforeAll(async () => {
    host = await hostTcp(minecraftJava, INFO);
  });
  afterAll(() => host.close());

  it('answers gamedig with the status line, 0 players and the maximum, and is not woken by it', async () => {
    const before = host.verdicts.length;
    const result = await gamedig('minecraft', host.port);
    expect(result.name).toBe(INFO.status);
    expect(result.numplayers).toBe(0);
    expect(result.maxplayers).toBe(INFO.maxPlayers);
    expect(host.kinds().slice(before)).toEqual(['status']);
  });

  it('answers the client’s ping with the same payload after the status, then closes', async () => {
    const outcome = await tcpExchange(host, [
      Buffer.concat([minecraftHandshake(769, 'mc.example.org', 25565, 1), STATUS_REQUEST]),
      PING,
    ]);
    expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['status', 'status']);
    const [status, pong] = frames(outcome.received);
    expect(status?.[0]).toBe(0x00);
    expect(jsonString(status?.[1] ?? Buffer.alloc(0))).toMatchObject({
      // The client's own protocol: the list shows the server as joinable.
      version: { protocol: 769 },
      players: { online: 0, max: INFO.maxPlayers },
      description: { text: INFO.status },
    });
    expect(pong).toEqual([0x01, PING.subarray(2)]);
    expect(outcome.closed).toBe(true);
  });

  it('answers the legacy (pre-1.7) ping in its own format', async () => {
    const outcome = await tcpExchange(host, [Buffer.from('fe01fa', 'hex')]);
    expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['status']);
    expect(outcome.received[0]).toBe(0xff);
    const text = Buffer.from(outcome.received.subarray(3)).swap16().toString('utf16le');
    expect(text.split('\u0000')).toEqual(['§1', '127', 'asleep', INFO.status, '0', String(INFO.maxPlayers)]);
  });

  it('wakes on a handshake for login followed by Login Start, and disconnects the player with the message', async () => {
    const outcome = await tcpExchange(host, [MINECRAFT_JOIN]);
    expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['join']);
    const [disconnect] = frames(outcome.received);
    expect(disconnect?.[0]).toBe(0x00);
    expect(jsonString(disconnect?.[1] ?? Buffer.alloc(0))).toEqual({ text: INFO.joinMessage });
    expect(outcome.closed).toBe(true);
  });

  it('waits for Login Start when the handshake comes on its own', async () => {
    const outcome = await tcpExchange(host, [
      minecraftHandshake(767, '192.168.1.20', 25565, 2),
      minecraftLoginStart('Alex_2'),
    ]);
    expect(outcome.verdicts.map((verdict) => verdict.kind)).toEqual(['more', 'join']);
  });

  it('does not wake on a status query, a silent connection, web or TLS clients, or garbage', async () => {
    const before = host.verdicts.length;
    await connectAndHangUp(host);
    expect(host.verdicts.length).toBe(before);
    const asks: Buffer[][] = [
      [Buffer.concat([minecraftHandshake(47, 'localhost', 25565, 1), STATUS_REQUEST])],
      [Buffer.concat([minecraftHandshake(769, 'localhost', 25565, 2), garbage(40, 9)])],
      ...Object.values(TCP_PROBES).map((probe) => [probe]),
    ];
    for (const chunks of asks) {
      const outcome = await tcpExchange(host, chunks);
      expect(outcome.verdicts.map((verdict) => verdict.kind)).not.toContain('join');
    }
  });
});
