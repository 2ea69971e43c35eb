// The bot's durable memory, one small JSON file (BOT_STATE_PATH): the event-stream cursor and the
// interactions whose jobs it still reports on. Why a file and not SQLite: one writer, a few hundred bytes,
// no query — a file replaced atomically (write a temp file, fsync, rename) is crash-safe and needs no native
// module. It is written after every handled event, so a restart resumes exactly after the last one.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { JOB_KINDS } from '@guildserver/contracts';
import { z } from 'zod';

/** Discord keeps an interaction token usable for 15 minutes after the interaction. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

const trackedSchema = z.object({
  jobId: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  kind: z.enum(JOB_KINDS),
  applicationId: z.string(),
  token: z.string(),
  /** When the bot received the interaction (ms since the epoch): the token lives 15 minutes from then. */
  receivedAt: z.number(),
  userId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  /** `command`: the message is the job's progress; `status`: a status message, kept with its buttons. */
  origin: z.enum(['command', 'status']).default('command'),
  /** Discord refused the token (expired): later notices go to the channel. */
  expired: z.boolean().default(false),
});
export type TrackedInteraction = z.infer<typeof trackedSchema>;

/** A server the event stream said was deleted: what /server backup undelete offers (while its final backup lasts). */
const deletedSchema = z.object({
  serverId: z.string(),
  serverName: z.string(),
  guildId: z.string(),
  ownerId: z.string().nullable(),
  /** When the delete's event was written (ms since the epoch). */
  deletedAt: z.number(),
});
export type DeletedServer = z.infer<typeof deletedSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  /** Id of the last event handled; null before the first start has read the stream's head. */
  cursor: z.number().int().nullable(),
  tracked: z.record(z.string(), trackedSchema),
  /** Deleted servers by id, since the bot followed the stream (a file from before this field has none). */
  deleted: z.record(z.string(), deletedSchema).default({}),
});
type StateFile = z.infer<typeof stateSchema>;

/** Entries are dropped this long after their interaction, whatever happened (a job stuck for a day). */
const FORGET_AFTER_MS = 24 * 60 * 60_000;
/** Deleted servers are forgotten after this long (their final backups are kept fewer days unless configured). */
const FORGET_DELETED_AFTER_MS = 90 * 24 * 60 * 60_000;

export class BotState {
  private state: StateFile;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    readonly path: string,
    state: StateFile,
  ) {
    this.state = state;
  }

  /** Reads the file (a missing file is a first start); a corrupt one is refused rather than silently reset. */
  static load(path: string): BotState {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(dirname(path), { recursive: true });
        return new BotState(path, { version: 1, cursor: null, tracked: {}, deleted: {} });
      }
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(
        `The bot state file ${path} is not JSON; fix or remove it (removing it skips old events).`,
      );
    }
    const result = stateSchema.safeParse(parsed);
    if (!result.success) {
      throw new Error(`The bot state file ${path} is not a state this bot wrote; fix or remove it.`);
    }
    return new BotState(path, result.data);
  }

  get cursor(): number | null {
    return this.state.cursor;
  }

  setCursor(id: number): void {
    if (this.state.cursor !== null && id <= this.state.cursor) return;
    this.state.cursor = id;
    this.dirty = true;
  }

  tracked(jobId: string): TrackedInteraction | undefined {
    return this.state.tracked[jobId];
  }

  trackedJobs(): TrackedInteraction[] {
    return Object.values(this.state.tracked);
  }

  track(entry: Omit<TrackedInteraction, 'expired'>): void {
    this.state.tracked[entry.jobId] = { ...entry, expired: false };
    this.dirty = true;
  }

  markExpired(jobId: string): void {
    const entry = this.state.tracked[jobId];
    if (!entry || entry.expired) return;
    entry.expired = true;
    this.dirty = true;
  }

  untrack(jobId: string): void {
    if (!(jobId in this.state.tracked)) return;
    delete this.state.tracked[jobId];
    this.dirty = true;
  }

  /** Remembers a deleted server (the event stream's `server.deleted`). */
  rememberDeleted(entry: DeletedServer): void {
    this.state.deleted[entry.serverId] = entry;
    this.dirty = true;
  }

  /** Forgets a deleted server (it was brought back). */
  forgetDeleted(serverId: string): void {
    if (!(serverId in this.state.deleted)) return;
    delete this.state.deleted[serverId];
    this.dirty = true;
  }

  /** The guild's deleted servers the bot knows of, newest first. */
  deletedServers(guildId: string): DeletedServer[] {
    return Object.values(this.state.deleted)
      .filter((d) => d.guildId === guildId)
      .sort((a, b) => b.deletedAt - a.deletedAt);
  }

  /** Forgets tracked entries a day old, and deleted servers 90 days old. */
  prune(now: number): void {
    for (const [jobId, entry] of Object.entries(this.state.tracked)) {
      if (now - entry.receivedAt > FORGET_AFTER_MS) this.untrack(jobId);
    }
    for (const [serverId, entry] of Object.entries(this.state.deleted)) {
      if (now - entry.deletedAt > FORGET_DELETED_AFTER_MS) this.forgetDeleted(serverId);
    }
  }

  /** Writes the state if it changed: temp file, fsync, rename (atomic on POSIX); writes never overlap. */
  flush(): Promise<void> {
    // A failed write does not block the next one (which writes everything again).
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        try {
          await this.write();
        } catch (error) {
          this.dirty = true;
          throw error;
        }
      });
    return this.writing;
  }

  private async write(): Promise<void> {
    const text = `${JSON.stringify(this.state)}\n`;
    const temp = `${this.path}.${process.pid}.tmp`;
    const file = await open(temp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, this.path);
  }
}
