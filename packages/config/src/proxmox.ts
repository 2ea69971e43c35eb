import { ConfigError } from './config-error';
import { type Env, optional, readEnv, readVar, required, withDefault } from './env';
import { booleanLiteral, integer, nonEmpty, word } from './env-schemas';
import {
  bridgeName,
  nodeName,
  proxmoxEndpoint,
  readableFile,
  sha256Fingerprint,
  snippetVolume,
  sshPublicKeys,
  storageId,
  tokenId,
  userId,
} from './proxmox-values';

export type ProxmoxAuthConfig =
  | { kind: 'token'; tokenId: string; tokenSecret: string }
  | { kind: 'ticket'; username: string; password: string };

export interface ProxmoxConfig {
  host: string;
  port: number;
  /** `https://host:port`, no `/api2/json`. */
  baseUrl: string;
  auth: ProxmoxAuthConfig;
  /**
   * Trust: CA file, fingerprint, both (either passing is enough), neither (system roots), or insecure
   * (refused together with the other two).
   */
  tls: { caFile?: string; fingerprint?: string; insecure: boolean };
  maxConnections: number;
  node: string;
  networkBridge: string;
  storage: string;
  vlanTag?: number;
  baseImageVmid: number;
  sshPublicKeys: string[];
  cloneTimeoutSeconds: number;
  /** How long a new VM's guest agent has to report an IPv4 after start. */
  agentTimeoutSeconds: number;
  /** `storage:snippets/file.yaml`, sent as `cicustom: user=...`. */
  ciCustomUserData?: string;
}

const SPEC = {
  PROXMOX_HOST: required('host, host:port or https://host:port (port defaults to 8006)', proxmoxEndpoint),
  PROXMOX_NODE: required('a Proxmox node name such as pve', nodeName),
  PROXMOX_NETWORK_BRIDGE: withDefault('a bridge name such as vmbr0', bridgeName, 'vmbr0'),
  PROXMOX_STORAGE: withDefault('a storage id such as local-lvm', storageId, 'local-lvm'),
  PROXMOX_VLAN_TAG: optional('an integer from 1 to 4094', integer(1, 4094)),
  PROXMOX_BASE_IMAGE_VMID: withDefault('an integer from 100 to 999999999', integer(100, 999_999_999), 9000),
  PROXMOX_SSH_PUBLIC_KEY: withDefault(
    'one or more OpenSSH public keys (type, base64, optional comment), one per line',
    sshPublicKeys,
    [] as string[],
  ),
  PROXMOX_TIMEOUT_CLONE: withDefault('a number of seconds from 1 to 86400', integer(1, 86_400), 600),
  PROXMOX_TIMEOUT_AGENT: withDefault('a number of seconds from 1 to 86400', integer(1, 86_400), 300),
  PROXMOX_CI_CUSTOM_USER_DATA: optional(
    'a snippet volume such as local:snippets/user-data.yaml',
    snippetVolume,
  ),
  PROXMOX_CA_FILE: optional('the path of an existing, readable PEM file', readableFile),
  PROXMOX_TLS_FINGERPRINT: optional(
    "a SHA-256 fingerprint of 32 colon-separated hex bytes (the node's ssl_fingerprint)",
    sha256Fingerprint,
  ),
  PROXMOX_TLS_INSECURE: withDefault('true, false, 1 or 0', booleanLiteral, false),
  PROXMOX_MAX_CONNECTIONS: withDefault('an integer from 1 to 256', integer(1, 256), 16),
};

/** Reads the PROXMOX_* variables; throws ConfigError naming the first wrong variable. */
export function loadProxmoxConfig(env: Env): ProxmoxConfig {
  const v = readEnv(env, SPEC);
  const auth = readAuth(env);
  if (v.PROXMOX_TLS_INSECURE && (v.PROXMOX_CA_FILE || v.PROXMOX_TLS_FINGERPRINT)) {
    throw new ConfigError(
      'PROXMOX_TLS_INSECURE must be false when PROXMOX_CA_FILE or PROXMOX_TLS_FINGERPRINT is set, since verification cannot be both on and off.',
      ['PROXMOX_TLS_INSECURE'],
    );
  }
  const tls: ProxmoxConfig['tls'] = { insecure: v.PROXMOX_TLS_INSECURE };
  if (v.PROXMOX_CA_FILE) tls.caFile = v.PROXMOX_CA_FILE;
  if (v.PROXMOX_TLS_FINGERPRINT) tls.fingerprint = v.PROXMOX_TLS_FINGERPRINT;

  const config: ProxmoxConfig = {
    ...v.PROXMOX_HOST,
    auth,
    tls,
    maxConnections: v.PROXMOX_MAX_CONNECTIONS,
    node: v.PROXMOX_NODE,
    networkBridge: v.PROXMOX_NETWORK_BRIDGE,
    storage: v.PROXMOX_STORAGE,
    baseImageVmid: v.PROXMOX_BASE_IMAGE_VMID,
    sshPublicKeys: v.PROXMOX_SSH_PUBLIC_KEY,
    cloneTimeoutSeconds: v.PROXMOX_TIMEOUT_CLONE,
    agentTimeoutSeconds: v.PROXMOX_TIMEOUT_AGENT,
  };
  if (v.PROXMOX_VLAN_TAG !== undefined) config.vlanTag = v.PROXMOX_VLAN_TAG;
  if (v.PROXMOX_CI_CUSTOM_USER_DATA !== undefined) config.ciCustomUserData = v.PROXMOX_CI_CUSTOM_USER_DATA;
  return config;
}

const TOKEN_FORM = 'an API token id of the form user@realm!tokenname, such as guildserver@pve!provisioner';
const SECRET_FORM = 'the secret (UUID) shown when the API token was created, without spaces';

function readAuth(env: Env): ProxmoxAuthConfig {
  const has = (name: string) => (env[name]?.trim() ?? '') !== '';
  if (has('PROXMOX_TOKEN_ID')) {
    if (has('PROXMOX_USER') || has('PROXMOX_PASSWORD')) {
      throw new ConfigError(
        'PROXMOX_USER and PROXMOX_PASSWORD must be unset when PROXMOX_TOKEN_ID is set, so that one way of signing in is chosen.',
        ['PROXMOX_USER', 'PROXMOX_PASSWORD'],
      );
    }
    return {
      kind: 'token',
      tokenId: readVar(env, 'PROXMOX_TOKEN_ID', required(TOKEN_FORM, tokenId)),
      tokenSecret: readVar(env, 'PROXMOX_TOKEN_SECRET', required(SECRET_FORM, word, { secret: true })),
    };
  }
  if (has('PROXMOX_USER') || has('PROXMOX_PASSWORD')) {
    return {
      kind: 'ticket',
      username: readVar(
        env,
        'PROXMOX_USER',
        required('a user id of the form user@realm, such as root@pam', userId),
      ),
      password: readVar(
        env,
        'PROXMOX_PASSWORD',
        required("that user's password", nonEmpty, { secret: true }),
      ),
    };
  }
  throw new ConfigError(
    `PROXMOX_TOKEN_ID is required and must be ${TOKEN_FORM} (or set PROXMOX_USER and PROXMOX_PASSWORD for ticket sign-in).`,
    ['PROXMOX_TOKEN_ID'],
  );
}
