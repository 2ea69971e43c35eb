// Templates as PVE makes them (qemu-server's `template` handler and `destroy_vm`, pve-storage's `create_base`),
// and name/tags changes that apply at once (qemu-server's fast-plug options).
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';
import { type RawCall, rawClient, waitTask } from './support/raw-client.js';
import { returnProblems } from './support/returns.js';

let sim: RunningSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type Config = Record<string, unknown>;

describe.each(['7.4', '8.4', '9.1'] as const)('templates on PVE %s', (version) => {
  async function start(): Promise<RawCall> {
    sim = await startSimulator({ pveVersion: version, authFailureDelayMs: 10 });
    return rawClient(sim.url);
  }

  async function runTask(call: RawCall, method: string, path: string, params: Record<string, unknown> = {}) {
    const answer = await call(method, path, params);
    expect(answer.status, JSON.stringify(answer)).toBe(200);
    return { upid: answer.body.data as string, ...(await waitTask(call, answer.body.data as string)) };
  }

  async function clone(call: RawCall, newid: number, extra: Record<string, unknown> = {}): Promise<void> {
    const done = await runTask(call, 'POST', '/nodes/pve/qemu/9000/clone', {
      newid,
      name: `vm-${newid}`,
      ...extra,
    });
    expect(done.exitstatus).toBe('OK');
  }

  const config = async (call: RawCall, vmid: number, query: Record<string, unknown> = {}) =>
    (await call('GET', `/nodes/pve/qemu/${vmid}/config`, query)).body.data as Config;

  const volids = async (call: RawCall) =>
    ((await call('GET', '/nodes/pve/storage/local-lvm/content')).body.data as { volid: string }[]).map(
      (v) => v.volid,
    );

  it('converts a stopped VM in a qmtemplate task: template 1, disks renamed to base volumes, cloud-init kept', async () => {
    const call = await start();
    await clone(call, 400, { full: 1 });
    expect((await config(call, 400)).scsi0).toMatch(/^local-lvm:vm-400-disk-0,/);

    const done = await runTask(call, 'POST', '/nodes/pve/qemu/400/template');
    expect(done.upid).toMatch(/^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmtemplate:400:/);
    expect(done.exitstatus).toBe('OK');
    expect(returnProblems(version, 'POST', '/nodes/pve/qemu/400/template', done.upid)).toEqual([]);

    const after = await config(call, 400);
    expect(after.template).toBe(1);
    expect(after.lock).toBeUndefined();
    expect(after.scsi0).toBe('local-lvm:base-400-disk-0,discard=on,iothread=1,size=4G');
    expect(after.ide2).toBe('local-lvm:vm-400-cloudinit,media=cdrom');
    const volumes = await volids(call);
    expect(volumes).toContain('local-lvm:base-400-disk-0');
    expect(volumes).not.toContain('local-lvm:vm-400-disk-0');
    const listed = (await call('GET', '/nodes/pve/qemu')).body.data as Config[];
    expect(listed.find((vm) => vm.vmid === 400)).toMatchObject({ template: 1, status: 'stopped' });
    expect((await call('GET', '/nodes/pve/qemu/400/status/current')).body.data).toMatchObject({
      template: 1,
    });

    // What a template is for: it cannot start, and linked clones back onto its base volume.
    const started = await runTask(call, 'POST', '/nodes/pve/qemu/400/status/start');
    expect(started.exitstatus).toBe("you can't start a vm if it's a template");
    const linked = await runTask(call, 'POST', '/nodes/pve/qemu/400/clone', { newid: 401, name: 'from-400' });
    expect(linked.exitstatus).toBe('OK');
    expect((await config(call, 401)).scsi0).toMatch(/^local-lvm:base-400-disk-0\/vm-401-disk-0,/);
  });

  it('refuses with 500 a running VM, a locked one, one with snapshots and a template, changing nothing', async () => {
    const call = await start();
    await clone(call, 410);
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/410/status/start')).exitstatus).toBe('OK');
    const running = await call('POST', '/nodes/pve/qemu/410/template');
    expect(running.status).toBe(500);
    expect(running.reason).toBe("you can't convert a VM to template if VM is running");
    expect((await config(call, 410)).template).toBeUndefined();

    const cloning = await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 411, name: 'busy' });
    const locked = await call('POST', '/nodes/pve/qemu/411/template');
    expect(locked.status).toBe(500);
    expect(locked.reason).toBe('VM is locked (clone)');
    expect((await waitTask(call, cloning.body.data as string)).exitstatus).toBe('OK');
    expect((await config(call, 411)).template).toBeUndefined();

    expect(
      (await runTask(call, 'POST', '/nodes/pve/qemu/411/snapshot', { snapname: 'pre' })).exitstatus,
    ).toBe('OK');
    const snapshotted = await call('POST', '/nodes/pve/qemu/411/template');
    expect(snapshotted.status).toBe(500);
    expect(snapshotted.reason).toBe('unable to create template, because VM contains snapshots');

    const twice = await call('POST', '/nodes/pve/qemu/9000/template');
    expect(twice.status).toBe(500);
    expect(twice.reason).toBe("you can't convert a template to a template");
    const badDisk = await call('POST', '/nodes/pve/qemu/9000/template', { disk: 'scsi99' });
    expect(badDisk.status).toBe(400);
    expect(badDisk.body.errors?.disk).toBeDefined();
    // With `disk`, PVE accepts a template (one more drive to convert); a base volume stays as it is.
    const oneDisk = await runTask(call, 'POST', '/nodes/pve/qemu/9000/template', { disk: 'scsi0' });
    expect(oneDisk.exitstatus).toBe('OK');
    expect((await config(call, 9000)).scsi0).toMatch(/^local-lvm:base-9000-disk-0,/);
  });

  it('fails the destroy task of a template a linked clone uses, and destroys it once the clone is gone', async () => {
    const call = await start();
    await clone(call, 420, { full: 1 });
    await clone(call, 421);
    const refused = await runTask(call, 'DELETE', '/nodes/pve/qemu/9000');
    expect(refused.upid).toMatch(/:qmdestroy:9000:/);
    expect(refused.exitstatus).toBe(
      "base volume 'local-lvm:base-9000-disk-0' is still in use by linked cloned",
    );
    expect((await config(call, 9000)).scsi0).toMatch(/^local-lvm:base-9000-disk-0,/);
    expect(await volids(call)).toContain('local-lvm:base-9000-disk-0');

    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/421')).exitstatus).toBe('OK');
    // The full clone (420) has its own disk: it does not hold the template.
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/9000')).exitstatus).toBe('OK');
    const gone = await call('GET', '/nodes/pve/qemu/9000/config');
    expect(gone.status).toBe(500);
    expect(gone.reason).toBe("Configuration file 'nodes/pve/qemu-server/9000.conf' does not exist");
    expect(await volids(call)).not.toContain('local-lvm:base-9000-disk-0');
    expect((await config(call, 420)).scsi0).toMatch(/^local-lvm:vm-420-disk-0,/);
  });

  it('holds a converted template while a linked clone of it exists', async () => {
    const call = await start();
    await clone(call, 430, { full: 1 });
    expect((await runTask(call, 'POST', '/nodes/pve/qemu/430/template')).exitstatus).toBe('OK');
    const linked = await runTask(call, 'POST', '/nodes/pve/qemu/430/clone', { newid: 431, name: 'child' });
    expect(linked.exitstatus).toBe('OK');
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/430')).exitstatus).toBe(
      "base volume 'local-lvm:base-430-disk-0' is still in use by linked cloned",
    );
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/431')).exitstatus).toBe('OK');
    expect((await runTask(call, 'DELETE', '/nodes/pve/qemu/430')).exitstatus).toBe('OK');
  });
});

