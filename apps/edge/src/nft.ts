// Applying the edge's ruleset with nft: checked first (`nft -c`), then applied in one transaction, so a
// definition nft would refuse is never half-applied and the table in force stays as it was.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EDGE_TABLE } from './ruleset.js';

const execFileAsync = promisify(execFile);

export interface NftTarget {
  /** Run nft inside this network namespace (`ip netns exec`); default: the edge host's own. */
  netns?: string;
}

/** nft refused the definition or the command; `detail` is nft's own first lines. */
export class NftError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(`${message}: ${detail}`);
    this.name = 'NftError';
  }
}

async function nft(args: string[], target: NftTarget): Promise<string> {
  const argv = target.netns ? ['ip', 'netns', 'exec', target.netns, 'nft', ...args] : ['nft', ...args];
  try {
    const { stdout } = await execFileAsync(argv[0]!, argv.slice(1), { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: unknown };
    if (code === 'ENOENT') throw new NftError(`${argv[0]} is not installed`, 'install the nftables package');
    throw new NftError(`nft ${args.join(' ')} failed`, firstLines(stderr ?? String(error)));
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

/** Removes the edge's table (and with it every forward it made); nothing when there is none. */
export async function removeTable(target: NftTarget = {}): Promise<void> {
  try {
    await nft(['delete', 'table', 'inet', EDGE_TABLE], target);
  } catch (error) {
    if (error instanceof NftError && /No such file or directory/.test(error.detail)) return;
    throw error;
  }
}

/** The edge's table as nft lists it (JSON), or undefined when there is none. */
export async function listTable(target: NftTarget = {}): Promise<unknown | undefined> {
  try {
    return JSON.parse(await nft(['-j', 'list', 'table', 'inet', EDGE_TABLE], target));
  } catch (error) {
    if (error instanceof NftError && /No such file or directory/.test(error.detail)) return undefined;
    throw error;
  }
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 6).join('\n');
}
