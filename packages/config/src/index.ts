export { ConfigError } from './config-error';
export {
  type Env,
  type EnvSpec,
  type EnvValues,
  type EnvVar,
  optional,
  readEnv,
  readVar,
  required,
  withDefault,
} from './env';
export {
  booleanLiteral,
  hostName,
  httpUrl,
  integer,
  integerRange,
  matching,
  nonEmpty,
  redisUrl,
  word,
} from './env-schemas';
export { loadProxmoxConfig, type ProxmoxAuthConfig, type ProxmoxConfig } from './proxmox';
export {
  isOpenSshPublicKey,
  type ProxmoxEndpoint,
  proxmoxEndpoint,
  sha256Fingerprint,
  sshPublicKeys,
} from './proxmox-values';
