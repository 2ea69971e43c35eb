export {
  type AsleepHolder,
  type AsleepHolderOptions,
  type AsleepSync,
  createAsleepHolder,
  type JoinAttempt,
} from './asleep/holder.js';
export { ConfigError, type EdgeConfig, loadEdgeConfig } from './config.js';
export { type ClosedPort, closedPorts, type ForgetOutcome, forgetFlows } from './conntrack.js';
export { ownersOf, type PortTotal, PortTotals } from './counters.js';
export {
  createEdgeDaemon,
  type EdgeApi,
  type EdgeDaemon,
  type EdgeDaemonOptions,
  EdgeFatalError,
  type EdgeLog,
  type EdgeSystem,
  type EdgeView,
} from './daemon.js';
export { hostExternalProblem, resolveHost } from './host-external.js';
export { localListeners, parseProcNet } from './listeners.js';
export { createEdgeMetrics, type EdgeMetrics, serveMetrics } from './metrics.js';
export {
  applyRuleset,
  listTable,
  NftError,
  type NftTarget,
  type PortCount,
  parseCounters,
  readCounters,
  removeTable,
} from './nft.js';
export { RULE_FORMATS, type RuleFormat, rulesText } from './rules-text.js';
export {
  buildRuleset,
  COUNTED_SETS,
  commentOf,
  definitionOf,
  EDGE_TABLE,
  portKey,
  type RefusedEntry,
  type Ruleset,
  type RulesetOptions,
} from './ruleset.js';
export { createEdgeLogger, hostAsleep, hostSystem, runEdge } from './run.js';
export { decideSnat, lookupRoutes, parseDefaultDevs, parseRouteBatch, type RouteView } from './snat.js';
