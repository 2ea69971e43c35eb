import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/index.js';
import { type RawCall, rawClient, waitTask } from './support/raw-client.js';

const UPID = /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:root@pam!guildserver:$/;

describe.each(['7.4', '8.4', '9.1'] as const)('PVE %s wire format', (version) => {
  let sim: RunningSimulator;
  let call: RawCall;
  beforeAll(async () => {
    sim = await startSimulator({ pveVersion: version, authFailureDelayMs: 10 });
    call = rawClient(sim.url);
  });
  afterAll(() => sim.close());

  it('answers a schema violation with 400 and the per-parameter errors, worded as PVE', async () => {
    const answer = await call('POST', '/nodes/pve/qemu/9000/clone', {
      newid: 99,
      name: 'bad_name!',
      color: 'red',
    });
    expect(answer.status).toBe(400);
    expect(answer.reason).toBe('Parameter verification failed.');
    expect(answer.body.data).toBeNull();
    // PVE checks the pve-vmid format before the minimum, so 99 fails as a format error.
    expect(answer.body.errors?.newid?.trim()).toBe('invalid format - value does not look like a valid VM ID');
    expect(answer.body.errors).toMatchObject({
      color: 'property is not defined in schema and the schema does not allow additional properties',
    });
    expect(answer.body.errors?.name).toMatch(/invalid format/);
  });

  it('adds the message field to failures only from 8.3 on', async () => {
    const answer = await call('GET', '/nodes/pve/qemu/4242/config');
    expect(answer.status).toBe(500);
    expect(answer.reason).toBe("Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist");
    if (version === '7.4') expect(answer.body).toEqual({ data: null });
    else
      expect(answer.body).toEqual({
        data: null,
        message: "Configuration file 'nodes/pve/qemu-server/4242.conf' does not exist\n",
      });
  });

  it('rejects booleans written True and accepts 0/1', async () => {
    const bad = await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 150, full: 'True' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.full).toBe("type check ('boolean') failed - got 'True'");
  });

  it('answers an unknown path with 501 not implemented', async () => {
    const answer = await call('GET', '/nodes/pve/qemu/9000/nonsense');
    expect(answer.status).toBe(501);
    expect(answer.reason).toBe("Method 'GET /nodes/pve/qemu/9000/nonsense' not implemented");
  });

  it('runs a clone as a task with a real-format UPID, status and a log ending in TASK OK', async () => {
    const answer = await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 120, name: 'gs-wire' });
    expect(answer.status).toBe(200);
    const upid = answer.body.data as string;
    expect(upid).toMatch(UPID);
    const running = await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/status`);
    expect(running.body.data).toMatchObject({ upid, node: 'pve', type: 'qmclone', id: '9000' });
    expect(await waitTask(call, upid)).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    const log = await call('GET', `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`, {
      start: 0,
      limit: 50,
    });
    const lines = log.body.data as { n: number; t: string }[];
    expect(lines.at(-1)).toEqual({ n: lines.length, t: 'TASK OK' });
    expect(log.body.total).toBe(lines.length);
  });

  it('types config values as PVE does and masks the cloud-init password', async () => {
    await call('PUT', '/nodes/pve/qemu/120/config', { cipassword: 'hunter2', cores: 4 });
    const config = (await call('GET', '/nodes/pve/qemu/120/config')).body.data as Record<string, unknown>;
    expect(config.cipassword).toBe('**********');
    expect(config.cores).toBe(4);
    expect(config.name).toBe('gs-wire');
    expect(typeof config.digest).toBe('string');
  });
});

describe('cross-version check of our own client', () => {
  it('records a request from guildserver-proxmox that another version would reject, with the reason', async () => {
    const sim = await startSimulator({ pveVersion: '9.1', crossCheckVersions: ['7.4', '9.1'] });
    try {
      const call = rawClient(sim.url, { headers: { 'user-agent': 'guildserver-proxmox/selftest' } });
      // `memory=current=2048` is valid from 8.1 on, but 7.4 only knows an integer.
      await call('PUT', '/nodes/pve/qemu/9000/config', { memory: 'current=2048' });
      expect(sim.schemaViolations).toEqual([
        expect.objectContaining({
          version: '7.4',
          method: 'PUT',
          path: '/nodes/pve/qemu/9000/config',
          errors: { memory: expect.any(String) },
        }),
      ]);
      await rawClient(sim.url)('PUT', '/nodes/pve/qemu/9000/config', { memory: 'current=2048' });
      expect(sim.schemaViolations).toHaveLength(1);
    } finally {
      await sim.close();
    }
  });
});
