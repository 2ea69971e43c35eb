import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../src/api.js';
import { createSimulatedBackend, type RunningSimulator, startSimulator } from '../src/index.js';
import { type RawCall, rawClient, until, waitTask } from './support/raw-client.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<RawCall> {
  sim = await startSimulator({ authFailureDelayMs: 10, ...options });
  return rawClient(sim.url);
}

async function cloneAndWait(
  call: RawCall,
  newid: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const answer = await call('POST', '/nodes/pve/qemu/9000/clone', { newid, name: `vm-${newid}`, ...extra });
  expect(answer.status).toBe(200);
  expect((await waitTask(call, answer.body.data as string)).exitstatus).toBe('OK');
}

async function runTask(call: RawCall, method: string, path: string, params: Record<string, unknown> = {}) {
  const answer = await call(method, path, params);
  expect(answer.status, JSON.stringify(answer)).toBe(200);
  return waitTask(call, answer.body.data as string);
}

describe('clone', () => {
  it('creates the config at once, locked clone, and refuses changes until the task ends', async () => {
    const call = await start({ profile: 'fast', timeScale: 5 });
    const upid = (await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 101, name: 'locked' })).body
      .data as string;
    const config = (await call('GET', '/nodes/pve/qemu/101/config')).body.data as Record<string, unknown>;
    expect(config.lock).toBe('clone');
    const refused = await call('POST', '/nodes/pve/qemu/101/config', { cores: 4 });
    expect(refused.status).toBe(500);
    expect(refused.reason).toBe('VM is locked (clone)');
    await waitTask(call, upid);
    const done = (await call('GET', '/nodes/pve/qemu/101/config')).body.data as Record<string, unknown>;
    expect(done.lock).toBeUndefined();
    expect(done.scsi0).toMatch(/^local-lvm:base-9000-disk-0\/vm-101-disk-0,/);
    expect(done.ide2).toBe('local-lvm:vm-101-cloudinit,media=cdrom');
    expect(done.template).toBeUndefined();
    expect(done.net0).not.toBe('virtio=BC:24:11:00:23:28,bridge=vmbr0');
  });

  it('refuses an id that exists and a linked clone onto storage without linked clones', async () => {
    const call = await start();
    const taken = await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 9000 });
    expect(taken.reason).toBe("VM 9000 already exists on node 'pve'");
    const linkedWithStorage = await call('POST', '/nodes/pve/qemu/9000/clone', {
      newid: 102,
      storage: 'lvm-thick',
    });
    expect(linkedWithStorage.status).toBe(500);
    await cloneAndWait(call, 103, { full: 1, storage: 'lvm-thick' });
    const config = (await call('GET', '/nodes/pve/qemu/103/config')).body.data as Record<string, unknown>;
    expect(config.scsi0).toMatch(/^lvm-thick:vm-103-disk-0,/);
  });

  it('fails parallel clones beyond the storage lock slots with the lock time-out, leaving no VM behind', async () => {
    const call = await start({ storageLockSlots: 1 });
    const upids = await Promise.all(
      [201, 202, 203, 204].map(
        async (newid) => (await call('POST', '/nodes/pve/qemu/9000/clone', { newid })).body.data as string,
      ),
    );
    const results = await Promise.all(upids.map((upid) => waitTask(call, upid)));
    const failed = results.filter((r) => r.exitstatus !== 'OK');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.exitstatus).toBe(
      "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout",
    );
    const vms = (await call('GET', '/cluster/resources', { type: 'vm' })).body.data as { vmid: number }[];
    expect(vms.filter((vm) => vm.vmid > 200 && vm.vmid < 300)).toHaveLength(results.length - failed.length);
  });
});

describe('nextid', () => {
  it('reserves nothing and answers 400 for a taken id', async () => {
    const call = await start();
    const first = await call('GET', '/cluster/nextid');
    const second = await call('GET', '/cluster/nextid');
    expect(first.body.data).toBe('100');
    expect(second.body.data).toBe('100');
    const taken = await call('GET', '/cluster/nextid', { vmid: 9000 });
    expect(taken.status).toBe(400);
    expect(taken.body.errors).toEqual({ vmid: 'VM 9000 already exists' });
    expect((await call('GET', '/cluster/nextid', { vmid: 12345 })).body.data).toBe('12345');
  });
});

