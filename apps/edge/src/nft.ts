// Applying the edge's ruleset with nft: checked first (`nft -c`), then applied in one transaction, so a
// definition nft would refuse is never half-applied and the table in force stays as it was.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COUNTED_SETS, EDGE_TABLE } from './ruleset.js';

const execFileAsync = promisify(execFile);

export interface NftTarget {
  /** Run nft inside this network namespace (`ip netns exec`); default: the edge host's own. */
  netns?: string;
}

/**
 * What went wrong: nft is not there, it may not change the kernel's rules, it refused the definition, or the
 * table is not there.
 */
export type NftFailure = 'missing' | 'permission' | 'refused' | 'absent' | 'netns';

/** nft refused the definition or the command; `detail` is nft's own first lines. */
export class NftError extends Error {
  constructor(
    message: string,
    readonly detail: string,
    readonly kind: NftFailure = 'refused',
    private readonly said?: string,
  ) {
    super(`${message}: ${detail}`);
    this.name = 'NftError';
  }

  /** One sentence: what is wrong and what to do. */
  get sentence(): string {
    if (this.said) return this.said;
    switch (this.kind) {
      case 'missing':
        return 'nft is not installed; install the nftables package.';
      case 'permission':
        return 'nft may not change the kernel’s rules here (Operation not permitted); run the edge as root or with CAP_NET_ADMIN.';
      case 'absent':
        return `There is no table inet ${EDGE_TABLE}.`;
      default:
        return `nft refused the ruleset (${this.detail.split('\n')[0]}); the table in force stays as it was.`;
    }
  }
}

async function nft(args: string[], target: NftTarget): Promise<string> {
  const argv = target.netns ? ['ip', 'netns', 'exec', target.netns, 'nft', ...args] : ['nft', ...args];
  try {
    const { stdout } = await execFileAsync(argv[0]!, argv.slice(1), { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: unknown };
    const detail = firstLines(stderr ?? String(error));
    if (code === 'ENOENT' && argv[0] === 'ip') {
      const sentence = 'ip is not installed (EDGE_NETNS needs it); install the iproute2 package.';
      throw new NftError('ip is not installed', 'install the iproute2 package', 'missing', sentence);
    }
    if (code === 'ENOENT')
      throw new NftError('nft is not installed', 'install the nftables package', 'missing');
    if (/Cannot open network namespace/.test(detail)) {
      const sentence = `The network namespace ${target.netns} does not exist (EDGE_NETNS); create it or unset EDGE_NETNS.`;
      throw new NftError(`nft ${args.join(' ')} failed`, detail, 'netns', sentence);
    }
    if (/exec of "nft" failed: No such file or directory/.test(detail))
      throw new NftError('nft is not installed', 'install the nftables package', 'missing');
    if (/Operation not permitted|Permission denied|must be root/i.test(detail))
      throw new NftError(`nft ${args.join(' ')} failed`, detail, 'permission');
    if (/No such file or directory/.test(detail) && !args.includes('-f'))
      throw new NftError(`nft ${args.join(' ')} failed`, detail, 'absent');
    throw new NftError(`nft ${args.join(' ')} failed`, detail, 'refused');
  }
}

/** Replaces the edge's table with `text` (from buildRuleset), or changes nothing and throws NftError. */
export async function applyRuleset(text: string, target: NftTarget = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gs-edge-'));
  const file = join(dir, 'ruleset.nft');
  try {
    await writeFile(file, text, { mode: 0o600 });
    await nft(['-c', '-f', file], target);
    await nft(['-f', file], target);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Removes the edge's table (and with it every forward it made): true, or false when there was none. */
export async function removeTable(target: NftTarget = {}): Promise<boolean> {
  try {
    await nft(['delete', 'table', 'inet', EDGE_TABLE], target);
    return true;
  } catch (error) {
    if (error instanceof NftError && error.kind === 'absent') return false;
    throw error;
  }
}

/** The edge's table as nft lists it (JSON), or undefined when there is none. */
export async function listTable(target: NftTarget = {}): Promise<unknown | undefined> {
  try {
    return JSON.parse(await nft(['-j', 'list', 'table', 'inet', EDGE_TABLE], target));
  } catch (error) {
    if (error instanceof NftError && error.kind === 'absent') return undefined;
    throw error;
  }
}

/** What one published port's counter holds: what players sent to it since the table was applied. */
export interface PortCount {
  protocol: 'tcp' | 'udp';
  port: number;
  /** From the element's comment; undefined for a table without them. */
  serverId?: string;
  serverName?: string;
  packets: number;
  bytes: number;
}

/** The counters of the table in force; undefined when there is no table (or it has no counted sets). */
export async function readCounters(target: NftTarget = {}): Promise<PortCount[] | undefined> {
  const counts: PortCount[] = [];
  for (const protocol of ['tcp', 'udp'] as const) {
    let listed: string;
    try {
      listed = await nft(['-j', 'list', 'set', 'inet', EDGE_TABLE, COUNTED_SETS[protocol]], target);
    } catch (error) {
      if (error instanceof NftError && error.kind === 'absent') return undefined;
      throw error;
    }
    counts.push(...parseCounters(JSON.parse(listed), protocol));
  }
  return counts;
}

/** `nft -j list set …` of one protocol's counted set → one count per element (published port). */
export function parseCounters(listed: unknown, protocol: 'tcp' | 'udp'): PortCount[] {
  const items = (listed as { nftables?: unknown[] }).nftables ?? [];
  const counts: PortCount[] = [];
  for (const item of items) {
    const elements = (item as { set?: { elem?: unknown[] } }).set?.elem ?? [];
    for (const raw of elements) {
      const elem = (raw as { elem?: Record<string, unknown> }).elem;
      const counter = elem?.counter as { packets?: number; bytes?: number } | undefined;
      const port = Number(elem?.val);
      if (!counter || !Number.isInteger(port)) continue;
      const [serverId, serverName] = String(elem?.comment ?? '').split(' ');
      counts.push({
        protocol,
        port,
        ...(serverId ? { serverId } : {}),
        ...(serverName ? { serverName } : {}),
        packets: counter.packets ?? 0,
        bytes: counter.bytes ?? 0,
      });
    }
  }
  return counts;
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 6).join('\n');
}
