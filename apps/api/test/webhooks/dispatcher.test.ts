import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/db/database.js';
import { webhookDeliveries, webhooks } from '../../src/db/schema.js';
import { appendEvent, lastEventId } from '../../src/domain/events.js';
import { notifyEventsAppended } from '../../src/observability/event-feed.js';
import { startWebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { signPayload, verifySignature } from '../../src/webhooks/signature.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  eventId: number;
}

/** A local receiver: `answer` decides the status of each request (after it was recorded). */
async function startReceiver(answer: (r: Received, all: Received[]) => number) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const entry = { headers: req.headers, body, eventId: (JSON.parse(body) as { id: number }).id };
      received.push(entry);
      res.writeHead(answer(entry, received)).end('ok');
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Resolves once `predicate` holds for what was received. */
    until: async (predicate: (all: Received[]) => boolean) => {
      while (!predicate(received)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SECRET = 'a-secret-of-32-characters-long!!';
const GUILD = '111111111111111111';
let db: Db;
const logger = pino({ level: 'silent' });
const stops: (() => Promise<void>)[] = [];

beforeEach(() => {
  db = openDatabase(join(mkdtempSync(join(tmpdir(), 'gs-webhooks-')), 'db.sqlite'));
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  db.$client.close();
});

function register(url: string, extra: Partial<typeof webhooks.$inferInsert> = {}) {
  const id = `whk_test${Math.random().toString(36).slice(2, 10)}`;
  db.insert(webhooks)
    .values({
      id,
      url,
      secret: SECRET,
      eventTypes: '*',
      guildId: null,
      active: true,
      cursor: lastEventId(db),
      createdAt: new Date().toISOString(),
      ...extra,
    })
    .run();
  return id;
}

function emit(
  type: 'server.created' | 'step.progress' | 'job.failed' = 'step.progress',
  guildId = GUILD,
): number {
  const id = appendEvent(db, { type, message: type, guildId, serverId: 'srv_aaaaaaaaaaaa', data: { n: 1 } });
  notifyEventsAppended(db);
  return id;
}

function start(options: Parameters<typeof startWebhookDispatcher>[1] = {}) {
  const dispatcher = startWebhookDispatcher({ db, logger }, { retryBaseMs: 20, rescanMs: 50, ...options });
  stops.push(() => dispatcher.close());
  return dispatcher;
}

async function receiver(answer: Parameters<typeof startReceiver>[0] = () => 200) {
  const r = await startReceiver(answer);
  stops.push(r.close);
  return r;
}

const deliveriesOf = (webhookId: string) =>
  db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(webhookDeliveries.id)
    .all();

describe('webhook dispatcher', () => {
  it('signs each delivery so the receiver can verify it', async () => {
    const r = await receiver();
    const hook = register(r.url);
    start();
    const eventId = emit('server.created');
    await r.until((all) => all.length === 1);
    const [got] = r.received;
    expect(got!.headers['x-guildserver-event']).toBe('server.created');
    expect(got!.headers['x-guildserver-delivery']).toBe(`${hook}.${eventId}`);
    expect(got!.headers['content-type']).toBe('application/json');
    const timestamp = got!.headers['x-guildserver-timestamp'] as string;
    const signature = got!.headers['x-guildserver-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signature).toBe(signPayload(SECRET, Number(timestamp), got!.body));
    expect(verifySignature(SECRET, { signature, timestamp }, got!.body)).toBe(true);
    expect(verifySignature('another-secret-entirely!', { signature, timestamp }, got!.body)).toBe(false);
    expect(verifySignature(SECRET, { signature, timestamp }, `${got!.body} `)).toBe(false);
    expect(JSON.parse(got!.body)).toMatchObject({ id: eventId, type: 'server.created', guildId: GUILD });
  });

  it('retries with back-off: a receiver failing twice gets the event on the 3rd attempt, every attempt recorded', async () => {
    const r = await receiver((_, all) => (all.length <= 2 ? 500 : 204));
    const hook = register(r.url);
    start();
    const eventId = emit();
    await r.until((all) => all.length === 3);
    await vi_waitFor(() => deliveriesOf(hook).some((d) => d.state === 'succeeded'));
    const rows = deliveriesOf(hook);
    expect(rows.map((d) => [d.eventId, d.attempt, d.state, d.responseStatus])).toEqual([
      [eventId, 1, 'failed', 500],
      [eventId, 2, 'failed', 500],
      [eventId, 3, 'succeeded', 204],
    ]);
    expect(rows[0]!.error).toBe('The receiver answered 500.');
    expect(rows[0]!.nextAttemptAt).not.toBeNull();
    expect(r.received.map((x) => x.headers['x-guildserver-attempt'])).toEqual(['1', '2', '3']);
    // Same delivery id on every attempt, so a receiver can drop duplicates.
    expect(new Set(r.received.map((x) => x.headers['x-guildserver-delivery'])).size).toBe(1);
    expect(db.select().from(webhooks).where(eq(webhooks.id, hook)).get()!.cursor).toBe(eventId);
  });

  it('keeps order: no event is sent before the previous one succeeded', async () => {
    let failuresLeft = 2;
    const r = await receiver((entry, all) =>
      entry.eventId === all[0]!.eventId && failuresLeft-- > 0 ? 503 : 200,
    );
    register(r.url);
    start();
    const ids = [emit(), emit(), emit()];
    await r.until((all) => all.filter((x) => x.eventId === ids[2]).length === 1);
    expect(r.received.map((x) => x.eventId)).toEqual([ids[0], ids[0], ids[0], ids[1], ids[2]]);
  });

  it('gives an event up after the last attempt and moves on', async () => {
    const r = await receiver((entry, all) => (entry.eventId === all[0]!.eventId ? 500 : 200));
    const hook = register(r.url);
    start({ maxAttempts: 3 });
    const [doomed, next] = [emit(), emit()];
    await r.until((all) => all.some((x) => x.eventId === next));
    expect(r.received.filter((x) => x.eventId === doomed)).toHaveLength(3);
    await vi_waitFor(() => deliveriesOf(hook).some((d) => d.eventId === next && d.state === 'succeeded'));
    expect(
      deliveriesOf(hook)
        .filter((d) => d.eventId === doomed)
        .map((d) => d.state),
    ).toEqual(['failed', 'failed', 'gave_up']);
  });

  it('sends only the subscribed types of the subscribed guild', async () => {
    const r = await receiver();
    register(r.url, { eventTypes: 'server.created,job.failed', guildId: GUILD });
    start();
    emit('step.progress');
    emit('server.created', '999999999999999999');
    const wanted = [emit('server.created'), emit('job.failed')];
    await r.until((all) => all.length === 2);
    expect(r.received.map((x) => x.eventId)).toEqual(wanted);
  });

  it('records an attempt at a receiver that cannot be reached, with the reason', async () => {
    const probe = await startReceiver(() => 200);
    const url = probe.url;
    await probe.close();
    const hook = register(url);
    start({ retryBaseMs: 100 });
    const eventId = emit();
    // The attempt is recorded as 'sending' first; on a busy machine the test can look in between.
    await vi_waitFor(() => (deliveriesOf(hook)[0]?.state ?? 'sending') !== 'sending');
    expect(deliveriesOf(hook)[0]).toMatchObject({
      state: 'failed',
      responseStatus: null,
      error: 'Could not reach the receiver (ECONNREFUSED).',
    });
    expect(deliveriesOf(hook).some((d) => d.state === 'succeeded')).toBe(false);
    expect(eventId).toBeGreaterThan(0);
  });

  it('resumes after a restart with the next attempt number, not from scratch', async () => {
    const r = await receiver((_, all) => (all.length === 1 ? 500 : 200));
    const hook = register(r.url);
    const first = start({ retryBaseMs: 60_000 });
    const eventId = emit();
    await vi_waitFor(() => deliveriesOf(hook).length === 1 && deliveriesOf(hook)[0]!.state === 'failed');
    await first.close();
    // Pretend the back-off is over, then start a new dispatcher.
    db.update(webhookDeliveries)
      .set({ nextAttemptAt: new Date(Date.now() - 1).toISOString() })
      .run();
    start();
    await r.until((all) => all.length === 2);
    await vi_waitFor(() => deliveriesOf(hook).some((d) => d.state === 'succeeded'));
    expect(deliveriesOf(hook).map((d) => [d.eventId, d.attempt, d.state])).toEqual([
      [eventId, 1, 'failed'],
      [eventId, 2, 'succeeded'],
    ]);
  });
});

async function vi_waitFor(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}