describe.each(['7.4', '8.4', '9.1'] as const)('name and tags on PVE %s', (version) => {
  it('apply at once on a stopped and on a running VM, through POST and PUT, never pending', async () => {
    sim = await startSimulator({ pveVersion: version, authFailureDelayMs: 10 });
    const call = rawClient(sim.url);
    const task = async (method: string, path: string, params: Record<string, unknown> = {}) => {
      const answer = await call(method, path, params);
      expect(answer.status, JSON.stringify(answer)).toBe(200);
      return waitTask(call, answer.body.data as string);
    };
    const current = async () =>
      (await call('GET', '/nodes/pve/qemu/440/config', { current: 1 })).body.data as Config;
    const pendingOf = async (key: string) =>
      ((await call('GET', '/nodes/pve/qemu/440/pending')).body.data as Config[]).find((p) => p.key === key);
    const listed = async () =>
      ((await call('GET', '/nodes/pve/qemu')).body.data as Config[]).find((vm) => vm.vmid === 440);

    expect((await task('POST', '/nodes/pve/qemu/9000/clone', { newid: 440, name: 'first' })).exitstatus).toBe(
      'OK',
    );
    // Stopped: PUT, then POST (a qmconfig task).
    expect(
      (await call('PUT', '/nodes/pve/qemu/440/config', { name: 'stopped-put', tags: 'b;a' })).status,
    ).toBe(200);
    expect(await current()).toMatchObject({ name: 'stopped-put', tags: 'a;b' });
    expect(
      (await task('POST', '/nodes/pve/qemu/440/config', { name: 'stopped-post', tags: 'c' })).exitstatus,
    ).toBe('OK');
    expect(await current()).toMatchObject({ name: 'stopped-post', tags: 'c' });

    expect((await task('POST', '/nodes/pve/qemu/440/status/start')).exitstatus).toBe('OK');
    // Running: both apply to the running config at once (cores, by contrast, waits for the next start).
    expect(
      (
        await task('POST', '/nodes/pve/qemu/440/config', {
          name: 'running-post',
          tags: 'Guild;gs-1',
          cores: 4,
        })
      ).exitstatus,
    ).toBe('OK');
    expect(await current()).toMatchObject({ name: 'running-post', tags: 'gs-1;guild', cores: 2 });
    expect(await pendingOf('name')).toEqual({ key: 'name', value: 'running-post' });
    expect(await pendingOf('tags')).toEqual({ key: 'tags', value: 'gs-1;guild' });
    expect(await pendingOf('cores')).toEqual({ key: 'cores', value: 2, pending: 4 });
    const put = await call('PUT', '/nodes/pve/qemu/440/config', { name: 'running-put', tags: 'x,y,x' });
    expect(put.status).toBe(200);
    expect(await current()).toMatchObject({ name: 'running-put', tags: 'x;y' });
    expect(await listed()).toMatchObject({ name: 'running-put', tags: 'x;y', status: 'running' });
    // Removing tags on a running VM is immediate too.
    expect((await call('PUT', '/nodes/pve/qemu/440/config', { delete: 'tags' })).status).toBe(200);
    expect((await current()).tags).toBeUndefined();
    expect(await pendingOf('tags')).toBeUndefined();
  });
});
