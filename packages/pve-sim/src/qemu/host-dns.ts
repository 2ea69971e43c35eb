// The node's own DNS settings, which PVE puts into a VM's cloud-init network config when the VM's config has
// no `nameserver`/`searchdomain` (PVE::INotify's resolv.conf reader: the first search/domain word and the
// first three nameservers).
import { readFile } from 'node:fs/promises';

export interface HostDns {
  search?: string;
  nameservers: string[];
}

export function parseResolvConf(text: string): HostDns {
  const dns: HostDns = { nameservers: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '');
    const search = /^(?:search|domain)\s+(\S+)/.exec(line);
    if (search) {
      dns.search = search[1];
      continue;
    }
    const nameserver = /^\s*nameserver\s+(\S+)/.exec(line);
    if (nameserver && dns.nameservers.length < 3) dns.nameservers.push(nameserver[1]!);
  }
  return dns;
}

export async function readHostDns(path = '/etc/resolv.conf'): Promise<HostDns> {
  try {
    return parseResolvConf(await readFile(path, 'utf8'));
  } catch {
    return { nameservers: [] };
  }
}
