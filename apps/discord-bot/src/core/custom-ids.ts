// Every button and modal the bot makes carries what it acts on in its custom_id (≤ 100 characters), so a click
// works later too — even after a restart — and is checked again when it comes back: `gs:<kind>:<...>`.

import { backupIdSchema, SERVER_ID_PATTERN } from '@guildserver/contracts';

export const SERVER_BUTTON_ACTIONS = ['start', 'stop', 'restart', 'wake', 'refresh'] as const;
export type ServerButtonAction = (typeof SERVER_BUTTON_ACTIONS)[number];
export const DELETE_STEPS = ['confirm', 'type', 'force', 'cancel'] as const;
export type DeleteStep = (typeof DELETE_STEPS)[number];
export const RESTORE_STEPS = ['confirm', 'cancel'] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];
export const LIST_SCOPES = ['mine', 'all'] as const;
export type ListScope = (typeof LIST_SCOPES)[number];

export type CustomId =
  /** A status message's Start/Stop/Restart/Refresh. */
  | { kind: 'server'; action: ServerButtonAction; serverId: string }
  /** The delete confirmation's buttons. */
  | { kind: 'delete'; step: DeleteStep; serverId: string }
  /** The modal where the server's name is typed to confirm a delete. */
  | { kind: 'delete-modal'; serverId: string }
  /** A page of /server list. */
  | { kind: 'list'; scope: ListScope; page: number }
  /** The restore confirmation's buttons; the backup id is its archive's file name (about 50 characters). */
  | { kind: 'restore'; step: RestoreStep; serverId: string; backupId: string };

/** The modal's one text input. */
export const DELETE_MODAL_NAME_FIELD = 'name';

const includes = <T extends string>(list: readonly T[], value: string | undefined): value is T =>
  value !== undefined && (list as readonly string[]).includes(value);

export function encodeCustomId(id: CustomId): string {
  switch (id.kind) {
    case 'server':
      return `gs:srv:${id.action}:${id.serverId}`;
    case 'delete':
      return `gs:del:${id.step}:${id.serverId}`;
    case 'delete-modal':
      return `gs:delm:${id.serverId}`;
    case 'list':
      return `gs:list:${id.scope}:${id.page}`;
    case 'restore':
      return `gs:rst:${id.step}:${id.serverId}:${id.backupId}`;
  }
}

const isBackupId = (text: string | undefined): text is string =>
  text !== undefined && backupIdSchema.safeParse(text).success;

/** The custom_id's meaning, or undefined for anything this bot did not make (or an older, unknown form). */
export function decodeCustomId(text: string): CustomId | undefined {
  if (text.length > 100) return undefined;
  const [prefix, kind, a, b, c, ...rest] = text.split(':');
  if (prefix !== 'gs' || rest.length > 0) return undefined;
  // Only a restore's custom_id has a fifth part (its backup).
  if (c !== undefined && kind !== 'rst') return undefined;
  switch (kind) {
    case 'srv':
      if (includes(SERVER_BUTTON_ACTIONS, a) && b !== undefined && SERVER_ID_PATTERN.test(b)) {
        return { kind: 'server', action: a, serverId: b };
      }
      return undefined;
    case 'del':
      if (includes(DELETE_STEPS, a) && b !== undefined && SERVER_ID_PATTERN.test(b)) {
        return { kind: 'delete', step: a, serverId: b };
      }
      return undefined;
    case 'delm':
      if (a !== undefined && SERVER_ID_PATTERN.test(a) && b === undefined)
        return { kind: 'delete-modal', serverId: a };
      return undefined;
    case 'list':
      if (includes(LIST_SCOPES, a) && b !== undefined && /^\d{1,4}$/.test(b)) {
        return { kind: 'list', scope: a, page: Number(b) };
      }
      return undefined;
    case 'rst':
      if (includes(RESTORE_STEPS, a) && b !== undefined && SERVER_ID_PATTERN.test(b) && isBackupId(c))
        return { kind: 'restore', step: a, serverId: b, backupId: c };
      return undefined;
    default:
      return undefined;
  }
}
