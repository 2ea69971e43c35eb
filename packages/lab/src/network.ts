// The lab network: a namespace the VMs live in, reachable from the host and reaching only the host's apt
// proxy (see addresses.ts for the picture, network-firewall.ts for what may pass).
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LAB_APT_PROXY_PORT,
  LAB_BRIDGE,
  LAB_EDGE_PUBLIC_ADDRESS,
  LAB_GATEWAY,
  LAB_HOST_ADDRESS,
  LAB_HOST_VETH,
  LAB_LINK_PREFIX_LENGTH,
  LAB_NETNS,
  LAB_NETNS_ADDRESS,
  LAB_NETNS_VETH,
  LAB_PLAYER_ADDRESS,
  LAB_PLAYER_NETNS,
  LAB_PLAYER_VETH,
  LAB_PREFIX_LENGTH,
  LAB_PUBLIC_PREFIX_LENGTH,
  LAB_PUBLIC_VETH,
  LAB_SUBNET,
} from './addresses.js';
import { type AptCacheProxy, startAptCacheProxy } from './apt-cache-proxy.js';
import { cacheDir } from './cache-dir.js';
import { type DhcpLease, readLeases, startDnsmasq } from './dnsmasq.js';
import { acquireDirLock } from './lock.js';
import { type Log, removeLab } from './network-cleanup.js';
import { labFirewall } from './network-firewall.js';
import { missingCommands, run, runQuietly } from './run.js';

export * from './addresses.js';

export const DEFAULT_LAB_STATE_DIR = '/run/guildserver-lab';

export interface LabNetworkOptions {
  /** dnsmasq's pid, leases and log, the firewall rules (default /run/guildserver-lab). */
  stateDir?: string;
  /** Where the apt proxy keeps .deb files (default $GUILDSERVER_CACHE_DIR/apt-archives). */
  aptCacheDir?: string;
  /** More TCP ports on LAB_HOST_ADDRESS the VMs may connect to; the apt proxy's is always open. */
  allowedHostPorts?: number[];
  /** The lab is one per host: wait this long for another process's lab to stop (default 20 min). */
  waitForBusyMs?: number;
  log?: Log;
}

export interface LabNetwork {
  /** The namespace the VMs' QEMU processes must run in (`ip netns exec <netns> qemu-system-x86_64 …`). */
  netns: string;
  bridge: string;
  stateDir: string;
  aptProxy: AptCacheProxy;
  /** Creates a tap on the bridge, up, for `-netdev tap,ifname=<name>,script=no,downscript=no`. */
  addTap(name: string): Promise<void>;
  removeTap(name: string): Promise<void>;
  /** Runs a command inside the namespace and returns its stdout. */
  exec(argv: string[]): Promise<string>;
  /** The argv that runs `argv` inside the namespace, for spawning long-lived processes. */
  command(argv: string[]): string[];
  /** The player namespace (the internet's side of the edge): the argv that runs `argv` there. */
  playerCommand(argv: string[]): string[];
  /** dnsmasq's current leases (MAC → address). */
  leases(): Promise<DhcpLease[]>;
  /** Kills everything left in the namespace (VMs included), removes the namespace, veth, route, state.
   * Calling it again waits for the first call. */
  stop(): Promise<void>;
}

const LOCK = '/run/guildserver-lab.lock';
const quiet: Log = () => {};

/** The host tools the lab needs, as the Debian packages to install; empty when all are there. */
export async function missingLabNetworkTools(): Promise<string[]> {
  const missing = await missingCommands({ ip: 'iproute2', dnsmasq: 'dnsmasq-base', nft: 'nftables' });
  if (process.getuid?.() !== 0) missing.push('(root: network namespaces need it)');
  return missing;
}

export async function startLabNetwork(options: LabNetworkOptions = {}): Promise<LabNetwork> {
  const log = options.log ?? quiet;
  const stateDir = options.stateDir ?? DEFAULT_LAB_STATE_DIR;
  const release = await acquireDirLock(LOCK, {
    timeoutMs: options.waitForBusyMs ?? 20 * 60_000,
    onWait: (pid) => log(`the lab network is in use by process ${pid}; waiting for it to stop`),
  });
  // Holding the lock, whatever of the lab exists was left by a process that died.
  await removeLab(stateDir, (line) => log(`stale lab: ${line}`));
  let dnsmasq: ChildProcess | undefined;
  let aptProxy: AptCacheProxy | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await aptProxy?.close();
      dnsmasq?.kill('SIGTERM');
      await removeLab(stateDir, quiet);
      release();
    })();
    return stopping;
  };
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await createTopology(stateDir, [LAB_APT_PROXY_PORT, ...(options.allowedHostPorts ?? [])]);
    dnsmasq = await startDnsmasq(stateDir);
    aptProxy = await startAptCacheProxy(
      LAB_HOST_ADDRESS,
      options.aptCacheDir ?? join(cacheDir(), 'apt-archives'),
      LAB_APT_PROXY_PORT,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  log(`up: netns ${LAB_NETNS}, VMs on ${LAB_SUBNET} (gateway ${LAB_GATEWAY}), apt proxy ${aptProxy.url}`);
  const inNetns = (argv: string[]) => ['ip', 'netns', 'exec', LAB_NETNS, ...argv];
  return {
    netns: LAB_NETNS,
    bridge: LAB_BRIDGE,
    stateDir,
    aptProxy,
    addTap: async (name) => {
      checkInterfaceName(name);
      await run('ip', ['-n', LAB_NETNS, 'tuntap', 'add', 'dev', name, 'mode', 'tap']);
      await run('ip', ['-n', LAB_NETNS, 'link', 'set', name, 'master', LAB_BRIDGE, 'up']);
    },
    removeTap: (name) => runQuietly('ip', ['-n', LAB_NETNS, 'link', 'del', name]),
    exec: (argv) => {
      const [command, ...args] = inNetns(argv);
      return run(command!, args);
    },
    command: inNetns,
    playerCommand: (argv) => ['ip', 'netns', 'exec', LAB_PLAYER_NETNS, ...argv],
    leases: () => readLeases(stateDir),
    stop,
  };
}

