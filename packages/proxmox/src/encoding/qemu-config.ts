import type { FormParams, FormScalar } from './form';
import {
  type AgentSettings,
  agentProperty,
  type CiCustom,
  ciCustomProperty,
  type IpConfig,
  ipConfigProperty,
  memoryValue,
  type NetDevice,
  netProperty,
} from './property-strings';
import { encodeSshKeys } from './sshkeys';
import { encodeTags } from './tags';

/** Config changes in their natural shapes; `encodeQemuConfig` turns them into what PVE expects. */
export interface QemuConfigUpdate {
  name?: string;
  description?: string;
  cores?: number;
  sockets?: number;
  /** MiB, sent as a plain integer (accepted by 7.4–9.1). */
  memory?: number;
  balloon?: number;
  onboot?: boolean;
  agent?: boolean | AgentSettings;
  tags?: readonly string[];
  ciuser?: string;
  cipassword?: string;
  /** Plain OpenSSH public keys; the double encoding is done here. */
  sshkeys?: readonly string[];
  nameserver?: string;
  searchdomain?: string;
  cicustom?: string | CiCustom;
  citype?: 'nocloud' | 'configdrive2' | 'opennebula';
  /** Cloud-init's package upgrade on the first boot (PVE 8.0+; PVE 7 always upgrades). Default on. */
  ciupgrade?: boolean;
  /** Keys to remove from the config. */
  delete?: readonly string[];
  /** Refuse the change if the config changed since this digest was read. */
  digest?: string;
  [key: `net${number}`]: NetDevice | string | undefined;
  [key: `ipconfig${number}`]: IpConfig | string | undefined;
}

const INDEXED = /^(net|ipconfig)(\d+)$/;

export function encodeQemuConfig(update: QemuConfigUpdate): FormParams {
  const out: Record<string, FormScalar> = {};
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    const indexed = INDEXED.exec(key);
    if (indexed) {
      out[key] = typeof value === 'string' ? value : encodeIndexed(indexed[1] as 'net' | 'ipconfig', value);
      continue;
    }
    switch (key) {
      case 'memory':
        out.memory = memoryValue(value as number);
        break;
      case 'agent':
        out.agent = typeof value === 'boolean' ? value : agentProperty(value as AgentSettings);
        break;
      case 'tags':
        out.tags = encodeTags(value as readonly string[]);
        break;
      case 'sshkeys':
        out.sshkeys = encodeSshKeys(value as readonly string[]);
        break;
      case 'cicustom':
        out.cicustom = typeof value === 'string' ? value : ciCustomProperty(value as CiCustom);
        break;
      case 'delete':
        out.delete = (value as readonly string[]).join(',');
        break;
      default:
        if (typeof value === 'object')
          throw new TypeError(`config key "${key}" needs a string, number or boolean`);
        out[key] = value as FormScalar;
    }
  }
  return out;
}

function encodeIndexed(kind: 'net' | 'ipconfig', value: unknown): string {
  return kind === 'net' ? netProperty(value as NetDevice) : ipConfigProperty(value as IpConfig);
}