describe('power', () => {
  it('follows PVE per state: start twice fails, stop when stopped is OK, reboot when stopped is 500, delete running is 500', async () => {
    const call = await start();
    await cloneAndWait(call, 300);
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/300/status/start')).exitstatus).toBe('OK');
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/300/status/start')).exitstatus).toBe(
      'VM 300 already running',
    );
    const current = (await call('GET', '/nodes/pve/qemu/300/status/current')).body.data as Record<
      string,
      unknown
    >;
    expect(current).toMatchObject({ status: 'running', qmpstatus: 'running', agent: 1 });
    const destroy = await call('DELETE', '/nodes/pve/qemu/300');
    expect(destroy.reason).toBe('VM 300 is running - destroy failed');
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/300/status/shutdown')).exitstatus).toBe('OK');
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/300/status/stop')).exitstatus).toBe('OK');
    const reboot = await call('POST', '/nodes/pve/qemu/300/status/reboot');
    expect(reboot.status).toBe(500);
    expect(reboot.reason).toBe('VM 300 not running');
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/300', { purge: 1 })).exitstatus).toBe('OK');
    expect((await call('GET', '/nodes/pve/qemu/300/config')).status).toBe(500);
  });

  it('reset is a qmreset task that presses the machine reset (the same machine), refused with 500 when stopped', async () => {
    const resets: number[] = [];
    const reboots: number[] = [];
    const call = await start({
      backend: {
        ...createSimulatedBackend(),
        reset: async (vm) => {
          resets.push(vm.vmid);
        },
        reboot: async (vm) => {
          reboots.push(vm.vmid);
        },
      },
    });
    await cloneAndWait(call, 310);
    expect((await call('POST', '/nodes/pve/qemu/310/status/reset')).reason).toBe('VM 310 not running');
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/310/status/start')).exitstatus).toBe('OK');
    const answer = await call('POST', '/nodes/pve/qemu/310/status/reset');
    expect(answer.body.data as string).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmreset:310:/);
    expect((await waitTask(call, answer.body.data as string)).exitstatus).toBe('OK');
    expect(resets).toEqual([310]);
    expect(reboots).toEqual([]);
    expect((await call('GET', '/nodes/pve/qemu/310/status/current')).body.data).toMatchObject({
      status: 'running',
    });
  });

  it('refuses to destroy a template that linked clones still use', async () => {
    const call = await start();
    await cloneAndWait(call, 370);
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/9000')).exitstatus).toBe(
      "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned",
    );
    expect(sim!.state.vms.some((vm) => vm.vmid === 9000)).toBe(true);
  });

  it('refuses to start the template', async () => {
    const call = await start();
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/9000/status/start')).exitstatus).toBe(
      "you can't start a vm if it's a template",
    );
  });
});

