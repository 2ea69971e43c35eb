/** Every game GuildServer can host, in the order the catalog lists them. */
export const GAME_IDS = [
  'minecraft-java',
  'minecraft-bedrock',
  'terraria',
  'factorio',
  'project-zomboid',
  'satisfactory',
  'ark',
  'valheim',
  'luanti',
  'openttd',
  'openarena',
] as const;

export type GameId = (typeof GAME_IDS)[number];

const KNOWN: ReadonlySet<string> = new Set(GAME_IDS);

export function isGameId(value: unknown): value is GameId {
  return typeof value === 'string' && KNOWN.has(value);
}
