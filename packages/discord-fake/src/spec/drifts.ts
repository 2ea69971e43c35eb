// Known places where Discord's OpenAPI preview disagrees with what Discord (and discord.js) really accept.
// Each drift rewrites a copy of the body before schema validation; the body the fake acts on is unchanged.
//
// Found by validating every body discord.js 14.28 builds (commands with every option kind, context menus,
// embeds with every field, link/emoji/disabled buttons, selects, legacy and label modals, follow-ups, edits,
// channel messages with replies and allowed_mentions, DM channels): only default_member_permissions needed a
// coercion. Where the spec is looser than Discord, the fake's own rules apply instead (see README):
// - MessageCreateRequest.content allows 4000 characters (the Nitro limit for users); bots get 2000.
// - Option/command names are only length-checked (1–32); Discord's name pattern and lower-case rule are ours.
// - Top-level components allow 40 (the Components V2 limit); classic messages' 5 action rows are ours, as are
//   unique custom_ids and one select per row.
import { isRecord } from '../rules/limits.js';

export interface Drift {
  name: string;
  /** Applies to these operations (spec path template + lower-case method). */
  appliesTo(template: string, method: string): boolean;
  /** Rewrites `body` in place; returns how many values it changed. */
  coerce(body: unknown): number;
}

const COMMAND_ROUTES = new Set([
  '/applications/{application_id}/commands',
  '/applications/{application_id}/guilds/{guild_id}/commands',
  '/applications/{application_id}/commands/{command_id}',
  '/applications/{application_id}/guilds/{guild_id}/commands/{command_id}',
]);

const eachCommand = (body: unknown, fn: (command: Record<string, unknown>) => number): number => {
  const list = Array.isArray(body) ? body : [body];
  return list.reduce<number>((n, c) => n + (isRecord(c) ? fn(c) : 0), 0);
};

export const DRIFTS: readonly Drift[] = [
  {
    // The docs type it as a string bit set ("32"), discord.js sends a string; the spec says integer.
    name: 'default_member_permissions is a string of digits',
    appliesTo: (template, method) => COMMAND_ROUTES.has(template) && method !== 'get',
    coerce: (body) =>
      eachCommand(body, (command) => {
        const value = command.default_member_permissions;
        if (typeof value !== 'string' || !/^\d+$/.test(value)) return 0;
        command.default_member_permissions = Number(value);
        return 1;
      }),
  },
];

export function coerceDrifts(template: string, method: string, body: unknown): string[] {
  const applied: string[] = [];
  for (const drift of DRIFTS)
    if (drift.appliesTo(template, method) && drift.coerce(body) > 0) applied.push(drift.name);
  return applied;
}