describe('config', () => {
  it('keeps changes to a running VM pending until the next start, but applies hot-pluggable ones', async () => {
    const call = await start();
    await cloneAndWait(call, 310);
    await runTask(call, 'POST', '/nodes/pve/qemu/310/status/start');
    await runTask(call, 'POST', '/nodes/pve/qemu/310/config', { cores: 6, tags: 'guildserver;gs-abc' });
    const pending = (await call('GET', '/nodes/pve/qemu/310/pending')).body.data as Record<string, unknown>[];
    expect(pending.find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: 2, pending: 6 });
    // PVE sorts tags (datacenter default ordering).
    expect(pending.find((p) => p.key === 'tags')).toEqual({ key: 'tags', value: 'gs-abc;guildserver' });
    const current = (await call('GET', '/nodes/pve/qemu/310/config', { current: 1 })).body.data as Record<
      string,
      unknown
    >;
    expect(current.cores).toBe(2);
    await runTask(call, 'POST', '/nodes/pve/qemu/310/status/stop');
    await runTask(call, 'POST', '/nodes/pve/qemu/310/status/start');
    const applied = (await call('GET', '/nodes/pve/qemu/310/config', { current: 1 })).body.data as Record<
      string,
      unknown
    >;
    expect(applied.cores).toBe(6);
  });

  it('accepts double-encoded sshkeys and rejects a plus for a space', async () => {
    const call = await start();
    await cloneAndWait(call, 320);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9u gs@host';
    const good = await call('PUT', '/nodes/pve/qemu/320/config', { sshkeys: encodeURIComponent(key) });
    expect(good.status).toBe(200);
    const stored = (await call('GET', '/nodes/pve/qemu/320/config')).body.data as Record<string, unknown>;
    expect(decodeURIComponent(stored.sshkeys as string)).toBe(key);
    const bad = await call('PUT', '/nodes/pve/qemu/320/config', { sshkeys: key.replaceAll(' ', '+') });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.sshkeys).toBeDefined();
  });

  it('refuses a balloon above memory', async () => {
    const call = await start();
    await cloneAndWait(call, 330);
    const answer = await call('PUT', '/nodes/pve/qemu/330/config', { memory: 1024, balloon: 4096 });
    expect(answer.status).toBe(500);
    expect(answer.reason).toMatch(/balloon/);
  });
});

describe.each(['7.4', '9.1'] as const)('resize on %s', (version) => {
  it('grows the disk (UPID from 8.0, null before) and refuses to shrink', async () => {
    const call = await start({ pveVersion: version });
    await cloneAndWait(call, 340);
    const grow = await call('PUT', '/nodes/pve/qemu/340/resize', { disk: 'scsi0', size: '+6G' });
    expect(grow.status).toBe(200);
    if (version === '7.4') expect(grow.body.data).toBeNull();
    else expect((await waitTask(call, grow.body.data as string)).exitstatus).toBe('OK');
    const config = (await call('GET', '/nodes/pve/qemu/340/config')).body.data as Record<string, unknown>;
    expect(config.scsi0).toMatch(/size=10G/);
    const shrink = await call('PUT', '/nodes/pve/qemu/340/resize', { disk: 'scsi0', size: '2G' });
    if (version === '7.4') expect(shrink.reason).toBe('shrinking disks is not supported');
    else
      expect((await waitTask(call, shrink.body.data as string)).exitstatus).toBe(
        'shrinking disks is not supported',
      );
  });
});

describe('guest agent', () => {
  it('walks from not configured, not running, agent down and no address to a global IPv4 after lo and docker0', async () => {
    const call = await start({ timeScale: 4 });
    await cloneAndWait(call, 350);
    const path = '/nodes/pve/qemu/350/agent/network-get-interfaces';
    await call('PUT', '/nodes/pve/qemu/350/config', { agent: 0 });
    expect((await call('GET', path)).reason).toBe('No QEMU guest agent configured');
    await call('PUT', '/nodes/pve/qemu/350/config', { agent: 'enabled=1' });
    expect((await call('GET', path)).reason).toBe('VM 350 is not running');
    await runTask(call, 'POST', '/nodes/pve/qemu/350/status/start');
    expect((await call('GET', path)).reason).toBe('QEMU guest agent is not running');
    const seen = new Set<string>();
    const final = await until(async () => {
      const answer = await call('GET', path);
      if (answer.status !== 200) return undefined;
      const result = (
        answer.body.data as { result: { name: string; 'ip-addresses'?: { 'ip-address-type': string }[] }[] }
      ).result;
      const eth0 = result.find((i) => i.name === 'eth0')!;
      seen.add(
        eth0['ip-addresses'] === undefined
          ? 'none'
          : eth0['ip-addresses'].some((a) => a['ip-address-type'] === 'ipv4')
            ? 'ipv4'
            : 'link-local',
      );
      return seen.has('ipv4') ? result : undefined;
    });
    expect(seen).toEqual(new Set(['none', 'link-local', 'ipv4']));
    expect(final.map((i) => i.name)).toEqual(['lo', 'docker0', 'veth1a2b3c4', 'eth0']);
  });

  it('reports the static address from ipconfig0, and never answers when the agent is silenced', async () => {
    const call = await start();
    await cloneAndWait(call, 360);
    await call('PUT', '/nodes/pve/qemu/360/config', { ipconfig0: 'ip=192.0.2.50/24,gw=192.0.2.1' });
    await runTask(call, 'POST', '/nodes/pve/qemu/360/status/start');
    const addresses = await until(async () => {
      const answer = await call('GET', '/nodes/pve/qemu/360/agent/network-get-interfaces');
      const result = (
        answer.body.data as {
          result?: { name: string; 'ip-addresses'?: { 'ip-address': string }[] }[];
        } | null
      )?.result;
      const eth0 = result?.find((i) => i.name === 'eth0');
      return eth0?.['ip-addresses']?.some((a) => a['ip-address'].includes('.'))
        ? eth0['ip-addresses']
        : undefined;
    });
    expect(addresses[0]!['ip-address']).toBe('192.0.2.50');
    sim!.faults.agentSilent(360);
    expect((await call('GET', '/nodes/pve/qemu/360/agent/network-get-interfaces')).reason).toBe(
      'QEMU guest agent is not running',
    );
  });
});

