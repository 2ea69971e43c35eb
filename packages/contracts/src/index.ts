export { ERROR_CODES, type ErrorBody, type ErrorCode, errorBodySchema, errorCodeSchema } from './errors.js';
export { type VmSize, vmSizeSchema } from './vm-size.js';
