// Crash safety: worker processes SIGKILLed at every step boundary of a create and of a delete; the job resumes
// in the next worker and finishes with exactly one VM (create) or none (delete). Also: `main.ts worker` runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryArgs } from '../../../../test/support/entry.js';
import { PLANS } from '../../src/domain/plans.js';
import { ADMIN, createRequest, FAST_RUNNER, REPO, type Stack, startStack, until } from './support.js';

interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<number | string | null>;
}

function spawnNode(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { process: child, output, exited };
}

describe('crash safety', () => {
  let stack: Stack;
  const children: Child[] = [];
  beforeAll(async () => {
    stack = await startStack({ worker: false, attempts: 5, backoffMs: 100, sim: { timeScale: 2 } });
  });
  afterAll(async () => {
    for (const child of children)
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await stack?.close();
  });

  /**
   * Keeps two crash-prone workers alive: each dies by SIGKILL right after its first succeeded step, and a new
   * one is spawned in its place, until the job is finished. Returns the steps at which a worker died.
   */
  async function runThroughCrashes(jobId: string): Promise<string[]> {
    const options = JSON.stringify({
      runner: FAST_RUNNER,
      lockDurationMs: 1_500,
      stalledIntervalMs: 500,
      crashAfterFirstStep: true,
    });
    const crashes: string[] = [];
    const live = new Set<Child>();
    let finished = false;
    const launch = () => {
      const child = spawnNode([...entryArgs('crash-worker'), options], stack.env);
      children.push(child);
      live.add(child);
      void child.exited.then((how) => {
        live.delete(child);
        const crash = /crash-at \S+ (\w+)/.exec(child.output.join(''));
        if (how === 'SIGKILL' && crash) crashes.push(crash[1]!);
        if (!finished) launch();
      });
    };
    launch();
    launch();
    try {
      await stack.waitForJob(jobId, 90_000);
    } finally {
      finished = true;
      for (const child of live) {
        child.process.kill('SIGTERM');
        await child.exited;
      }
    }
    return crashes;
  }

  let phoenix = '';

  it('a create killed at every step boundary resumes and ends with exactly one VM', async () => {
    const { server, jobId } = await stack.service.create(createRequest('phoenix'), ADMIN);
    phoenix = server.id;
    const crashes = await runThroughCrashes(jobId);
    expect(crashes).toEqual(PLANS.create.map((s) => s.name));
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(job.steps.every((s) => s.state === 'succeeded')).toBe(true);
    expect(stack.server(server.id).state).toBe('running');
    expect(stack.vmsOf(server.id)).toHaveLength(1);
    expect(stack.sim.state.vms.map((vm) => vm.vmid).sort()).toEqual(
      [9000, stack.server(server.id).vmid].sort(),
    );
    const clones = stack.sim.state.tasks.filter((t) => t.type === 'qmclone');
    expect(clones).toHaveLength(1);
    // Each step succeeded once: none was redone after its success was recorded.
    const succeeded = stack
      .eventsOf(server.id)
      .filter((e) => e.type === 'step.succeeded' && e.jobId === jobId);
    expect(succeeded.map((e) => (JSON.parse(e.data) as { step: string }).step)).toEqual(
      PLANS.create.map((s) => s.name),
    );
    expect(stack.eventsOf(server.id).filter((e) => e.type === 'job.succeeded')).toHaveLength(1);
  }, 120_000);

  /** The server's backups on the simulator's backup storage, by the reason in their notes. */
  const backupReasons = async (serverId: string) =>
    (await stack.backups.list(serverId, ADMIN)).backups.map((b) => b.reason).sort();

  it('a backup killed at every step boundary resumes and makes exactly one backup', async () => {
    const { jobId } = await stack.backups.create(phoenix, {}, ADMIN);
    const crashes = await runThroughCrashes(jobId);
    expect(crashes).toEqual(PLANS.backup.map((s) => s.name));
    expect((await stack.waitForJob(jobId)).state).toBe('succeeded');
    expect(stack.server(phoenix).state).toBe('running');
    expect(await backupReasons(phoenix)).toEqual(['manual']);
    expect(stack.sim.state.tasks.filter((t) => t.type === 'vzdump')).toHaveLength(1);
  }, 120_000);

  it('a restore killed at every step boundary resumes: one safety backup, the same VM, running again', async () => {
    const vmid = stack.server(phoenix).vmid;
    const [backup] = (await stack.backups.list(phoenix, ADMIN)).backups;
    const { jobId } = await stack.backups.restore(phoenix, { backupId: backup!.id }, ADMIN);
    const crashes = await runThroughCrashes(jobId);
    expect(crashes).toEqual(PLANS.restore.map((s) => s.name));
    expect((await stack.waitForJob(jobId)).state).toBe('succeeded');
    expect(stack.server(phoenix)).toMatchObject({ state: 'running', vmid });
    expect(stack.vmsOf(phoenix)).toHaveLength(1);
    // The backup restored from is still there, beside the one made of the world it replaced.
    expect(await backupReasons(phoenix)).toEqual(['before-restore', 'manual']);
  }, 120_000);

  it('a delete killed at every step boundary resumes and leaves no VM, port or VM id', async () => {
    const serverId = phoenix;
    const vmid = stack.server(serverId).vmid!;
    const { jobId } = await stack.service.remove(serverId, ADMIN);
    const crashes = await runThroughCrashes(jobId);
    expect(crashes).toEqual(PLANS.delete.map((s) => s.name));
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(stack.server(serverId).state).toBe('deleted');
    expect(stack.sim.state.vms.map((vm) => vm.vmid)).toEqual([9000]);
    expect(stack.sim.state.vms.some((vm) => vm.vmid === vmid)).toBe(false);
    expect(stack.portsOf(serverId)).toBe(0);
    expect(stack.vmidsOf(serverId)).toEqual([]);
    // Its final backup stays, listed under the deleted server, so the delete can be undone.
    expect(await backupReasons(serverId)).toEqual(['before-delete', 'before-restore', 'manual']);
  }, 120_000);

  it('an undelete killed at every step boundary resumes: one VM from the final backup, which stays', async () => {
    const final = await stack.backups.finalBackupOf(phoenix, undefined, ADMIN);
    const restoresBefore = stack.sim.state.tasks.filter((t) => t.type === 'qmrestore').length;
    const { jobId } = await stack.service.undelete(phoenix, final.volid, ADMIN);
    const crashes = await runThroughCrashes(jobId);
    expect(crashes).toEqual(PLANS.recreate.map((s) => s.name));
    expect((await stack.waitForJob(jobId)).state).toBe('succeeded');
    expect(stack.server(phoenix).state).toBe('running');
    expect(stack.vmsOf(phoenix)).toHaveLength(1);
    expect(stack.sim.state.tasks.filter((t) => t.type === 'qmrestore')).toHaveLength(restoresBefore + 1);
    expect(await backupReasons(phoenix)).toEqual(['before-delete', 'before-restore', 'manual']);
  }, 120_000);

  it('a copy killed at every step boundary resumes: one new VM, the source untouched', async () => {
    const source = stack.server(phoenix);
    const manual = (await stack.backups.list(phoenix, ADMIN)).backups.find((b) => b.reason === 'manual')!;
    const { server, jobId } = await stack.service.copy(
      phoenix,
      manual.volid,
      { name: 'phoenix-copy' },
      ADMIN,
    );
    const crashes = await runThroughCrashes(jobId);
    expect(crashes).toEqual(PLANS.copy.map((s) => s.name));
    expect((await stack.waitForJob(jobId)).state).toBe('succeeded');
    expect(stack.server(server.id).state).toBe('running');
    expect(stack.vmsOf(server.id)).toHaveLength(1);
    expect(stack.server(phoenix)).toMatchObject({ state: 'running', vmid: source.vmid });
    expect(stack.vmsOf(phoenix)).toHaveLength(1);
  }, 120_000);

  it('a worker killed while its clone runs is followed by no second clone', async () => {
    const options = JSON.stringify({ runner: FAST_RUNNER, lockDurationMs: 1_500, stalledIntervalMs: 500 });
    const clonesBefore = stack.sim.state.tasks.filter((t) => t.type === 'qmclone').length;
    const first = spawnNode([...entryArgs('crash-worker'), options], stack.env);
    children.push(first);
    const { server, jobId } = await stack.service.create(createRequest('midclone'), ADMIN);
    const vmid = stack.server(server.id).vmid!;
    await until(
      () => stack.sim.state.vms.some((vm) => vm.vmid === vmid && vm.config.lock === 'clone'),
      'the clone to start',
    );
    first.process.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const second = spawnNode([...entryArgs('crash-worker'), options], stack.env);
    children.push(second);
    try {
      const job = await stack.waitForJob(jobId, 60_000);
      expect(job.state).toBe('succeeded');
      expect(stack.vmsOf(server.id)).toHaveLength(1);
      expect(stack.sim.state.tasks.filter((t) => t.type === 'qmclone')).toHaveLength(clonesBefore + 1);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  }, 90_000);

  it('`main.ts worker` runs jobs and stops on SIGTERM', async () => {
    const child = spawnNode([...entryArgs('api'), 'worker'], stack.env);
    children.push(child);
    try {
      const { server, jobId } = await stack.service.create(createRequest('mainline'), ADMIN);
      const job = await stack.waitForJob(jobId, 60_000);
      expect(job.state).toBe('succeeded');
      expect(stack.vmsOf(server.id)).toHaveLength(1);
    } finally {
      child.process.kill('SIGTERM');
    }
    expect(await child.exited).toBe(0);
  }, 90_000);
});
