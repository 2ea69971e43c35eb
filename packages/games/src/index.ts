export { GAMES, getGame } from './games';
export { GAME_IDS, type GameId, isGameId } from './ids';
export { settingValueSchema } from './settings';
export { RESOURCE_LIMITS, resolveGameSizes, resourcesVariableName } from './sizes';
export { type GameSummary, gameSettingSchema, gameSummarySchema, toGameSummary } from './summary';
export type {
  ChecksumSource,
  CpuType,
  GameDefinition,
  GameSetting,
  InstallRoute,
  PortProtocol,
  PortPurpose,
  PortSpec,
  QueryRoute,
  QuerySpec,
  Resources,
  VendorDownload,
} from './types';