describe('auth', () => {
  it('answers a bad token with 401 after the configured delay, and a missing one at once', async () => {
    const call = await start({ authFailureDelayMs: 300 });
    const started = Date.now();
    const answer = await call('GET', '/version', {}, { token: 'root@pam!guildserver=wrong-secret' });
    expect(answer.status).toBe(401);
    expect(answer.reason).toBe('authentication failure');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const none = await fetch(`${sim!.url}/api2/json/version`);
    expect(none.status).toBe(401);
  });

  it('checks privileges per token: a token without VM.Clone gets 403 naming the path and privilege', async () => {
    sim = await startSimulator({
      tokens: [{ id: 'gs@pve!limited', secret: 's3cret', acl: { '/vms': ['VM.Allocate', 'VM.Audit'] } }],
    });
    const call = rawClient(sim.url, { token: 'gs@pve!limited=s3cret' });
    const answer = await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 400 });
    expect(answer.status).toBe(403);
    expect(answer.reason).toBe('Permission check failed (/vms/9000, VM.Clone)');
  });

  it('gives a ticket for user and password and needs the CSRF token on writes', async () => {
    sim = await startSimulator({ users: { 'root@pam': 'pw' } });
    const login = await fetch(`${sim.url}/api2/json/access/ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=root%40pam&password=pw',
    });
    const { data } = (await login.json()) as { data: { ticket: string; CSRFPreventionToken: string } };
    const cookie = `PVEAuthCookie=${encodeURIComponent(data.ticket)}`;
    const read = await fetch(`${sim.url}/api2/json/nodes`, { headers: { cookie } });
    expect(read.status).toBe(200);
    const writeWithout = await fetch(`${sim.url}/api2/json/nodes/pve/qemu/9000/config`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'description=x',
    });
    expect(writeWithout.status).toBe(401);
    const writeWith = await fetch(`${sim.url}/api2/json/nodes/pve/qemu/9000/config`, {
      method: 'PUT',
      headers: {
        cookie,
        csrfpreventiontoken: data.CSRFPreventionToken,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'description=x',
    });
    expect(writeWith.status).toBe(200);
  });
});

describe('cluster view and faults', () => {
  it('lists nodes with fingerprints, storages and VMs, and answers 595 for an offline node', async () => {
    const call = await start();
    const nodes = (await call('GET', '/nodes')).body.data as {
      node: string;
      status: string;
      ssl_fingerprint: string;
    }[];
    expect(nodes.map((n) => n.node)).toEqual(['pve', 'pve2']);
    expect(nodes[0]!.ssl_fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const storages = (await call('GET', '/nodes/pve/storage')).body.data as {
      storage: string;
      type: string;
    }[];
    expect(storages.map((s) => `${s.storage}:${s.type}`)).toEqual([
      'local:dir',
      'local-lvm:lvmthin',
      'lvm-thick:lvm',
    ]);
    const vms = (await call('GET', '/cluster/resources', { type: 'vm' })).body.data as Record<
      string,
      unknown
    >[];
    expect(vms).toEqual([
      expect.objectContaining({ id: 'qemu/9000', vmid: 9000, node: 'pve', template: 1, status: 'stopped' }),
    ]);
    sim!.faults.nodeOffline('pve2');
    const offline = await call('GET', '/nodes/pve2/qemu');
    expect(offline.status).toBe(595);
    expect(offline.reason).toBe('No route to host');
    expect(((await call('GET', '/nodes')).body.data as { status: string }[])[1]!.status).toBe('offline');
  });

  it('slows every task down by the slow_tasks factor', async () => {
    const call = await start();
    sim!.faults.slowTasks(40);
    const started = Date.now();
    await cloneAndWait(call, 700);
    // A fast linked clone is 60 ms of simulated work; forty times that is 2.4 s (a lower bound, never flaky).
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
  });

  it('injects faults over HTTP: the nth call fails, and a task ends in error', async () => {
    const call = await start();
    const post = (body: unknown) =>
      fetch(`${sim!.url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await post({
          kind: 'fail_nth',
          method: 'GET',
          path: '/version',
          nth: 2,
          status: 500,
          message: 'boom',
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', '/version')).status).toBe(200);
    expect((await call('GET', '/version')).reason).toBe('boom');
    expect((await call('GET', '/version')).status).toBe(200);
    await post({ kind: 'task_error', type: 'qmclone', message: 'disk copy failed' });
    const upid = (await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 500 })).body.data as string;
    expect((await waitTask(call, upid)).exitstatus).toBe('disk copy failed');
    expect((await call('GET', '/nodes/pve/qemu/500/config')).status).toBe(500);
    const unknown = await post({ kind: 'meteor' });
    expect(unknown.status).toBe(400);
  });
});

