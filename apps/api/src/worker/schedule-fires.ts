// What happens when a schedule's time comes (a BullMQ job of the schedule queue): the server's job is queued
// the way a person's would be, through the same rules — so a run while another job holds the server, or in a
// state the action does not allow, is skipped and says so in the server's events. Restarts are announced to
// the players first, where the game has a way.
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { schedules, servers } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import type { BackupService } from '../domain/backup-service.js';
import { DomainError } from '../domain/errors.js';
import { recordEvent } from '../domain/event-log.js';
import { noteScheduledRun, noteScheduleFailed } from '../domain/schedule-outcomes.js';
import type { ScheduleRegistry } from '../domain/schedule-service.js';
import { type JobQueueDeps, queueServerJob } from '../domain/server-jobs.js';
import { gameOf } from '../domain/server-rules.js';
import { type GameHold, HoldUnavailable } from '../pipeline/game/game-hold.js';
import type { ScheduleFire } from '../queue/schedule-queue.js';

/** Who a scheduled run acts as: the system itself, audited as `scheduler`. */
export const SCHEDULER: Actor = { tokenId: 'scheduler', scopes: ['admin'] };

export interface ScheduleFireDeps {
  jobs: JobQueueDeps;
  db: Db;
  backups: BackupService;
  gameHold: GameHold;
  registry: Pick<ScheduleRegistry, 'unregister'>;
  logger: Logger;
}

/** Runs one fire; resolves with what happened, in a sentence (for the log). */
export async function runScheduleFire(deps: ScheduleFireDeps, fire: ScheduleFire): Promise<string> {
  const { db } = deps;
  const row = db.select().from(schedules).where(eq(schedules.id, fire.scheduleId)).get();
  const server = row && db.select().from(servers).where(eq(servers.id, row.serverId)).get();
  if (!row || !server || server.deletedAt) {
    // The schedule or its server is gone: so is the scheduler.
    await deps.registry.unregister(fire.scheduleId);
    if (row)
      db.delete(schedules)
        .where(and(eq(schedules.id, row.id)))
        .run();
    return `schedule ${fire.scheduleId} has no live server any more; removed`;
  }
  if (fire.warning !== undefined) return warnPlayers(deps, row.id, server, fire.warning);

  const scheduleId = row.id;
  try {
    const jobId =
      row.action === 'backup'
        ? (await deps.backups.create(server.id, {}, SCHEDULER, { scheduleId })).jobId
        : await queueServerJob(deps.jobs, server.id, row.action, SCHEDULER, {
            params: () => ({ scheduleId }),
          });
    noteScheduledRun(db, scheduleId, { outcome: 'queued', jobId, note: `Queued the ${row.action}.` });
    return `queued ${row.action} ${jobId}`;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.code === 'invalid_state') {
      db.transaction((tx) => {
        noteScheduledRun(tx, scheduleId, { outcome: 'skipped', jobId: null, note: error.message });
        recordEvent(
          tx,
          { server },
          { type: 'schedule.skipped', data: { scheduleId, action: row.action, reason: error.message } },
        );
      });
      return `skipped: ${error.message}`;
    }
    db.transaction((tx) =>
      noteScheduleFailed(tx, scheduleId, server, { jobId: null, code: error.code, reason: error.message }),
    );
    return `refused: ${error.message}`;
  }
}

async function warnPlayers(
  deps: ScheduleFireDeps,
  scheduleId: string,
  server: typeof servers.$inferSelect,
  minutes: number,
): Promise<string> {
  if (server.state !== 'running' || !server.ipv4) return 'no warning: the server is not running';
  const game = gameOf(server.game);
  const message = `This server restarts in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  let delivered = true;
  let note: string;
  try {
    note = await deps.gameHold.say(
      {
        server: { id: server.id, name: server.name, guildId: server.guildId },
        game,
        ipv4: server.ipv4,
        signal: AbortSignal.timeout(30_000),
        onProgress: () => {},
      },
      message,
    );
  } catch (error) {
    if (!(error instanceof HoldUnavailable)) throw error;
    delivered = false;
    note = `Players of ${server.name} could not be warned of the restart in ${minutes} min: ${error.message}`;
  }
  recordEvent(
    deps.db,
    { server },
    { type: 'schedule.warned', data: { scheduleId, action: 'restart', minutes, delivered, note } },
  );
  return note;
}
