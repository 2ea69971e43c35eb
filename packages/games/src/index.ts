export { GAMES, getGame } from './games';
export { GAME_IDS, type GameId, isGameId } from './ids';
export {
  isLicenceId,
  LICENCE_IDS,
  LICENCES,
  type Licence,
  type LicenceId,
  unacceptedLicences,
} from './licences';
export { type GamePort, gamePorts, isPortPurpose, PORT_PURPOSES } from './ports';
export { queriedOverRcon, usesServerRconSecret } from './query';
export { generatedPasswordSettings, type PasswordSetting, settingValueSchema } from './settings';
export { parseSizeText, SIZE_KEYS, type SizeKey, type SizeText } from './size-text';
export { RESOURCE_LIMITS, resolveGameSizes, resourcesVariableName, sizeProblem } from './sizes';
export { closestGameIds, unknownGameMessage } from './suggest';
export { type GameSummary, gameSettingSchema, gameSummarySchema, toGameSummary } from './summary';
export type {
  BackupHold,
  BackupSpec,
  ChecksumSource,
  CpuType,
  GameDefinition,
  GameSetting,
  InstallRoute,
  LicenceRequirement,
  PortProtocol,
  PortPurpose,
  PortSpec,
  QueryRoute,
  QuerySpec,
  Resources,
  SleepMethod,
  VendorDownload,
} from './types';
