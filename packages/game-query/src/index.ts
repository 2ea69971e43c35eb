export { formatDuration, GameQueryError, type GameQueryFailure } from './errors.js';
export { toGameAnswer } from './gamedig-query.js';
export { assignedPeerId, disconnectPacket, LUANTI_PROTOCOL_ID } from './luanti-hello.js';
export { DEFAULT_QUERY_TIMEOUT_MS, defaultMaxPlayers, queryGame } from './query-game.js';
export {
  AnnounceError,
  type LuantiAnnounce,
  type LuantiAnnounceAction,
  normalizeAddress,
  parseLuantiAnnounce,
  type ReceivedAnnounce,
  readLuantiAnnounce,
  type ServerListReceiver,
  type ServerListReceiverOptions,
  startServerListReceiver,
} from './serverlist.js';
export { onlineFromAnswer, runRconCommands } from './source-rcon.js';
export type { QueryTarget } from './target.js';
export type { GameAnswer, PlayerCount, QueryOptions } from './types.js';
