// Happy paths against the simulator: create → running, then stop, start, restart and delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJob } from '../../src/domain/jobs.js';
import { PLANS } from '../../src/domain/plans.js';
import { ADMIN, createRequest, eventTrail, type Stack, startStack, TEST_SSH_KEY } from './support.js';

describe('the provisioning pipeline, happy paths', () => {
  let stack: Stack;
  let serverId: string;

  beforeAll(async () => {
    stack = await startStack({
      env: { PROXMOX_VLAN_TAG: '42', PROXMOX_CI_CUSTOM_USER_DATA: 'local:snippets/gs-user.yaml' },
    });
  });
  afterAll(() => stack?.close());

  it('creates a server: every step succeeds, the VM is tagged and configured, the IPv4 is stored', async () => {
    const { server, jobId } = await stack.service.create(createRequest('alpha'), ADMIN);
    serverId = server.id;
    const job = await stack.waitForJob(jobId);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.steps.map((s) => [s.name, s.state])).toEqual(PLANS.create.map((s) => [s.name, 'succeeded']));
    for (const step of job.steps) expect(step.detail).toBeTruthy();

    const row = stack.server(serverId);
    expect(row.state).toBe('running');
    expect(row.currentJobId).toBeNull();
    expect(row.ipv4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(row.playersOnline).toBe(0);
    expect(row.playersMax).toBe(20);

    const vms = stack.vmsOf(serverId);
    expect(vms).toHaveLength(1);
    const vm = vms[0]!;
    expect(vm.vmid).toBe(row.vmid);
    expect(vm.status).toBe('running');
    expect(vm.config.tags?.split(';').sort()).toEqual(['guildserver', `gs-${serverId}`].sort());
    expect(vm.config.name).toMatch(/^gs-[a-z0-9-]+$/);
    expect(vm.config.description).toContain(`guildserver:${serverId}`);
    expect(vm.config.description).toContain("'alpha'");
    expect(vm.config.cores).toBe('2');
    expect(vm.config.memory).toBe('4096');
    expect(vm.config.balloon).toBe('0');
    expect(vm.config.cpu).toBe('x86-64-v2-AES');
    expect(vm.config.net0).toMatch(/^virtio=[0-9A-F:]+,bridge=vmbr0,tag=42$/);
    expect(vm.config.ipconfig0).toBe('ip=dhcp');
    expect(vm.config.ciuser).toBe('gameserver');
    expect(decodeURIComponent(vm.config.sshkeys ?? '')).toBe(TEST_SSH_KEY);
    expect(vm.config.cicustom).toBe('user=local:snippets/gs-user.yaml');
    expect(vm.config.agent).toBe('1');
    expect(vm.config.onboot).toBe('1');
    expect(vm.config.scsi0).toMatch(/size=20G/);

    const trail = eventTrail(stack.eventsOf(serverId));
    const expected = [
      'server.created',
      'job.queued',
      'job.started',
      ...PLANS.create.flatMap((s) => [`step.started:${s.name}`, `step.succeeded:${s.name}`]),
      'job.succeeded',
      'server.state_changed',
    ];
    expect(trail.filter((t) => !t.startsWith('step.progress'))).toEqual(expected);
    // The simulated game runner says so.
    expect(
      stack.eventsOf(serverId).some((e) => e.type === 'step.progress' && e.message.startsWith('Simulated')),
    ).toBe(true);
  });

  it('stops the server', async () => {
    const { jobId } = await stack.service.act(serverId, 'stop', ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(job.steps.map((s) => s.name)).toEqual(PLANS.stop.map((s) => s.name));
    expect(stack.server(serverId).state).toBe('stopped');
    expect(stack.vmsOf(serverId)[0]!.status).toBe('stopped');
  });

  it('starts it again', async () => {
    const { jobId } = await stack.service.act(serverId, 'start', ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(stack.server(serverId).state).toBe('running');
    expect(stack.vmsOf(serverId)[0]!.status).toBe('running');
  });

  it('restarts it', async () => {
    const before = stack.vmsOf(serverId)[0]!.startedAt;
    const { jobId } = await stack.service.act(serverId, 'restart', ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    expect(job.steps.every((s) => s.state === 'succeeded')).toBe(true);
    expect(stack.server(serverId).state).toBe('running');
    const vm = stack.vmsOf(serverId)[0]!;
    expect(vm.status).toBe('running');
    expect(vm.startedAt).not.toBe(before);
  });

  it('deletes it: the VM is gone, ports and VM id released', async () => {
    const vmid = stack.server(serverId).vmid!;
    const { jobId } = await stack.service.remove(serverId, ADMIN);
    const job = await stack.waitForJob(jobId);
    expect(job.state).toBe('succeeded');
    const row = stack.server(serverId);
    expect(row.state).toBe('deleted');
    expect(row.deletedAt).not.toBeNull();
    expect(stack.vmsOf(serverId)).toEqual([]);
    expect(stack.sim.state.vms.some((vm) => vm.vmid === vmid)).toBe(false);
    expect(stack.portsOf(serverId)).toBe(0);
    expect(stack.vmidsOf(serverId)).toEqual([]);
    const trail = eventTrail(stack.eventsOf(serverId));
    expect(trail.slice(-3)).toEqual(['job.succeeded', 'server.state_changed', 'server.deleted']);
  });

  it('deletes a server whose VM vanished outside GuildServer', async () => {
    const { server, jobId } = await stack.service.create(createRequest('beta'), ADMIN);
    expect((await stack.waitForJob(jobId)).state).toBe('succeeded');
    // Someone removed the VM by hand.
    const vmid = stack.server(server.id).vmid!;
    stack.sim.state.vms = stack.sim.state.vms.filter((vm) => vm.vmid !== vmid);
    const started = await stack.service.act(server.id, 'stop', ADMIN);
    const stop = await stack.waitForJob(started.jobId);
    expect(stop.state).toBe('failed');
    expect(stop.error?.code).toBe('vm_missing');
    expect(stack.server(server.id).state).toBe('failed');
    const removed = await stack.service.remove(server.id, ADMIN);
    const job = await stack.waitForJob(removed.jobId);
    expect(job.state).toBe('succeeded');
    expect(job.steps[0]!.detail).toMatch(/no VM/i);
    expect(stack.server(server.id).state).toBe('deleted');
    expect(stack.portsOf(server.id)).toBe(0);
  });

  it('runs many creates at once within the node and storage limits', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stack.service.create(createRequest(`many-${i}`), ADMIN)),
    );
    const jobs = await Promise.all(created.map(({ jobId }) => stack.waitForJob(jobId, 30_000)));
    expect(jobs.map((j) => j.state)).toEqual(jobs.map(() => 'succeeded'));
    const vmids = created.map(({ server }) => stack.server(server.id).vmid);
    expect(new Set(vmids).size).toBe(10);
    for (const { server } of created) expect(stack.vmsOf(server.id)).toHaveLength(1);
  });

  it("never runs a job that is not its server's current one", async () => {
    const { server, jobId } = await stack.service.create(createRequest('guarded'), ADMIN);
    expect((await stack.waitForJob(jobId)).state).toBe('succeeded');
    // A stray job for the same server (the service would never make one while another is current).
    const stray = stack.services.db.transaction((tx) => insertJob(tx, server.id, 'stop', 'test'));
    await stack.services.queue.queue.add('run', { jobId: stray }, { jobId: stray });
    const job = await stack.waitForJob(stray);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('superseded');
    expect(stack.server(server.id).state).toBe('running');
    expect(stack.vmsOf(server.id)[0]!.status).toBe('running');
  });
});
