// Schedules as the HTTP routes see them, and the guild settings their times are read in. SQLite holds them;
// each change registers (or removes) its BullMQ job schedulers at once, and `syncAll` rebuilds every scheduler
// from the rows (worker start, and whenever Redis lost them). Reading follows reading the server; changing
// follows acting on it; guild settings belong to the guild's admins.
import type {
  CreateScheduleRequest,
  GuildSettings,
  Schedule,
  ScheduleList,
  UpdateGuildSettingsRequest,
} from '@guildserver/contracts';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { guildSettings, type ScheduleRow, schedules, servers } from '../db/schema.js';
import type { ScheduledEntry } from '../queue/schedule-queue.js';
import { type Actor, isAdmin, reachOf, requireMayActOn, requireMayRead, requireWrite } from './actor.js';
import { recordAudit } from './audit.js';
import { DomainError } from './errors.js';
import { newScheduleId, now } from './ids.js';
import { isTimeZone, whenText } from './schedule-patterns.js';
import { liveServer } from './server-rules.js';
import { guildRulesProblem, guildSleepRules, idleSleepText } from './sleep-policy.js';
import { sleepRulesOf } from './sleep-settings.js';

/** The job schedulers in Redis, as the service needs them; injected so tests can use their own queue. */
export interface ScheduleRegistry {
  register(entry: ScheduledEntry): Promise<void>;
  unregister(scheduleId: string): Promise<void>;
  nextRunOf(scheduleId: string): Promise<number | undefined>;
  sync(entries: readonly ScheduledEntry[]): Promise<void>;
}

/** A server has at most this many schedules (a restart, backups, an off window… fit easily). */
export const MAX_SCHEDULES_PER_SERVER = 10;
const UTC = 'UTC';

export function guildTimeZone(db: Pick<Db, 'select'>, guildId: string): string {
  return db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId)).get()?.timeZone ?? UTC;
}

const entryOf = (row: ScheduleRow, timeZone: string): ScheduledEntry => ({
  id: row.id,
  action: row.action,
  at: row.at,
  everyHours: row.everyHours,
  timeZone,
});

