import { EVENT_TYPES, type GuildEvent } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../src/domain/events.js';
import { notifyEventsAppended } from '../../src/observability/event-feed.js';
import { client, GUILD, type Harness, startApi } from '../support/api-harness.js';
import { openSse, type SseConnection } from './sse-client.js';

const OTHER_GUILD = '999999999999999999';

let h: Harness;
let token: string;

beforeAll(async () => {
  h = await startApi();
  token = h.token(['read'], 'events-reader');
});
afterAll(async () => {
  await h?.close();
});

/** Appends `count` events as another process would (no notify: the stream's poll must find them). */
function append(count: number, options: { guildId?: string; notify?: boolean } = {}): number[] {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      appendEvent(h.services.db, {
        type: 'step.progress',
        message: `progress ${i}`,
        guildId: options.guildId ?? GUILD,
        serverId: 'srv_aaaaaaaaaaaa',
        data: { i },
      }),
    );
  }
  if (options.notify) notifyEventsAppended(h.services.db);
  return ids;
}

async function take(connection: SseConnection, count: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < count) {
    const message = await connection.next();
    if (!message) throw new Error(`stream ended after ${ids.length} of ${count} events`);
    const event = JSON.parse(message.data) as GuildEvent;
    expect(message.id).toBe(String(event.id));
    expect(message.event).toBe(event.type);
    ids.push(event.id);
  }
  return ids;
}

describe('GET /v1/events', () => {
  it('pages by cursor in id order and filters by guild', async () => {
    const ids = [...append(3), ...append(2, { guildId: OTHER_GUILD })];
    const api = client(h.url, token);
    const after = ids[0]! - 1;
    const first = await api<{ events: GuildEvent[]; cursor: number }>(
      'GET',
      `/v1/events?after=${after}&limit=2`,
    );
    expect(first.status).toBe(200);
    expect(first.body.events.map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect(first.body.cursor).toBe(ids[1]);
    const rest = await api<{ events: GuildEvent[]; cursor: number }>(
      'GET',
      `/v1/events?after=${first.body.cursor}`,
    );
    expect(rest.body.events.map((e) => e.id)).toEqual(ids.slice(2));
    const guildOnly = await api<{ events: GuildEvent[] }>(
      'GET',
      `/v1/events?after=${after}&guildId=${OTHER_GUILD}`,
    );
    expect(guildOnly.body.events.map((e) => e.id)).toEqual(ids.slice(3));
    const empty = await api<{ events: GuildEvent[]; cursor: number }>(
      'GET',
      `/v1/events?after=${ids.at(-1)}`,
    );
    expect(empty.body).toEqual({ events: [], cursor: ids.at(-1) });
  });

  it('needs a token and a sane cursor', async () => {
    expect((await fetch(`${h.url}/v1/events`)).status).toBe(401);
    const bad = await client(h.url, token)('GET', '/v1/events?after=-1');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

describe('the events in the API document', () => {
  it('are one schema per type, each with its typed data', async () => {
    type Schema = { oneOf?: Schema[]; properties?: Record<string, Schema>; enum?: string[] };
    const doc = (await (await fetch(`${h.url}/v1/openapi.json`)).json()) as {
      paths: Record<
        string,
        { get: { responses: { 200: { content: { 'application/json': { schema: Schema } } } } } }
      >;
    };
    const page = doc.paths['/events']!.get.responses[200].content['application/json'].schema;
    const events = page.properties!.events as Schema & { items: Schema };
    const byType = new Map(events.items.oneOf!.map((e) => [e.properties!.type!.enum![0], e]));
    expect([...byType.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    expect(Object.keys(byType.get('job.failed')!.properties!.data!.properties!)).toEqual(
      expect.arrayContaining(['serverName', 'kind', 'step', 'code', 'reason']),
    );
  });
});

describe('GET /v1/events/stream', () => {
  it('resumes from Last-Event-ID with exactly the missed events, over real HTTP', async () => {
    const start = append(1, { notify: true })[0]!;
    const auth = { authorization: `Bearer ${token}` };

    const first = await openSse(`${h.url}/v1/events/stream?after=${start}`, auth);
    expect(first.status).toBe(200);
    const live = append(5, { notify: true });
    const seen = await take(first, 3);
    expect(seen).toEqual(live.slice(0, 3));
    first.close();

    // While disconnected: more events, some appended without a notify (as a worker process would).
    const missed = [...append(4), ...append(3, { notify: true })];

    const second = await openSse(`${h.url}/v1/events/stream?after=${start}`, {
      ...auth,
      'last-event-id': String(seen.at(-1)),
    });
    const expected = [...live.slice(3), ...missed];
    expect(await take(second, expected.length)).toEqual(expected);
    // And it keeps following: events appended after the resume arrive next, in order.
    const later = append(2);
    expect(await take(second, 2)).toEqual(later);
    second.close();
  });

  it('streams only the events matching its filter, resumable with ?after=', async () => {
    const before = append(1, { notify: true })[0]!;
    const mixed = [
      ...append(2, { guildId: OTHER_GUILD }),
      ...append(2),
      ...append(1, { guildId: OTHER_GUILD }),
    ];
    const stream = await openSse(`${h.url}/v1/events/stream?after=${before}&guildId=${OTHER_GUILD}`, {
      authorization: `Bearer ${token}`,
    });
    expect(await take(stream, 3)).toEqual([mixed[0], mixed[1], mixed[4]]);
    stream.close();
  });

  it('delivers a large backlog in order without gaps', async () => {
    const before = append(1, { notify: true })[0]!;
    const backlog = append(450);
    const stream = await openSse(`${h.url}/v1/events/stream?after=${before}`, {
      authorization: `Bearer ${token}`,
    });
    expect(await take(stream, backlog.length)).toEqual(backlog);
    stream.close();
  });

  it('refuses a Last-Event-ID that is not an event id', async () => {
    const res = await fetch(`${h.url}/v1/events/stream`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': 'abc' },
    });
    expect(res.status).toBe(400);
  });
});

describe('keep-alive', () => {
  it('sends a comment line while no events come', async () => {
    const { serve } = await import('@hono/node-server');
    const { createApiApp } = await import('../../src/http/app.js');
    const app = createApiApp(
      {
        config: h.config,
        db: h.services.db,
        servers: {} as never,
        backups: {} as never,
        schedules: {} as never,
        quotas: {} as never,
        tokens: {} as never,
        webhooks: {} as never,
        images: {} as never,
        pool: {} as never,
        logger: h.services.logger,
        readiness: {},
      },
      { events: { keepAliveMs: 50 } },
    );
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as { port: number };
    const last = append(1, { notify: true })[0]!;
    const stream = await openSse(`http://127.0.0.1:${port}/v1/events/stream?after=${last}`, {
      authorization: `Bearer ${token}`,
    });
    const pending = stream.next();
    while (!stream.comments.includes('keep-alive')) await new Promise((resolve) => setTimeout(resolve, 20));
    const next = append(1, { notify: true });
    expect(JSON.parse((await pending)!.data).id).toBe(next[0]);
    stream.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
