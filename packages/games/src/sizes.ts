import { ConfigError, type Env } from '@guildserver/config';
import { getGame } from './games';
import { GAME_IDS, type GameId } from './ids';
import { SIZE_KEYS as KEYS, parseSizeText, type SizeKey } from './size-text';
import type { Resources } from './types';

const PREFIX = 'PROXMOX_RESOURCES_';

/** The largest VM anyone may ask for; the same bounds as `vmSizeSchema` of @guildserver/contracts. */
export const RESOURCE_LIMITS: Resources = { cores: 128, memory: 4 * 1024 * 1024, disk: 65_536 };

/** `minecraft-java` → `PROXMOX_RESOURCES_MINECRAFT_JAVA`. */
export function resourcesVariableName(id: GameId): string {
  return `${PREFIX}${id.toUpperCase().replaceAll('-', '_')}`;
}

const BY_VARIABLE: ReadonlyMap<string, GameId> = new Map(
  GAME_IDS.map((id) => [resourcesVariableName(id), id]),
);

/**
 * Each game's VM size: its catalog default, with `PROXMOX_RESOURCES_<GAME>` laid over it. Throws a
 * ConfigError naming the variable for a malformed value, a value below the game's minimum or above the
 * cluster-wide limits, or a `PROXMOX_RESOURCES_` variable that names no game.
 */
export function resolveGameSizes(env: Env): Map<GameId, Resources> {
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(PREFIX) && !BY_VARIABLE.has(name) && value?.trim()) throw unknownGame(name);
  }
  const sizes = new Map<GameId, Resources>();
  for (const id of GAME_IDS) {
    const name = resourcesVariableName(id);
    const game = getGame(id);
    sizes.set(id, overrideOf(name, env[name]?.trim() ?? '', game.resources.default, game.resources.minimum));
  }
  return sizes;
}

function overrideOf(name: string, raw: string, base: Resources, minimum: Resources): Resources {
  if (raw === '') return { ...base };
  const parsed = parseSizeText(raw);
  const given = 'size' in parsed ? parsed.size : undefined;
  if (given === undefined || KEYS.some((key) => (given[key] ?? minimum[key]) < minimum[key])) {
    throw new ConfigError(
      `${name} must be ${FORM}, each at least the game's minimum (${describe(minimum)}); got ${quoted(raw)}.`,
      [name],
    );
  }
  if (KEYS.some((key) => (given[key] ?? 0) > RESOURCE_LIMITS[key])) {
    throw new ConfigError(
      `${name} must be ${FORM}, each at most ${describe(RESOURCE_LIMITS)}; got ${quoted(raw)}.`,
      [name],
    );
  }
  return { ...base, ...given };
}

const FORM = 'cores=<n>,memory=<MiB>,disk=<GiB> (any of the three)';

const UNITS: Record<SizeKey, string> = { cores: '', memory: ' MiB', disk: ' GiB' };

/**
 * Why a size asked for a game will not do, as one sentence naming the dimension, its unit and the range
 * (the game's minimum to the cluster-wide limit); undefined when it will do.
 */
export function sizeProblem(gameName: string, minimum: Resources, size: Resources): string | undefined {
  for (const key of KEYS) {
    const value = size[key];
    if (Number.isInteger(value) && value >= minimum[key] && value <= RESOURCE_LIMITS[key]) continue;
    const unit = UNITS[key];
    return `${key} must be a whole number from ${minimum[key]}${unit} (${gameName}'s minimum) to ${RESOURCE_LIMITS[key]}${unit}; got ${value}.`;
  }
  return undefined;
}

function describe(size: Resources): string {
  return KEYS.map((key) => `${key} ${size[key]}`).join(', ');
}

function quoted(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw);
}

function unknownGame(name: string): ConfigError {
  return new ConfigError(
    `${name} names no known game; use ${PREFIX}<GAME> with <GAME> a game id upper-cased, - as _ (known ids: ${GAME_IDS.join(', ')}).`,
    [name],
  );
}
