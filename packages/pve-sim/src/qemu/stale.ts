// After a crash of the simulator its QEMU children live on (they are not tied to its lifetime): the next
// backend over the same state directory ends them and removes their taps before starting anything.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { vmPaths, vmsDir } from './paths.js';

export interface StaleRecovery {
  removeTap?(name: string): Promise<void>;
  warn(message: string): void;
}

const tapsFile = (dir: string) => join(dir, 'taps.json');

export async function recordTaps(dir: string, taps: string[]): Promise<void> {
  await writeFile(tapsFile(dir), JSON.stringify(taps));
}

export async function forgetTaps(dir: string): Promise<void> {
  await rm(tapsFile(dir), { force: true });
}

async function processArgv(pid: number): Promise<string[] | undefined> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline?.split('\0').filter(Boolean);
}

/** A live qemu-system process whose `-pidfile` is the given file (so not a recycled pid). */
export async function isOurQemu(pid: number, pidFile: string): Promise<boolean> {
  const argv = await processArgv(pid);
  if (!argv?.[0] || !/(^|\/)qemu-system-[^/]*$/.test(argv[0])) return false;
  const at = argv.indexOf('-pidfile');
  return at >= 0 && argv[at + 1] !== undefined && resolve(argv[at + 1]!) === resolve(pidFile);
}

export async function waitForPidGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    if (Date.now() >= deadline) return false;
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** Returns the vmids whose leftover QEMU process was killed. */
export async function recoverStale(stateDir: string, recovery: StaleRecovery): Promise<number[]> {
  const killed: number[] = [];
  const entries = await readdir(vmsDir(stateDir)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const vmid = Number(entry);
    const paths = vmPaths(stateDir, vmid);
    const pid = Number((await readFile(paths.pidFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && (await isOurQemu(pid, paths.pidFile))) {
      process.kill(pid, 'SIGKILL');
      if (!(await waitForPidGone(pid, 5_000)))
        recovery.warn(`leftover QEMU ${pid} of VM ${vmid} did not die`);
      killed.push(vmid);
    }
    const taps = JSON.parse(await readFile(tapsFile(paths.dir), 'utf8').catch(() => '[]')) as string[];
    for (const tap of taps) {
      await recovery.removeTap?.(tap).catch((error: unknown) => {
        recovery.warn(`could not remove tap ${tap} of VM ${vmid}: ${(error as Error).message}`);
      });
    }
    await forgetTaps(paths.dir);
    for (const file of [paths.pidFile, paths.qmpSocket, paths.qgaSocket, paths.stateSocket])
      await rm(file, { force: true });
  }
  return killed;
}
