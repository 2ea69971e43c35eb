import { vmSizeSchema } from '@guildserver/contracts';
import { z } from 'zod';
import { PORT_PURPOSES } from './ports';
import type { GameDefinition, Resources } from './types';

// The public description of a game, as `GET /v1/games` serves it. Port numbers are not part of it: each server
// gets its own, allocated by the API.

// Sizes have the shape and limits of a VM size everywhere else in GuildServer.
const resourcesSchema = vmSizeSchema;

const settingBase = {
  key: z.string().regex(/^[a-z][A-Za-z0-9]*$/),
  label: z.string().min(1).max(45),
  description: z.string().min(1).optional(),
};

export const gameSettingSchema = z.discriminatedUnion('type', [
  z.object({
    ...settingBase,
    type: z.literal('string'),
    default: z.string(),
    minLength: z.number().int().min(0),
    maxLength: z.number().int().min(1),
    pattern: z.string().optional(),
  }),
  z.object({
    ...settingBase,
    type: z.literal('password'),
    required: z.boolean(),
    minLength: z.number().int().min(0),
    maxLength: z.number().int().min(1),
  }),
  z.object({
    ...settingBase,
    type: z.literal('integer'),
    default: z.number().int(),
    min: z.number().int(),
    max: z.number().int(),
  }),
  z.object({ ...settingBase, type: z.literal('boolean'), default: z.boolean() }),
  z.object({
    ...settingBase,
    type: z.literal('enum'),
    default: z.string(),
    options: z.array(z.string().min(1)).min(1),
  }),
]);

export const gameSummarySchema = z
  .object({
    /** Not an enum: a client built before a game was added must still read the list. */
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    name: z.string().min(1),
    ports: z
      .array(
        z.object({
          purpose: z.enum(PORT_PURPOSES),
          protocol: z.enum(['tcp', 'udp', 'both']),
          /** Present when the entry is a run of adjacent ports. */
          count: z.number().int().min(2).optional(),
        }),
      )
      .min(1),
    defaultSize: resourcesSchema,
    minimumSize: resourcesSchema,
    settings: z.array(gameSettingSchema),
  })
  .refine(
    (game) =>
      (['cores', 'memory', 'disk'] as const).every((key) => game.defaultSize[key] >= game.minimumSize[key]),
    { message: 'defaultSize must be at least minimumSize', path: ['defaultSize'] },
  );

export type GameSummary = z.infer<typeof gameSummarySchema>;

/** A game as the API serves it; `size` is its default after `PROXMOX_RESOURCES_<GAME>` (see resolveGameSizes). */
export function toGameSummary(game: GameDefinition, size: Resources): GameSummary {
  return {
    id: game.id,
    name: game.name,
    ports: game.ports.map((p) =>
      p.count > 1
        ? { purpose: p.purpose, protocol: p.protocol, count: p.count }
        : { purpose: p.purpose, protocol: p.protocol },
    ),
    defaultSize: { ...size },
    minimumSize: { ...game.resources.minimum },
    settings: game.settings.map((setting) =>
      setting.type === 'enum' ? { ...setting, options: [...setting.options] } : { ...setting },
    ),
  };
}
