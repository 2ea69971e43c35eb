// The gateway as a raw client sees it (HELLO, heartbeats, IDENTIFY, close codes, RESUME with replay), and a
// discord.js client that loses its connection and resumes without missing the interaction sent meanwhile.
import { Events, type Interaction } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ALICE, CHANNEL, GUILD, loginClient, startFake } from './support/setup.js';

const { fake, token } = await startFake();
afterAll(() => fake.close());

interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

async function connect(url = `${fake.gatewayUrl}?v=10&encoding=json`) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  let closed: { code: number } | undefined;
  ws.on('message', (raw) => {
    frames.push(JSON.parse(raw.toString()) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  ws.on('close', (code) => {
    closed = { code };
    for (const w of waiters.splice(0)) w();
  });
  const next = async (predicate: (f: Frame) => boolean): Promise<Frame> => {
    for (;;) {
      const found = frames.find(predicate);
      if (found) return found;
      if (closed) throw new Error(`closed with ${closed.code}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const closedWith = async () => {
    while (!closed) await new Promise<void>((r) => waiters.push(r));
    return closed.code;
  };
  const send = (payload: unknown) => ws.send(JSON.stringify(payload));
  await next((f) => f.op === 10);
  return { ws, frames, next, send, closedWith };
}

const identify = (t = token, intents = 1) => ({
  op: 2,
  d: { token: t, intents, properties: { os: 'linux', browser: 'x', device: 'x' } },
});

describe('gateway protocol', () => {
  it('HELLO, heartbeat ACK, IDENTIFY → READY then a full GUILD_CREATE', async () => {
    const c = await connect();
    const hello = await c.next((f) => f.op === 10);
    expect(hello.d).toEqual({ heartbeat_interval: 41250 });
    c.send({ op: 1, d: null });
    await c.next((f) => f.op === 11);
    c.send(identify());
    const ready = await c.next((f) => f.t === 'READY');
    expect(ready.s).toBe(1);
    expect(ready.d).toMatchObject({
      user: { id: fake.applicationId, bot: true },
      guilds: [{ id: GUILD, unavailable: true }],
      session_id: expect.any(String),
      resume_gateway_url: fake.gatewayUrl,
      application: { id: fake.applicationId, flags: expect.any(Number) },
    });
    const guild = await c.next((f) => f.t === 'GUILD_CREATE');
    expect(guild.s).toBe(2);
    expect(guild.d).toMatchObject({
      id: GUILD,
      unavailable: false,
      channels: expect.any(Array),
      roles: expect.any(Array),
    });
    const members = (guild.d as { members: { user: { id: string } }[] }).members.map((m) => m.user.id);
    expect(members).toContain(fake.applicationId);
    expect(members).toContain(ALICE);
    c.ws.close(1000);
  });

  it('closes 4004 on a bad token, 4014 on privileged intents, 4003 before IDENTIFY, 4001 on unknown opcodes', async () => {
    const bad = await connect();
    bad.send(identify('nope'));
    expect(await bad.closedWith()).toBe(4004);
    const privileged = await connect();
    privileged.send(identify(token, 1 | (1 << 15)));
    expect(await privileged.closedWith()).toBe(4014);
    const early = await connect();
    early.send({ op: 3, d: {} });
    expect(await early.closedWith()).toBe(4003);
    const unknown = await connect();
    unknown.send({ op: 42, d: {} });
    expect(await unknown.closedWith()).toBe(4001);
  });

  it('RESUME replays the dispatches missed since `seq`, then RESUMED', async () => {
    const first = await connect();
    first.send(identify());
    const ready = await first.next((f) => f.t === 'READY');
    const lastSeen = (await first.next((f) => f.t === 'GUILD_CREATE')).s!;
    const sessionId = (ready.d as { session_id: string }).session_id;
    await fake.disconnectGateway();
    const h = fake.invokeCommand({ guildId: GUILD, channelId: CHANNEL, userId: ALICE, name: 'ping' });
    const second = await connect();
    second.send({ op: 6, d: { token, session_id: sessionId, seq: lastSeen } });
    const replayed = await second.next((f) => f.t === 'INTERACTION_CREATE');
    expect(replayed.s).toBe(lastSeen + 1);
    expect((replayed.d as { id: string }).id).toBe(h.id);
    const resumed = await second.next((f) => f.t === 'RESUMED');
    expect(resumed.s).toBe(lastSeen + 2);
    second.ws.close(1000);
    const stale = await connect();
    stale.send({ op: 6, d: { token, session_id: sessionId, seq: 1 } });
    expect((await stale.next((f) => f.op === 9)).d).toBe(false);
    stale.ws.close(1000);
  });
});

describe('a discord.js client that loses its connection', () => {
  it('resumes and handles the interaction dispatched while it was away', async () => {
    const client = await loginClient(fake, token);
    client.on(Events.InteractionCreate, (i: Interaction) => {
      if (i.isChatInputCommand()) void i.reply('pong');
    });
    const before = { ...fake.gatewayStats };
    await fake.disconnectGateway();
    const h = fake.invokeCommand({ guildId: GUILD, channelId: CHANNEL, userId: ALICE, name: 'ping' });
    const reply = await h.waitForOriginal((m) => m.content === 'pong');
    expect(reply.content).toBe('pong');
    expect(fake.gatewayStats.resumes).toBe(before.resumes + 1);
    expect(fake.gatewayStats.identifies).toBe(before.identifies);
    expect(fake.gatewayStats.replayed).toBeGreaterThan(before.replayed);
    await client.destroy();
  });
});
