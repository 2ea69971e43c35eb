// The lab's DHCP server: dnsmasq inside the namespace, on the bridge only, with no DNS (--port=0).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '@guildserver/timing';
import { LAB_BRIDGE, LAB_DHCP_RANGE, LAB_GATEWAY, LAB_NETNS } from './addresses.js';

export interface DhcpLease {
  mac: string;
  ip: string;
  hostname?: string;
}

export const dnsmasqFiles = (stateDir: string) => ({
  pid: join(stateDir, 'dnsmasq.pid'),
  leases: join(stateDir, 'dnsmasq.leases'),
  log: join(stateDir, 'dnsmasq.log'),
});

/** Starts dnsmasq in the lab namespace; resolves once it wrote its pid file (it has bound its socket). */
export async function startDnsmasq(stateDir: string): Promise<ChildProcess> {
  const files = dnsmasqFiles(stateDir);
  const child = spawn(
    'ip',
    [
      ...['netns', 'exec', LAB_NETNS, 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null'],
      ...['--port=0', `--interface=${LAB_BRIDGE}`, '--bind-interfaces', '--dhcp-authoritative'],
      `--dhcp-range=${LAB_DHCP_RANGE.first},${LAB_DHCP_RANGE.last},255.255.255.0,12h`,
      `--dhcp-option=option:router,${LAB_GATEWAY}`,
      `--dhcp-leasefile=${files.leases}`,
      `--pid-file=${files.pid}`,
      `--log-facility=${files.log}`,
      '--log-dhcp',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!existsSync(files.pid)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dnsmasq exited at start: ${stderr.trim() || `code ${child.exitCode}`}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dnsmasq did not start within 10 s: ${stderr.trim()}`);
    }
    await sleep(50);
  }
  return child;
}

export async function readLeases(stateDir: string): Promise<DhcpLease[]> {
  let text: string;
  try {
    text = await readFile(dnsmasqFiles(stateDir).leases, 'utf8');
  } catch {
    return [];
  }
  // "<expiry> <mac> <ip> <hostname or *> <client id or *>"
  return text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length >= 4)
    .map(([, mac, ip, hostname]) => ({
      mac: mac!,
      ip: ip!,
      ...(hostname && hostname !== '*' ? { hostname } : {}),
    }));
}