/** `idleSleepDefaultMs`: IDLE_SLEEP_AFTER, what a guild's idle-sleep is until its admins set one. */
export function createScheduleService(db: Db, registry: ScheduleRegistry, idleSleepDefaultMs: number | null) {
  async function view(row: ScheduleRow, timeZone: string): Promise<Schedule> {
    const next = await registry.nextRunOf(row.id).catch(() => undefined);
    return {
      id: row.id,
      serverId: row.serverId,
      action: row.action,
      at: row.at,
      everyHours: row.everyHours,
      timeZone,
      nextRunAt: next === undefined ? null : new Date(next).toISOString(),
      lastRun:
        row.lastRunAt && row.lastOutcome
          ? { at: row.lastRunAt, outcome: row.lastOutcome, jobId: row.lastJobId, note: row.lastNote ?? '' }
          : null,
      createdAt: row.createdAt,
    };
  }

  /** Every schedule of the live servers of these guilds (all guilds when none are named). */
  function liveEntries(guildIds?: readonly string[]): ScheduledEntry[] {
    const rows = db
      .select({ schedule: schedules, guildId: servers.guildId })
      .from(schedules)
      .innerJoin(servers, eq(servers.id, schedules.serverId))
      .where(
        guildIds
          ? and(isNull(servers.deletedAt), inArray(servers.guildId, [...guildIds]))
          : isNull(servers.deletedAt),
      )
      .all();
    return rows.map(({ schedule, guildId }) => entryOf(schedule, guildTimeZone(db, guildId)));
  }

  function settingsOf(guildId: string): GuildSettings {
    const row = db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId)).get();
    const sleep = sleepRulesOf(db, guildId, idleSleepDefaultMs);
    return {
      guildId,
      timeZone: row?.timeZone ?? UTC,
      adminChannelId: row?.adminChannelId ?? null,
      idleSleep: idleSleepText(sleep.afterMs),
      idleSleepSetBy: sleep.setBy,
      idleSleepMax: idleSleepText(sleep.longestMs),
    };
  }

  function requireGuildAdmin(actor: Actor, guildId: string): void {
    if (isAdmin(actor) || actor.adminOfGuild === guildId) return;
    throw new DomainError(
      'forbidden',
      "Only the guild's admins (Manage Server, or the admin role) may see or change its settings.",
    );
  }

  return {
    async list(serverId: string, actor: Actor): Promise<ScheduleList> {
      const server = db.select().from(servers).where(eq(servers.id, serverId)).get();
      if (!server) throw new DomainError('not_found', `There is no server with id ${serverId}.`);
      requireMayRead(actor, server);
      const zone = guildTimeZone(db, server.guildId);
      const rows = db
        .select()
        .from(schedules)
        .where(eq(schedules.serverId, serverId))
        .orderBy(asc(schedules.createdAt))
        .all();
      return { schedules: await Promise.all(rows.map((row) => view(row, zone))) };
    },

    async create(serverId: string, request: CreateScheduleRequest, actor: Actor): Promise<Schedule> {
      requireWrite(actor);
      const server = liveServer(db, serverId);
      requireMayActOn(actor, server);
      const timing = {
        action: request.action,
        at: request.at ?? null,
        everyHours: request.everyHours ?? null,
      };
      const row = db.transaction(
        (tx) => {
          const existing = tx.select().from(schedules).where(eq(schedules.serverId, serverId)).all();
          if (existing.length >= MAX_SCHEDULES_PER_SERVER)
            throw new DomainError(
              'quota_exceeded',
              `The server '${server.name}' already has ${MAX_SCHEDULES_PER_SERVER} schedules; remove one first.`,
            );
          const same = existing.find(
            (s) => s.action === timing.action && s.at === timing.at && s.everyHours === timing.everyHours,
          );
          if (same)
            throw new DomainError(
              'invalid_state',
              `The server '${server.name}' already has a ${timing.action} ${whenText(timing)} (${same.id}).`,
            );
          const inserted: ScheduleRow = {
            id: newScheduleId(),
            serverId,
            ...timing,
            createdBy: actor.userId ?? actor.tokenId,
            createdAt: now(),
            lastRunAt: null,
            lastOutcome: null,
            lastJobId: null,
            lastNote: null,
            failureAnnouncedAt: null,
          };
          tx.insert(schedules).values(inserted).run();
          recordAudit(tx, actor, 'schedule.add', server, { scheduleId: inserted.id, ...timing });
          return inserted;
        },
        { behavior: 'immediate' },
      );
      const zone = guildTimeZone(db, server.guildId);
      await registry.register(entryOf(row, zone));
      return view(row, zone);
    },

    async remove(serverId: string, scheduleId: string, actor: Actor): Promise<Schedule> {
      requireWrite(actor);
      const server = db.select().from(servers).where(eq(servers.id, serverId)).get();
      if (!server) throw new DomainError('not_found', `There is no server with id ${serverId}.`);
      requireMayActOn(actor, server);
      const row = db
        .select()
        .from(schedules)
        .where(and(eq(schedules.id, scheduleId), eq(schedules.serverId, serverId)))
        .get();
      if (!row)
        throw new DomainError('not_found', `The server '${server.name}' has no schedule ${scheduleId}.`);
      const zone = guildTimeZone(db, server.guildId);
      const removed = await view(row, zone);
      await registry.unregister(scheduleId);
      db.transaction((tx) => {
        tx.delete(schedules).where(eq(schedules.id, scheduleId)).run();
        recordAudit(tx, actor, 'schedule.remove', server, { scheduleId });
      });
      return { ...removed, nextRunAt: null };
    },

    /** The guild's admins (and admin or read tokens) read them; members see the time zone on each schedule. */
    guildSettings(guildId: string, actor: Actor): GuildSettings {
      if (!reachOf(actor).all) requireGuildAdmin(actor, guildId);
      return settingsOf(guildId);
    },

    /** A new time zone moves every schedule of the guild's servers to it at once. */
    async updateGuildSettings(
      guildId: string,
      update: UpdateGuildSettingsRequest,
      actor: Actor,
    ): Promise<GuildSettings> {
      requireGuildAdmin(actor, guildId);
      if (update.timeZone !== undefined && !isTimeZone(update.timeZone))
        throw new DomainError(
          'invalid_request',
          `'${update.timeZone}' is not a time zone this server knows; use an IANA name such as Europe/Berlin or America/New_York.`,
        );
      const current = settingsOf(guildId);
      const stored = db.select().from(guildSettings).where(eq(guildSettings.guildId, guildId)).get();
      // `default` forgets the guild's own: IDLE_SLEEP_AFTER, or the guild's idle-sleep for the longest.
      const sleepText = (given: string | undefined, was: string | null | undefined) =>
        given === undefined ? (was ?? null) : given === 'default' ? null : given;
      const next = {
        guildId,
        timeZone: update.timeZone ?? current.timeZone,
        adminChannelId: update.adminChannelId === undefined ? current.adminChannelId : update.adminChannelId,
        idleSleep: sleepText(update.idleSleep, stored?.idleSleep),
        idleSleepMax: sleepText(update.idleSleepMax, stored?.idleSleepMax),
        updatedAt: now(),
      };
      const problem = guildRulesProblem(guildSleepRules(next, idleSleepDefaultMs));
      if (problem) throw new DomainError('invalid_request', problem);
      db.insert(guildSettings)
        .values(next)
        .onConflictDoUpdate({ target: guildSettings.guildId, set: next })
        .run();
      if (next.timeZone !== current.timeZone)
        for (const entry of liveEntries([guildId])) await registry.register(entry);
      return settingsOf(guildId);
    },

    /** The schedulers Redis should hold, rebuilt from the database. */
    syncAll: () => registry.sync(liveEntries()),
    /** How many schedulers the rows call for (a schedule and its warnings), to notice Redis losing them. */
    expectedSchedulerCount: () =>
      liveEntries().reduce((sum, e) => sum + 1 + (e.action === 'restart' && e.at !== null ? 2 : 0), 0),
  };
}

export type ScheduleService = ReturnType<typeof createScheduleService>;
