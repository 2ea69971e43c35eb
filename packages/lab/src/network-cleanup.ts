// Taking the lab down, used by stop() and before every start (a crashed run may have left any part of it).
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { sleep } from '@guildserver/timing';
import { LAB_HOST_VETH, LAB_NETNS, LAB_PLAYER_NETNS, LAB_SUBNET } from './addresses.js';
import { dnsmasqFiles } from './dnsmasq.js';
import { processAlive } from './process-alive.js';
import { run, runQuietly } from './run.js';

export type Log = (line: string) => void;

/** Removes every part of the lab that exists; `log` names what was found (for a stale lab, worth knowing). */
export async function removeLab(stateDir: string, log: Log): Promise<void> {
  if (namespaceExists()) {
    const pids = await namespacePids();
    if (pids.length > 0) log(`stopping processes left in netns ${LAB_NETNS}: ${pids.join(' ')}`);
    await killAll(pids);
    await run('ip', ['netns', 'del', LAB_NETNS]);
    // The kernel dismantles the namespace asynchronously; its veth end takes the host's end along.
    for (let waited = 0; existsSync(`/sys/class/net/${LAB_HOST_VETH}`) && waited < 3000; waited += 50) {
      await sleep(50);
    }
  }
  if (namespaceExists(LAB_PLAYER_NETNS)) {
    await killAll(await namespacePids(LAB_PLAYER_NETNS));
    await run('ip', ['netns', 'del', LAB_PLAYER_NETNS]);
  }
  const dnsmasqPid = Number(readOr(dnsmasqFiles(stateDir).pid, ''));
  if (processAlive(dnsmasqPid) && readOr(`/proc/${dnsmasqPid}/comm`, '').trim() === 'dnsmasq') {
    log(`stopping dnsmasq ${dnsmasqPid}`);
    await killAll([dnsmasqPid]);
  }
  if (existsSync(`/sys/class/net/${LAB_HOST_VETH}`)) {
    log(`deleting ${LAB_HOST_VETH}`);
    await runQuietly('ip', ['link', 'del', LAB_HOST_VETH]);
  }
  // Goes with the veth; deleted explicitly in case someone re-added it by hand.
  if ((await run('ip', ['-4', 'route', 'show', LAB_SUBNET])).trim()) {
    await runQuietly('ip', ['route', 'del', LAB_SUBNET]);
  }
  await rm(stateDir, { recursive: true, force: true });
}

export function namespaceExists(netns = LAB_NETNS): boolean {
  return existsSync(`/run/netns/${netns}`);
}

export async function namespacePids(netns = LAB_NETNS): Promise<number[]> {
  if (!namespaceExists(netns)) return [];
  const out = await run('ip', ['netns', 'pids', netns]).catch(() => '');
  return out
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`. */
async function killAll(pids: number[], graceMs = 5000): Promise<void> {
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(processAlive) && Date.now() < deadline) {
    await sleep(100);
  }
  for (const pid of pids.filter(processAlive)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + graceMs;
  while (pids.some(processAlive) && Date.now() < killDeadline) {
    await sleep(50);
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
