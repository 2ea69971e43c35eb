// Fault injection through the simulator: each create completes, or fails cleanly leaving no VM and no port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createRequest, type Stack, startStack, until } from './support.js';

describe('creates under faults', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ attempts: 3, backoffMs: 100 });
  });
  afterAll(() => stack?.close());

  const noLeftovers = (serverId: string) => {
    expect(stack.vmsOf(serverId)).toEqual([]);
    expect(stack.portsOf(serverId)).toBe(0);
    expect(stack.vmidsOf(serverId)).toEqual([]);
  };

  it('retries storage lock time-outs and completes', async () => {
    stack.sim.faults.lockTimeouts('local-lvm', 3);
    const { server, jobId } = await stack.service.create(createRequest('locked'), ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(stack.vmsOf(server.id)).toHaveLength(1);
    expect(
      stack.eventsOf(server.id).filter((e) => e.type === 'step.progress' && /busy/.test(e.message)).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('fails cleanly when the clone task fails', async () => {
    stack.sim.faults.taskError({ type: 'qmclone', message: 'clone failed: disk image copy error' });
    const { server, jobId } = await stack.service.create(createRequest('badclone'), ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ code: 'clone_failed', step: 'clone' });
    expect(job.error?.message).toContain('disk image copy error');
    const row = stack.server(server.id);
    expect(row).toMatchObject({
      state: 'failed',
      failureCode: 'clone_failed',
      failureStep: 'clone',
      vmid: null,
    });
    noLeftovers(server.id);
    const types = stack.eventsOf(server.id).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['step.failed', 'job.failed', 'server.state_changed']);
  });

  it('a failed create can be retried and then completes', async () => {
    stack.sim.faults.taskError({ type: 'qmclone', message: 'clone failed: transient storage error' });
    const { server, jobId } = await stack.service.create(createRequest('again'), ADMIN);
    expect((await stack.waitForJob(jobId)).state).toBe('failed');
    noLeftovers(server.id);
    const retried = await stack.service.retry(server.id, ADMIN);
    const job = await stack.waitForJob(retried.jobId);
    expect(job.state).toBe('succeeded');
    expect(stack.vmsOf(server.id)).toHaveLength(1);
    expect(stack.portsOf(server.id)).toBeGreaterThan(0);
  });

  it('fails cleanly when the guest agent never reports, removing the VM it made', async () => {
    const tight = await startStack({ worker: { runner: { networkTimeoutMs: 600, agentGraceMs: 300 } } });
    try {
      tight.sim.faults.agentSilent('*');
      const { server, jobId } = await tight.service.create(createRequest('silent'), ADMIN);
      const job = await tight.waitForJob(jobId);
      expect(job.state).toBe('failed');
      expect(job.error).toMatchObject({ code: 'network_timeout', step: 'wait_network' });
      expect(job.steps.find((s) => s.name === 'start_vm')?.state).toBe('succeeded');
      expect(tight.vmsOf(server.id)).toEqual([]);
      expect(tight.portsOf(server.id)).toBe(0);
      expect(tight.vmidsOf(server.id)).toEqual([]);
      expect(tight.sim.state.vms.map((vm) => vm.vmid)).toEqual([9000]);
    } finally {
      await tight.close();
    }
  });

  it('waits out an offline node (retried with back-off) and completes once it is back', async () => {
    stack.sim.faults.nodeOffline('pve');
    const { server, jobId } = await stack.service.create(createRequest('offline'), ADMIN);
    await until(
      () =>
        stack.eventsOf(server.id).some((e) => e.type === 'step.progress' && /Trying again/.test(e.message)),
      'a retry note',
    );
    stack.sim.faults.nodeOffline('pve', false);
    const job = await stack.waitForJob(jobId, 30_000);
    expect(job.state).toBe('succeeded');
    expect(stack.vmsOf(server.id)).toHaveLength(1);
  });

  it('fails cleanly when the node stays offline', async () => {
    const brief = await startStack({ attempts: 2, backoffMs: 50 });
    try {
      brief.sim.faults.nodeOffline('pve');
      const { server, jobId } = await brief.service.create(createRequest('gone'), ADMIN);
      const job = await brief.waitForJob(jobId, 30_000);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe('proxmox_unreachable');
      expect(brief.vmsOf(server.id)).toEqual([]);
      expect(brief.portsOf(server.id)).toBe(0);
      // /cluster/nextid still answers while the node is down, so the id could be checked and released.
      expect(brief.vmidsOf(server.id)).toEqual([]);
    } finally {
      await brief.close();
    }
  }, 60_000);

  it('recovers from a 500 in the middle of configure', async () => {
    stack.sim.faults.failNth({
      method: 'POST',
      path: /^\/nodes\/pve\/qemu\/\d+\/config$/,
      nth: 1,
      status: 500,
      message: 'internal error: pmxcfs write failed',
    });
    const { server, jobId } = await stack.service.create(createRequest('midconf'), ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    const vms = stack.vmsOf(server.id);
    expect(vms).toHaveLength(1);
    expect(vms[0]!.config.tags).toContain(`gs-${server.id}`);
    expect(
      stack.eventsOf(server.id).some((e) => e.type === 'step.progress' && /pmxcfs/.test(e.message)),
    ).toBe(true);
  });

  it('fails cleanly when configure keeps failing', async () => {
    stack.sim.faults.failNth({
      method: 'POST',
      path: /^\/nodes\/pve\/qemu\/\d+\/config$/,
      nth: 1,
      times: 10,
      status: 500,
      message: 'internal error: pmxcfs write failed',
    });
    const { server, jobId } = await stack.service.create(createRequest('confdead'), ADMIN);
    const job = await stack.waitForJob(jobId);
    stack.sim.faults.clear();
    expect(job.state).toBe('failed');
    expect(job.error?.step).toBe('configure');
    noLeftovers(server.id);
  });

  it('uses another VM id when a foreign VM holds the reserved one', async () => {
    const paused = await startStack({ worker: false });
    try {
      const { server, jobId } = await paused.service.create(createRequest('foreign'), ADMIN);
      const reserved = paused.server(server.id).vmid!;
      // Between the reservation and the worker, someone else's VM appears at that id.
      const upid = await paused.services.proxmox.qemu.clone(
        { node: 'pve', vmid: 9000 },
        { newid: reserved, name: 'someone-else' },
      );
      await paused.services.proxmox.waitForTask(upid);
      await paused.startWorker();
      const job = await paused.waitForJob(jobId);
      expect(job.state).toBe('succeeded');
      const row = paused.server(server.id);
      expect(row.vmid).not.toBe(reserved);
      expect(paused.vmidsOf(server.id)).toEqual([row.vmid]);
      expect(paused.vmsOf(server.id).map((vm) => vm.vmid)).toEqual([row.vmid]);
      // The foreign VM is untouched.
      const foreign = paused.sim.state.vms.find((vm) => vm.vmid === reserved)!;
      expect(foreign.config.name).toBe('someone-else');
      expect(foreign.config.tags).toBe('template');
      expect(
        paused
          .eventsOf(server.id)
          .some((e) => e.type === 'step.progress' && e.message.includes(`VM id ${reserved}`)),
      ).toBe(true);
    } finally {
      await paused.close();
    }
  });
});
