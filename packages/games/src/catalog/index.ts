import type { GameId } from '../ids';
import type { GameDefinition } from '../types';
import { ark } from './ark';
import { factorio } from './factorio';
import { luanti } from './luanti';
import { minecraftBedrock } from './minecraft-bedrock';
import { minecraftJava } from './minecraft-java';
import { openarena } from './openarena';
import { openttd } from './openttd';
import { projectZomboid } from './project-zomboid';
import { satisfactory } from './satisfactory';
import { terraria } from './terraria';
import { valheim } from './valheim';

/** One entry per id: a game added to GAME_IDS without a definition does not compile. */
export const CATALOG: { readonly [K in GameId]: GameDefinition & { id: K } } = {
  'minecraft-java': minecraftJava,
  'minecraft-bedrock': minecraftBedrock,
  terraria: terraria,
  factorio: factorio,
  'project-zomboid': projectZomboid,
  satisfactory: satisfactory,
  ark: ark,
  valheim: valheim,
  luanti: luanti,
  openttd: openttd,
  openarena: openarena,
};
