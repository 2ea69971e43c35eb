// Every failure the user can meet becomes one plain sentence: no stack, no ids, no HTTP status.
import type { ApiErrorCode } from '../api/client.js';

/** Failures the bot finds itself, before or instead of asking the API. */
export type BotErrorCode =
  | 'server_not_found'
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

const API_SENTENCES: Record<ApiErrorCode, string> = {
  game_unknown: 'There is no such game; pick one from the list that appears as you type.',
  game_unavailable:
    'That game cannot be hosted here until an admin of GuildServer accepts its licence; ask them about it.',
  name_invalid:
    'That name will not do: use 3 to 32 lowercase letters, digits or inner hyphens, like `my-world`.',
  name_taken: 'A server with that name already exists in this guild; pick another name.',
  quota_exceeded:
    'The server quota is reached (yours or this guild’s); delete a server before creating another.',
  not_owner: 'That server belongs to someone else; only its owner or a server admin can do that.',
  not_found: 'That server does not exist (any more); `/server list` shows the ones there are.',
  invalid_state: 'The server cannot do that in its current state; `/server status` shows what it is doing.',
  invalid_request: 'GuildServer did not accept that request; check the options and try again.',
  ports_exhausted: 'There are no free game ports left; an admin has to free some before new servers fit.',
  unauthorized: 'The bot is not allowed to use GuildServer right now; an admin should check its API token.',
  forbidden: 'The bot is not allowed to do that; an admin should check its API token’s scope.',
  rate_limited: 'Too many requests at once; try again in a minute.',
  proxmox_unreachable: 'The game server cluster cannot be reached right now; try again in a few minutes.',
  proxmox_auth_failed:
    'The game server cluster refused GuildServer’s credentials; an admin needs to look at it.',
  proxmox_permission_denied:
    'The game server cluster refused GuildServer’s request; an admin needs to look at it.',
  internal: 'Something went wrong inside GuildServer; try again, and tell an admin if it keeps happening.',
  api_unreachable: 'GuildServer is not answering right now; try again in a minute.',
  api_timeout: 'GuildServer took too long to answer; try again in a minute.',
  bad_response: 'GuildServer answered something the bot did not understand; tell an admin.',
};

/** Codes whose API message is already a sentence for a person, worth showing when it leaks nothing. */
const SPECIFIC: ReadonlySet<ApiErrorCode> = new Set(['invalid_state', 'invalid_request']);
const INTERNAL_ID = /\b(?:srv|job|tok|gs)_[A-Za-z0-9_-]+|\bVM \d+|https?:\/\/|x-guildserver/;

export function sentenceForApiError(code: ApiErrorCode, apiMessage?: string): string {
  if (
    apiMessage &&
    SPECIFIC.has(code) &&
    apiMessage.length <= 300 &&
    !INTERNAL_ID.test(apiMessage) &&
    !apiMessage.includes('\n')
  ) {
    return apiMessage;
  }
  return API_SENTENCES[code] ?? API_SENTENCES.internal;
}

/** The sentence for anything a handler threw. */
export function sentenceFor(error: unknown): string {
  if (error instanceof BotError) return error.message;
  if (error instanceof Error && error.name === 'ApiError') {
    const apiError = error as Error & { code: ApiErrorCode };
    return sentenceForApiError(apiError.code, apiError.message);
  }
  return API_SENTENCES.internal;
}
