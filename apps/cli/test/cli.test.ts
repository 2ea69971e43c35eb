import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '@guildserver/pve-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
const MAIN = join(REPO, 'apps', 'cli', 'src', 'main.ts');

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(TSX, [MAIN, ...args], {
      cwd: REPO,
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('guildserver up (what scripts/start.sh runs)', () => {
  it('starts the simulator over TLS and walks one VM from clone to IPv4 to deletion', async () => {
    const { code, stdout, stderr } = await cli([
      'up',
      '--exit-after-demo',
      '--port',
      '0',
      '--time-scale',
      '0.02',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/simulated Proxmox VE 9\.1 cluster at https:\/\/127\.0\.0\.1:\d+\/api2\/json/);
    for (const step of [
      'Cloning template 9000',
      'Starting the VM',
      'Waiting for the guest agent',
      'Deleting the VM',
    ]) {
      expect(stdout).toContain(step);
    }
    expect(stdout).toMatch(
      /Demo finished: VM 10000 was cloned, configured, started \(IPv4 10\.\d+\.\d+\.\d+\), stopped and deleted\./,
    );
  });
});

describe('guildserver demo (against the cluster in PROXMOX_*)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: 'fast', authFailureDelayMs: 20 });
  });
  afterAll(() => sim.close());
  const env = () => ({
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    PROXMOX_VLAN_TAG: '20',
  });

  it('runs the demo on the configured cluster and leaves nothing behind', async () => {
    const { code, stdout } = await cli(['demo', '--first-vmid', '12000'], env());
    expect(code).toBe(0);
    expect(stdout).toContain('Demo finished on pve: VM 12000 reached');
    expect(sim.state.vms.map((vm) => vm.vmid)).toEqual([9000]);
  });

  it('names the wrong variable in one sentence, without a stack trace', async () => {
    const { code, stderr, stdout } = await cli(['demo'], { ...env(), PROXMOX_VLAN_TAG: '5000' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(
      'guildserver: PROXMOX_VLAN_TAG must be an integer from 1 to 4094 (got "5000").',
    );
  });

  it('says a wrong token secret is an authentication failure and never prints the secret', async () => {
    const { code, stderr } = await cli(['demo'], {
      ...env(),
      PROXMOX_TOKEN_SECRET: 'not-the-right-secret-XYZ',
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/authentication/i);
    expect(stderr).not.toContain('not-the-right-secret-XYZ');
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('says what to do when nothing answers at PROXMOX_HOST', async () => {
    const { code, stderr } = await cli(['demo'], { ...env(), PROXMOX_HOST: 'http://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/127\.0\.0\.1:1/);
  });
});

describe('guildserver demo: a misconfigured or unhealthy cluster', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: 'fast', tls: true });
  });
  afterAll(() => sim.close());
  const env = (extra: Record<string, string>) => ({
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    ...extra,
  });

  it('says the pinned fingerprint does not match and what to set', async () => {
    const wrong = sim.fingerprint!.replace(/^../, sim.fingerprint!.startsWith('00') ? '11' : '00');
    const { code, stderr } = await cli(['demo'], env({ PROXMOX_TLS_FINGERPRINT: wrong }));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/fingerprint .*did not match/);
    expect(stderr).toContain('PROXMOX_TLS_FINGERPRINT');
  });

  it('says the node is offline when it answers 595', async () => {
    sim.faults.nodeOffline('pve2');
    const { code, stderr } = await cli(
      ['demo'],
      env({ PROXMOX_NODE: 'pve2', PROXMOX_TLS_FINGERPRINT: sim.fingerprint! }),
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/pve2/);
    expect(stderr).toMatch(/offline|no route/i);
  });
});
