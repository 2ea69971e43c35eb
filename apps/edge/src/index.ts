export { applyRuleset, listTable, NftError, type NftTarget, removeTable } from './nft.js';
export { buildRuleset, EDGE_TABLE, type RefusedEntry, type Ruleset, type RulesetOptions } from './ruleset.js';
