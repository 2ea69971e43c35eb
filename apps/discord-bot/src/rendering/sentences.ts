// Every failure the user can meet becomes one plain sentence: no stack, no ids, no HTTP status.
import type { ApiErrorCode } from '@guildserver/api-client';
import { SERVER_NAME_RULE } from '@guildserver/contracts';
import { BotError } from '../core/bot-error.js';

export const NAME_RULE_SENTENCE = `That name will not do: use ${SERVER_NAME_RULE}, like \`my-world\`.`;
export const SIZE_FORM_SENTENCE =
  'Write the size as `cores=4,memory=8192,disk=32` (any of the three; memory in MiB, disk in GiB).';

/** The bot's own words per code: where the API's would not fit Discord (below), and as the fallback. */
const BOT_SENTENCES: { [code in ApiErrorCode]?: string } = {
  game_unknown: 'There is no such game; pick one from the list that appears as you type.',
  game_unavailable:
    'That game cannot be hosted here until an admin of GuildServer accepts its licence; ask them about it.',
  name_invalid: NAME_RULE_SENTENCE,
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

/** Words for the API's refusals of one kind of request, where its own sentence would not fit Discord. */
export type Wording = { [code in ApiErrorCode]?: string };

/** Backup requests: a refused quota or a missing backup are not about servers. */
export const BACKUP_WORDING: Wording = {
  quota_exceeded:
    'This guild keeps as many backups as its quota allows; delete old ones (`/server backup delete`) or unpin them so they can be pruned, then try again.',
  not_found:
    'That server or backup does not exist (any more); `/server backup list` shows the backups there are.',
};

/** Schedule requests: the same schedule twice (the API names its id), a missing schedule, too many. */
export const SCHEDULE_WORDING: Wording = {
  invalid_state: 'That server already has this schedule; `/server schedule list` shows its schedules.',
  not_found:
    'That server or schedule does not exist (any more); `/server schedule list` shows its schedules.',
  quota_exceeded:
    'That server has as many schedules as it may; remove one (`/server schedule remove`) first.',
};

/**
 * The API's own sentence is shown for every coded error (it names the quota, the name, the game's minimum…),
 * except where it does not fit Discord: the bot's API token and its scope or rate limit (shared by every gamer,
 * who cannot act on them: unauthorized, forbidden, rate_limited), the internals of GuildServer and of the
 * Proxmox cluster (internal, proxmox_*), failures before any answer (api_*), and any message that names
 * operator details — ids, URLs, API routes, headers, settings like `GAME_PORT_RANGE` — or is not one short line.
 */
const BOT_WORDING_ONLY: ReadonlySet<ApiErrorCode> = new Set([
  'unauthorized',
  'forbidden',
  'rate_limited',
  'internal',
  'proxmox_unreachable',
  'proxmox_auth_failed',
  'proxmox_permission_denied',
  'api_unreachable',
  'api_timeout',
  'bad_response',
]);
const OPERATOR_DETAIL = [
  /\b(?:srv|job|tok|sch|gs)_[A-Za-z0-9_-]+/,
  /\bVM \d+/,
  /https?:\/\//,
  /\/v1\//,
  /\bx-guildserver|\bIdempotency-Key\b|\bAPI token\b/i,
  /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/,
];
const MAX_SHOWN = 300;

/** `name: Too big: expected string to have <=64 characters.` — a request schema's words, not a gamer's. */
const SCHEMA_JARGON = /\b(?:expected|received|Too (?:big|small)|Invalid (?:input|option|type|string))\b/i;
const FIELD_PREFIX = /^([A-Za-z]+)(?:\.[\w.]+)?: /;
const FIELD_SENTENCES: Record<string, string | undefined> = {
  name: NAME_RULE_SENTENCE,
  game: BOT_SENTENCES.game_unknown,
  size: SIZE_FORM_SENTENCE,
};

function fitsDiscord(message: string): boolean {
  return (
    message.length <= MAX_SHOWN &&
    !message.includes('\n') &&
    !OPERATOR_DETAIL.some((pattern) => pattern.test(message))
  );
}

export function sentenceForApiError(code: ApiErrorCode, apiMessage?: string, wording: Wording = {}): string {
  const own = wording[code] ?? BOT_SENTENCES[code] ?? BOT_SENTENCES.internal!;
  if (!apiMessage || BOT_WORDING_ONLY.has(code)) return own;
  if (code === 'invalid_request' && SCHEMA_JARGON.test(apiMessage)) {
    const field = FIELD_PREFIX.exec(apiMessage)?.[1];
    return (field && FIELD_SENTENCES[field]) || own;
  }
  return fitsDiscord(apiMessage) ? apiMessage : own;
}

/** The sentence for anything a handler threw; `wording`: the bot's words for this kind of request. */
export function sentenceFor(error: unknown, wording?: Wording): string {
  if (error instanceof BotError) return error.message;
  if (error instanceof Error && error.name === 'ApiError') {
    const apiError = error as Error & { code: ApiErrorCode };
    return sentenceForApiError(apiError.code, apiError.message, wording);
  }
  return BOT_SENTENCES.internal!;
}
