// Application command registration: bulk overwrite (ids kept for commands that survive), listing, upsert.
import { type APIApplicationCommand, ApplicationCommandType } from 'discord-api-types/v10';
import { DiscordErrors } from '../../errors.js';
import { checkCommand, checkCommandList } from '../../rules/command-rules.js';
import { isRecord } from '../../rules/limits.js';
import type { FakeContext, Route, RouteRequest } from '../types.js';

function scope(req: RouteRequest, ctx: FakeContext): string {
  if (req.params.application_id !== ctx.applicationId) throw DiscordErrors.notAuthorizedForApplication();
  const guildId = req.params.guild_id;
  if (guildId === undefined) return 'global';
  if (!ctx.world.guilds.has(guildId)) throw DiscordErrors.missingAccess();
  return guildId;
}

function stored(
  ctx: FakeContext,
  where: string,
  body: Record<string, unknown>,
  previous?: APIApplicationCommand,
) {
  const type = typeof body.type === 'number' ? body.type : ApplicationCommandType.ChatInput;
  const permissions = body.default_member_permissions;
  const command: Record<string, unknown> = {
    id: previous?.id ?? ctx.world.ids.next(),
    application_id: ctx.applicationId,
    version: ctx.world.ids.next(),
    default_member_permissions:
      permissions === undefined || permissions === null ? null : String(permissions),
    type,
    name: body.name,
    name_localizations: body.name_localizations ?? null,
    description: type === ApplicationCommandType.ChatInput ? body.description : '',
    description_localizations: body.description_localizations ?? null,
    dm_permission: body.dm_permission ?? true,
    contexts: body.contexts ?? null,
    integration_types: body.integration_types ?? [0],
    nsfw: body.nsfw ?? false,
    ...(Array.isArray(body.options) && body.options.length > 0
      ? { options: structuredClone(body.options) }
      : {}),
    ...(where === 'global' ? {} : { guild_id: where }),
  };
  return command as unknown as APIApplicationCommand;
}

const sameCommand = (a: APIApplicationCommand, b: Record<string, unknown>) =>
  a.name === b.name && a.type === ((b.type as number | undefined) ?? ApplicationCommandType.ChatInput);

const list = (ctx: FakeContext, where: string) => ctx.world.commands.get(where) ?? [];

function routesFor(template: string): Route[] {
  return [
    {
      method: 'PUT',
      template,
      auth: 'bot',
      precheck: scope,
      rules: (req, _ctx, errors) => checkCommandList(req.body, errors),
      handle(req, ctx) {
        const where = scope(req, ctx);
        const before = list(ctx, where);
        const bodies = (Array.isArray(req.body) ? req.body : []).filter(isRecord);
        const after = bodies.map((b) =>
          stored(
            ctx,
            where,
            b,
            before.find((c) => sameCommand(c, b)),
          ),
        );
        ctx.world.commands.set(where, after);
        ctx.world.changed();
        return { status: 200, body: structuredClone(after) };
      },
    },
    {
      method: 'GET',
      template,
      auth: 'bot',
      handle: (req, ctx) => ({ status: 200, body: structuredClone(list(ctx, scope(req, ctx))) }),
    },
    {
      method: 'POST',
      template,
      auth: 'bot',
      precheck: scope,
      rules: (req, _ctx, errors) => (isRecord(req.body) ? checkCommand(req.body, errors, []) : undefined),
      handle(req, ctx) {
        const where = scope(req, ctx);
        const body = isRecord(req.body) ? req.body : {};
        const before = list(ctx, where);
        const previous = before.find((c) => sameCommand(c, body));
        const command = stored(ctx, where, body, previous);
        ctx.world.commands.set(where, [...before.filter((c) => c !== previous), command]);
        ctx.world.changed();
        return { status: previous ? 200 : 201, body: structuredClone(command) };
      },
    },
  ];
}

export const commandRoutes: Route[] = [
  ...routesFor('/applications/{application_id}/commands'),
  ...routesFor('/applications/{application_id}/guilds/{guild_id}/commands'),
];
