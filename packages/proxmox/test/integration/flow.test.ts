import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIM_TOKEN, type RunningSimulator } from '@guildserver/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  AuthFailedError,
  createLimiter,
  createProxmoxClient,
  decodeTags,
  LockTimeoutError,
  NodeOfflineError,
  NotFoundError,
  PermissionDeniedError,
  type ProxmoxClient,
  parseUpid,
  TaskFailedError,
  TimeoutError,
  VmLockedError,
  type VmRef,
  withLockRetry,
} from '../../src/index';
import { clientFor, FAST_WAIT, LIMITED_TOKEN, startSim, USERS, VERSIONS } from './sim-client';

const SSH_KEYS = [
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop',
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHr2pX3eTQUJb8gM1nE5p+zc2v6Jb7kX0uHqvN1c9a2b bob desk',
];
const CIPASSWORD = 'ci pass+word/42';
const TEMPLATE: VmRef = { node: 'pve', vmid: 9000 };

describe.each(VERSIONS)('against the simulator, PVE %s', (version) => {
  let sim: RunningSimulator;
  let pve: ProxmoxClient;
  let log: ReturnType<typeof clientFor>['log'];
  let nextFreeId = 200;

  /** Linked clone of the template, waited for. */
  async function cloneVm(name: string, client = pve): Promise<VmRef> {
    const newid = await client.cluster.nextId(nextFreeId++);
    const upid = await client.qemu.clone(TEMPLATE, { newid, name });
    await client.waitForTask(upid, FAST_WAIT);
    return { node: 'pve', vmid: newid };
  }

  beforeAll(async () => {
    sim = await startSim(version);
    ({ client: pve, log } = clientFor(sim));
  });

  afterAll(async () => {
    await pve?.close();
    await sim?.close();
  });

  it('reads version, nodes, cluster resources and storage', async () => {
    const info = await pve.version.get();
    expect(info.release).toBe(version);

    const nodes = await pve.nodes.list();
    expect(nodes.map((n) => n.node).sort()).toEqual(['pve', 'pve2']);
    expect(nodes.find((n) => n.node === 'pve')?.ssl_fingerprint).toBe(sim.fingerprint);

    const vms = await pve.cluster.resources('vm');
    const template = vms.find((r) => r.vmid === 9000);
    expect(template).toMatchObject({ node: 'pve', template: 1 });
    expect(vms.every((r) => r.type === 'qemu' || r.type === 'lxc')).toBe(true);

    const storages = await pve.storage.list('pve');
    expect(storages.map((s) => s.storage)).toEqual(
      expect.arrayContaining(['local-lvm', 'local', 'lvm-thick']),
    );
    const snippets = await pve.storage.list('pve', { content: 'snippets' });
    expect(snippets.map((s) => s.storage)).toEqual(['local']);
  });

  it('clone → wait → configure → start → IPv4 → stop → delete', async () => {
    const newid = await pve.cluster.nextId();
    expect(newid).toBeGreaterThanOrEqual(100);
    const vm: VmRef = { node: 'pve', vmid: await pve.cluster.nextId(nextFreeId++) };

    const cloneUpid = await pve.qemu.clone(TEMPLATE, {
      newid: vm.vmid,
      name: `gs-flow-${vm.vmid}`,
      full: false,
    });
    expect(parseUpid(cloneUpid)).toMatchObject({ node: 'pve', type: 'qmclone', id: '9000' });
    await pve.waitForTask(cloneUpid, FAST_WAIT);

    const configUpid = await pve.qemu.updateConfigAsync(vm, {
      cores: 2,
      memory: 2048,
      agent: true,
      ciuser: 'gs',
      cipassword: CIPASSWORD,
      sshkeys: SSH_KEYS,
      ipconfig0: { ip: 'dhcp' },
      net0: { bridge: 'vmbr0', tag: 10, firewall: true },
      tags: ['guildserver', `gs-${vm.vmid}`],
      description: 'integration test VM',
    });
    if (configUpid) await pve.waitForTask(configUpid, FAST_WAIT);

    const config = await pve.qemu.getConfig(vm);
    expect(config.name).toBe(`gs-flow-${vm.vmid}`);
    // PVE keeps tags sorted (the datacenter's default tag ordering).
    expect(decodeTags(config.tags)).toEqual([`gs-${vm.vmid}`, 'guildserver']);
    expect(String(config.net0)).toMatch(/^virtio=[0-9A-F:]{17},bridge=vmbr0,.*tag=10/);
    expect(config.ipconfig0).toBe('ip=dhcp');
    expect(Number(config.memory)).toBe(2048);
    expect(config.cipassword).toBe('**********');
    expect(decodeURIComponent(String(config.sshkeys))).toBe(SSH_KEYS.join('\n'));

    await pve.qemu.updateConfig(vm, { ipconfig0: { ip: '10.0.0.5/24', gw: '10.0.0.1' } });
    expect((await pve.qemu.getConfig(vm)).ipconfig0).toBe('ip=10.0.0.5/24,gw=10.0.0.1');
    await pve.qemu.updateConfig(vm, { ipconfig0: { ip: 'dhcp' } });
    await pve.qemu.regenerateCloudInit(vm);

    const resized = await pve.qemu.resize(vm, 'scsi0', '+1G');
    if (version === '7.4') {
      expect(resized).toBeNull();
    } else {
      expect(resized).not.toBeNull();
      await pve.waitForTask(resized!, FAST_WAIT);
    }

    await pve.waitForTask(await pve.power.start(vm), FAST_WAIT);
    expect((await pve.qemu.status(vm)).status).toBe('running');

    const address = await pve.waitForIpv4(vm, { intervalMs: 10, maxIntervalMs: 50, timeoutMs: 20_000 });
    expect(address.interface).toBe('eth0');
    expect(address.ip).toMatch(/^10\./);

    await pve.agent.ping(vm);
    await pve.qemu.updateConfig(vm, { cores: 4 });
    const pending = await pve.qemu.pending(vm);
    expect(pending.some((p) => p.key === 'cores')).toBe(true);

    await pve.waitForTask(await pve.power.shutdown(vm, { timeout: 30, forceStop: true }), FAST_WAIT);
    await pve.waitForTask(await pve.power.start(vm), FAST_WAIT);
    await pve.waitForTask(await pve.power.reboot(vm), FAST_WAIT);
    await pve.waitForTask(await pve.power.stop(vm), FAST_WAIT);
    expect((await pve.qemu.status(vm)).status).toBe('stopped');

    await pve.waitForTask(
      await pve.qemu.delete(vm, { purge: true, destroyUnreferencedDisks: true }),
      FAST_WAIT,
    );
    await expect(pve.qemu.status(vm)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('snapshots: create, list, rollback, delete', async () => {
    const vm = await cloneVm('gs-snap');
    await pve.waitForTask(await pve.snapshot.create(vm, 'before_update', { description: 'pre' }), FAST_WAIT);
    const names = (await pve.snapshot.list(vm)).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['before_update', 'current']));
    await pve.waitForTask(await pve.snapshot.rollback(vm, 'before_update'), FAST_WAIT);
    await pve.waitForTask(await pve.snapshot.delete(vm, 'before_update'), FAST_WAIT);
    expect((await pve.snapshot.list(vm)).map((s) => s.name)).not.toContain('before_update');
    await pve.waitForTask(await pve.qemu.delete(vm, { purge: true }), FAST_WAIT);
  });

  it('vzdump backs up to the local storage', async () => {
    const vm = await cloneVm('gs-backup');
    const upid = await pve.backup.vzdump({
      node: 'pve',
      vmid: vm.vmid,
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
    });
    expect(parseUpid(upid).type).toBe('vzdump');
    await pve.waitForTask(upid, FAST_WAIT);
    await pve.waitForTask(await pve.qemu.delete(vm, { purge: true }), FAST_WAIT);
  });

  it('a bad token is auth_failed', async () => {
    const bad = createProxmoxClient({
      baseUrl: sim.url,
      auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: 'wrong-secret-value-1234' },
      tls: { fingerprint: sim.fingerprint! },
    });
    const error = await bad.version.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFailedError);
    expect(JSON.stringify(error)).not.toContain('wrong-secret-value-1234');
    expect(String(error)).not.toContain('wrong-secret-value-1234');
    await bad.close();
  });

  it('a token without the privilege is permission_denied', async () => {
    const limited = createProxmoxClient({
      baseUrl: sim.url,
      auth: { kind: 'token', tokenId: LIMITED_TOKEN.id, secret: LIMITED_TOKEN.secret },
      tls: { fingerprint: sim.fingerprint! },
    });
    await expect(limited.nodes.list()).resolves.toBeInstanceOf(Array);
    const error = await limited.qemu.clone(TEMPLATE, { newid: 990, name: 'denied' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toMatch(/VM\.(Clone|Allocate)/);
    await limited.close();
  });

  it('an offline node is node_offline', async () => {
    sim.faults.nodeOffline('pve2');
    try {
      const error = await pve.qemu.status({ node: 'pve2', vmid: 9000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeOfflineError);
      expect((error as NodeOfflineError).status).toBe(595);
    } finally {
      sim.faults.nodeOffline('pve2', false);
    }
  });

  it('configuring a VM still being cloned is vm_locked', async () => {
    sim.faults.slowTasks(20);
    try {
      const newid = await pve.cluster.nextId(nextFreeId++);
      const upid = await pve.qemu.clone(TEMPLATE, { newid, name: 'gs-locked' });
      const error = await pve.qemu
        .updateConfig({ node: 'pve', vmid: newid }, { cores: 2 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VmLockedError);
      expect((error as VmLockedError).lock).toBe('clone');
      await pve.waitForTask(upid, FAST_WAIT);
      await pve.waitForTask(await pve.qemu.delete({ node: 'pve', vmid: newid }, { purge: true }), FAST_WAIT);
    } finally {
      sim.faults.clear();
    }
  });

  it('nextid?vmid of a taken id is already_exists', async () => {
    await expect(pve.cluster.nextId(9000)).rejects.toBeInstanceOf(AlreadyExistsError);
    const newid = await pve.cluster.nextId(nextFreeId);
    expect(newid).toBe(nextFreeId);
  });

  it('a storage lock time-out ends the clone task as lock_timeout; withLockRetry clones on retry', async () => {
    sim.faults.lockTimeouts('local-lvm', 1);
    const newid = await pve.cluster.nextId(nextFreeId++);
    const attempt = async () => {
      const upid = await pve.qemu.clone(TEMPLATE, { newid, name: 'gs-lock' });
      return pve.waitForTask(upid, FAST_WAIT);
    };
    const failed = await attempt().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LockTimeoutError);
    expect((failed as LockTimeoutError).message).toMatch(/can't lock file/);

    sim.faults.lockTimeouts('local-lvm', 1);
    const retries: number[] = [];
    await withLockRetry(attempt, { baseDelayMs: 5, maxDelayMs: 20, onRetry: (_e, n) => retries.push(n) });
    expect(retries).toEqual([1]);
    await pve.waitForTask(await pve.qemu.delete({ node: 'pve', vmid: newid }, { purge: true }), FAST_WAIT);
  });

  it('parallel clones through the limiter all succeed', async () => {
    const limiter = createLimiter({ perNode: 4, perStorage: 2 });
    const ids = await Promise.all([0, 1, 2, 3, 4].map(() => Promise.resolve(nextFreeId++)));
    await Promise.all(
      ids.map((newid) =>
        limiter.run({ node: 'pve', storage: 'local-lvm' }, () =>
          withLockRetry(
            async () =>
              pve.waitForTask(await pve.qemu.clone(TEMPLATE, { newid, name: `gs-par-${newid}` }), FAST_WAIT),
            {
              baseDelayMs: 5,
              maxDelayMs: 50,
            },
          ),
        ),
      ),
    );
    const vms = (await pve.cluster.resources('vm')).map((r) => r.vmid);
    expect(vms).toEqual(expect.arrayContaining(ids));
    for (const vmid of ids)
      await pve.waitForTask(await pve.qemu.delete({ node: 'pve', vmid }, { purge: true }), FAST_WAIT);
  });

  it('retries a read that hit a lock time-out; a clone POST that hits one is reported, not repeated', async () => {
    const lockText = "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout";
    sim.faults.failNth({
      method: 'GET',
      path: '/nodes/pve/qemu/9000/status/current',
      nth: 1,
      status: 500,
      message: lockText,
    });
    await expect(pve.qemu.status(TEMPLATE)).resolves.toMatchObject({ vmid: 9000 });

    const newid = await pve.cluster.nextId(nextFreeId++);
    sim.faults.failNth({
      method: 'POST',
      path: '/nodes/pve/qemu/9000/clone',
      nth: 1,
      status: 500,
      message: lockText,
    });
    const error = await pve.qemu.clone(TEMPLATE, { newid, name: 'gs-once' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    // Not repeated by the client: the id is still free.
    await expect(pve.cluster.nextId(newid)).resolves.toBe(newid);
    sim.faults.clear();
  });

  it('a failing task is task_failed with exit status and log', async () => {
    const vm = await cloneVm('gs-taskerr');
    sim.faults.taskError({ type: 'qmstart', message: 'start failed: QEMU exited with code 1' });
    const error = await pve.waitForTask(await pve.power.start(vm), FAST_WAIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).exitstatus).toContain('QEMU exited with code 1');
    expect((error as TaskFailedError).log.join('\n')).toContain('TASK ERROR');
    sim.faults.clear();
    // As in PVE, a start task that failed leaves the VM stopped.
    expect((await pve.qemu.status(vm)).status).toBe('stopped');
    await pve.waitForTask(await pve.qemu.delete(vm, { purge: true }), FAST_WAIT);
  });

  it('a silent guest agent ends the IP wait with timeout', async () => {
    const vm = await cloneVm('gs-silent');
    sim.faults.agentSilent(vm.vmid);
    await pve.waitForTask(await pve.power.start(vm), FAST_WAIT);
    const error = await pve.waitForIpv4(vm, { intervalMs: 10, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    sim.faults.clear();
    await pve.waitForTask(await pve.power.stop(vm), FAST_WAIT);
    await pve.waitForTask(await pve.qemu.delete(vm, { purge: true }), FAST_WAIT);
  });

  it('ticket auth and the CA file work too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sim-ca-'));
    const caFile = join(dir, 'pve-root-ca.pem');
    writeFileSync(caFile, sim.caPem!);
    const [username, password] = Object.entries(USERS)[0]!;
    const ticketed = createProxmoxClient({
      baseUrl: sim.url,
      auth: { kind: 'ticket', username, password },
      tls: { caFile },
    });
    try {
      expect((await ticketed.version.get()).release).toBe(version);
      const vm = await cloneVm('gs-ticket', ticketed);
      await ticketed.qemu.updateConfig(vm, { cores: 2 });
      await ticketed.waitForTask(await ticketed.qemu.delete(vm, { purge: true }), FAST_WAIT);
    } finally {
      await ticketed.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sent nothing any PVE version rejects, and logged no secret', async () => {
    await sim.settle();
    expect(sim.schemaViolations).toEqual([]);
    const text = log.text();
    expect(log.lines.length).toBeGreaterThan(10);
    expect(text).not.toContain(DEFAULT_SIM_TOKEN.secret);
    expect(text).not.toContain(CIPASSWORD);
    expect(text).not.toContain(encodeURIComponent(CIPASSWORD));
  });
});
