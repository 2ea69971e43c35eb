import { z } from 'zod';
import { snowflakeSchema } from './servers.js';

/** Why a backup was made; the last word of its notes. */
export const BACKUP_REASONS = ['manual', 'scheduled', 'before-delete', 'before-restore'] as const;
export const backupReasonSchema = z.enum(BACKUP_REASONS);
export type BackupReason = z.infer<typeof backupReasonSchema>;

/** A backup's id in the API: its archive's file name on the backup storage (`vzdump-qemu-…vma.zst`). */
export const backupIdSchema = z
  .string()
  .regex(
    /^vzdump-qemu-\d+-[0-9_-]+\.[a-z0-9.]+$/,
    'must be a backup file name such as vzdump-qemu-10001-2026_12_06-03_00_00.vma.zst',
  );

/**
 * One backup of a server, as Proxmox lists it on PROXMOX_BACKUP_STORAGE. `madeBy` is `guildserver` when its
 * notes name the server (`guildserver gs-<server id> <name> <reason>`), `outside` for a backup of the server's
 * VM someone made elsewhere (Proxmox's own UI, a cluster backup job): listed, restorable, never pruned.
 */
export const backupSchema = z.object({
  id: backupIdSchema,
  /** The full Proxmox volume id, e.g. `backup:backup/vzdump-qemu-10001-2026_12_06-03_00_00.vma.zst`. */
  volid: z.string(),
  serverId: z.string(),
  madeBy: z.enum(['guildserver', 'outside']),
  reason: backupReasonSchema.nullable(),
  /** Bytes of the archive. */
  size: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** Pinned: never pruned, and Proxmox refuses to delete it. */
  protected: z.boolean(),
  notes: z.string(),
});
export type Backup = z.infer<typeof backupSchema>;

export const backupListSchema = z.object({
  backups: z.array(backupSchema),
  /** The guild's use of backup space against its quota (GuildServer's backups of all its servers). */
  guild: z.object({
    count: z.number().int(),
    bytes: z.number().int(),
    maxCount: z.number().int(),
    maxBytes: z.number().int(),
  }),
  /** What the next backup job keeps of GuildServer's own backups (PVE's prune-backups semantics). */
  retention: z.string(),
});
export type BackupList = z.infer<typeof backupListSchema>;

export const createBackupRequestSchema = z.strictObject({
  /** Pin the new backup at once. */
  protected: z.boolean().optional(),
});
export type CreateBackupRequest = z.infer<typeof createBackupRequestSchema>;

export const updateBackupRequestSchema = z.strictObject({ protected: z.boolean() });
export type UpdateBackupRequest = z.infer<typeof updateBackupRequestSchema>;

export const restoreRequestSchema = z.strictObject({ backupId: backupIdSchema });

/** Undo a delete: from the server's newest final backup, or the one named. */
export const undeleteRequestSchema = z.strictObject({ backupId: backupIdSchema.optional() });
export type UndeleteRequest = z.infer<typeof undeleteRequestSchema>;
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;

/**
 * A copy: a new server of the same game and size, in the same guild, made from one of this server's backups.
 * Its owner is the user asking (a token acting for nobody: the source's owner); its channel the one given, else
 * the source's.
 */
export const copyRequestSchema = z.strictObject({
  backupId: backupIdSchema,
  name: z.string(),
  channelId: snowflakeSchema.optional(),
});
export type CopyRequest = z.infer<typeof copyRequestSchema>;