/** Removes what a lab whose process died left behind; refuses while a live process holds the lab. */
export async function cleanupStaleLab(options: { stateDir?: string; log?: Log } = {}): Promise<void> {
  const release = await acquireDirLock(LOCK, { timeoutMs: 0 });
  try {
    await removeLab(options.stateDir ?? DEFAULT_LAB_STATE_DIR, options.log ?? quiet);
  } finally {
    release();
  }
}

async function createTopology(stateDir: string, allowedHostPorts: number[]): Promise<void> {
  const ns = (...args: string[]) => run('ip', ['-n', LAB_NETNS, ...args]);
  await run('ip', ['netns', 'add', LAB_NETNS]);
  await ns('link', 'set', 'lo', 'up');
  await ns('link', 'add', LAB_BRIDGE, 'type', 'bridge');
  await ns('addr', 'add', `${LAB_GATEWAY}/${LAB_PREFIX_LENGTH}`, 'dev', LAB_BRIDGE);
  await ns('link', 'set', LAB_BRIDGE, 'up');

  await run('ip', [
    'link',
    'add',
    LAB_HOST_VETH,
    'type',
    'veth',
    'peer',
    'name',
    LAB_NETNS_VETH,
    'netns',
    LAB_NETNS,
  ]);
  await run('ip', ['addr', 'add', `${LAB_HOST_ADDRESS}/${LAB_LINK_PREFIX_LENGTH}`, 'dev', LAB_HOST_VETH]);
  await run('ip', ['link', 'set', LAB_HOST_VETH, 'up']);
  await ns('addr', 'add', `${LAB_NETNS_ADDRESS}/${LAB_LINK_PREFIX_LENGTH}`, 'dev', LAB_NETNS_VETH);
  await ns('link', 'set', LAB_NETNS_VETH, 'up');
  await run('ip', ['route', 'add', LAB_SUBNET, 'via', LAB_NETNS_ADDRESS, 'dev', LAB_HOST_VETH]);

  // The players' side: only the lab namespace's public address is reachable from it (no route elsewhere).
  await run('ip', ['netns', 'add', LAB_PLAYER_NETNS]);
  await run('ip', ['-n', LAB_PLAYER_NETNS, 'link', 'set', 'lo', 'up']);
  await ns(
    'link',
    'add',
    LAB_PUBLIC_VETH,
    'type',
    'veth',
    'peer',
    'name',
    LAB_PLAYER_VETH,
    'netns',
    LAB_PLAYER_NETNS,
  );
  await ns('addr', 'add', `${LAB_EDGE_PUBLIC_ADDRESS}/${LAB_PUBLIC_PREFIX_LENGTH}`, 'dev', LAB_PUBLIC_VETH);
  await ns('link', 'set', LAB_PUBLIC_VETH, 'up');
  const player = (...args: string[]) => run('ip', ['-n', LAB_PLAYER_NETNS, ...args]);
  await player('addr', 'add', `${LAB_PLAYER_ADDRESS}/${LAB_PUBLIC_PREFIX_LENGTH}`, 'dev', LAB_PLAYER_VETH);
  await player('link', 'set', LAB_PLAYER_VETH, 'up');

  // Forwarding between the bridge and the veth, inside the namespace only (the host's setting is untouched).
  await run('ip', ['netns', 'exec', LAB_NETNS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const rules = join(stateDir, 'firewall.nft');
  await writeFile(rules, labFirewall(allowedHostPorts));
  await run('ip', ['netns', 'exec', LAB_NETNS, 'nft', '-f', rules]);
}

function checkInterfaceName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,15}$/.test(name)) {
    throw new Error(`bad interface name ${JSON.stringify(name)}: 1–15 letters, digits, - or _`);
  }
}
