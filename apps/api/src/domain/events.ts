import type { EventType, GuildEvent } from '@guildserver/contracts';
import { and, asc, eq, gt, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { events } from '../db/schema.js';
import type { Reach } from './actor.js';
import { now } from './ids.js';

/** An outbox row as stored; the API's own are made by `event-log.ts`, which types each kind's data. */
export interface NewEvent {
  type: EventType;
  message: string;
  serverId?: string | null;
  jobId?: string | null;
  guildId?: string | null;
  ownerId?: string | null;
  channelId?: string | null;
  data?: Record<string, unknown>;
}

type Writer = Pick<Db, 'insert'>;

/** Appends to the outbox. Call inside the transaction that made the change, so neither exists without the other. */
export function appendEvent(db: Writer, event: NewEvent): number {
  const row = db
    .insert(events)
    .values({
      type: event.type,
      message: event.message,
      serverId: event.serverId ?? null,
      jobId: event.jobId ?? null,
      guildId: event.guildId ?? null,
      ownerId: event.ownerId ?? null,
      channelId: event.channelId ?? null,
      data: JSON.stringify(event.data ?? {}),
      createdAt: now(),
    })
    .returning({ id: events.id })
    .get();
  return row.id;
}

export interface EventFilter {
  guildId?: string;
  serverId?: string;
  /** Only the events of servers the reader reaches (`reachOf`). */
  reach?: Reach;
}

function reachCondition(reach: Extract<Reach, { all: false }>): SQL {
  const mine: SQL[] = [];
  if (reach.ownerId !== undefined) mine.push(eq(events.ownerId, reach.ownerId));
  if (reach.guildId !== undefined) mine.push(eq(events.guildId, reach.guildId));
  return or(...mine) ?? sql`0 = 1`; // reaching nobody's: nothing
}

export function listEvents(db: Db, after: number, limit: number, filter: EventFilter = {}): GuildEvent[] {
  const conditions: SQL[] = [gt(events.id, after)];
  if (filter.guildId) conditions.push(eq(events.guildId, filter.guildId));
  if (filter.serverId) conditions.push(eq(events.serverId, filter.serverId));
  if (filter.reach && !filter.reach.all) conditions.push(reachCondition(filter.reach));
  return db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(asc(events.id))
    .limit(limit)
    .all()
    .map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }) as GuildEvent);
}

export function lastEventId(db: Db): number {
  const row = db.$client.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get() as { id: number };
  return row.id;
}
