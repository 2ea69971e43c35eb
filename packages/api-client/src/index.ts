export type {
  CreatedToken,
  Quota,
  QuotaLimits,
  QuotaScope,
  TokenSummary,
} from '@guildserver/contracts';
export {
  type Accepted,
  type ApiClient,
  acceptedSchema,
  createApiClient,
  type EventsQuery,
  type ServerListQuery,
} from './client.js';
export { ApiError, type ApiErrorCode, ApiUnreachableError } from './errors.js';
export type { FollowGenerationsOptions, FollowOptions, StreamFollowing } from './follow-events.js';
export type { Acting, ApiClientOptions, CallOptions } from './http.js';
export { createSseParser, type SseMessage } from './sse.js';
