// A failure the bot finds itself, before or instead of asking the API; its message is what the user reads.

export type BotErrorCode =
  | 'server_not_found'
  | 'backup_not_found'
  | 'schedule_not_found'
  | 'schedule_invalid'
  | 'players_online'
  | 'admin_only'
  | 'size_invalid'
  | 'name_mismatch'
  | 'not_in_guild'
  | 'unknown_component';

export class BotError extends Error {
  constructor(
    readonly code: BotErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BotError';
  }
}
