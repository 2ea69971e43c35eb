export type { FakeClock } from './clock.js';
export { createClock } from './clock.js';
export {
  CONTROL_PREFIX,
  type ControlMessage,
  type ControlResult,
  type FakeControlOptions,
  type ParsedSlashCommand,
  parseSlashCommand,
  SlashCommandSyntaxError,
} from './control/index.js';
export { DiscordApiError, type DiscordErrorBody, type FormErrorTree } from './errors.js';
export { type FakeDiscord, type FakeDiscordOptions, fakeBotToken, startFakeDiscord } from './fake.js';
export type { GatewayStats } from './gateway/server.js';
export type { HoldRule, ResponseHold } from './holds.js';
export { ClientRefusal } from './interactions/client-checks.js';
export type {
  AutocompleteHandle,
  ClickButtonInput,
  CommandOptionInput,
  InteractionHandle,
  InvokeCommandInput,
  SelectMenuInput,
  SubmitModalInput,
} from './interactions/invoke.js';
export { ANSWER_DEADLINE_MS, type InteractionCallback, TOKEN_LIFETIME_MS } from './interactions/store.js';
export { NONCE_WINDOW_MS } from './nonces.js';
export { type PermissionInput, parsePermissions } from './permissions.js';
export type { RateLimitRule } from './rate-limits.js';
export { discordViolationsInProcess } from './rest/server.js';
export type { DiscordViolation, RequestLogEntry } from './rest/types.js';
export { LIMITS } from './rules/limits.js';
export { DRIFTS } from './spec/drifts.js';
export { REFERENCE_SPEC, VENDORED_SPEC } from './spec/locate.js';
export {
  buttons,
  describeViolations,
  type MessageView,
  viewMessage,
} from './view.js';
export type { FakeChannelSpec, FakeGuildSpec, FakeMemberSpec, FakeRoleSpec } from './world.js';
export { isEphemeral } from './world.js';
