export * from './api/admin.js';
export * from './api/edge.js';
export * from './api/events.js';
export * from './api/jobs.js';
export * from './api/servers.js';
export * from './api/tokens.js';
export { ERROR_CODES, type ErrorBody, type ErrorCode, errorBodySchema, errorCodeSchema } from './errors.js';
export { type Reach, reachOf } from './reach.js';
export { type VmSize, vmSizeSchema } from './vm-size.js';
