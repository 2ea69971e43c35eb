export { validate } from './check.js';
export { FormatError, PropertyStringError } from './format-error.js';
export { IMPLEMENTED_FORMATS } from './formats.js';
export { findParamSchema } from './indexed.js';
export { DEFAULT_SCHEMA_DIR, type LoadedSchema, loadSchema } from './load.js';
export { checkPermission, normalizePath } from './permissions.js';
export { type PropertyStringFormat, parsePropertyString } from './property-string.js';
export * from './types.js';