describe('snapshots and backups', () => {
  it('snapshots, rolls back and deletes; vzdump locks the guest while it runs', async () => {
    const call = await start();
    await cloneAndWait(call, 600);
    expect(
      (await runTask(call, 'POST', '/nodes/pve/qemu/600/snapshot', { snapname: 'before' })).exitstatus,
    ).toBe('OK');
    await call('PUT', '/nodes/pve/qemu/600/config', { cores: 8 });
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/600/snapshot/before/rollback')).exitstatus).toBe(
      'OK',
    );
    const config = (await call('GET', '/nodes/pve/qemu/600/config')).body.data as Record<string, unknown>;
    expect(config.cores).toBe(2);
    const list = (await call('GET', '/nodes/pve/qemu/600/snapshot')).body.data as { name: string }[];
    expect(list.map((s) => s.name)).toEqual(['before', 'current']);
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/600/snapshot/before')).exitstatus).toBe('OK');

    const backup = await call('POST', '/nodes/pve/vzdump', {
      vmid: '600',
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
    });
    const during = (await call('GET', '/nodes/pve/qemu/600/config')).body.data as Record<string, unknown>;
    expect(during.lock).toBe('backup');
    expect((await waitTask(call, backup.body.data as string)).exitstatus).toBe('OK');
    expect(sim!.state.backups[0]!.volid).toMatch(/^local:backup\/vzdump-qemu-600-.*\.vma\.zst$/);
    const wrongStorage = await call('POST', '/nodes/pve/vzdump', { vmid: '600', storage: 'local-lvm' });
    expect(wrongStorage.status).toBe(500);
  });
});

describe('call counts', () => {
  it('counts answered calls by method and schema path, in-process and at /_sim/calls', async () => {
    const call = await start();
    await call('GET', '/version');
    await call('GET', '/nodes/pve/qemu/9000/config');
    await call('GET', '/nodes/pve/qemu/9000/config');
    expect(sim!.calls.get('GET /nodes/{node}/qemu/{vmid}/config')).toBe(2);
    const overHttp = (await (await fetch(`${sim!.url}/_sim/calls`)).json()) as Record<string, number>;
    expect(overHttp).toMatchObject({ 'GET /version': 1, 'GET /nodes/{node}/qemu/{vmid}/config': 2 });
  });
});
