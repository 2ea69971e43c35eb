import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_TOKEN, type RunningSimulator, startSimulator } from '../src/index.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'proxmoxer', 'clone_flow.py');
// Debian's python3-proxmoxer installs for the system interpreter, not for a pyenv one that may come first on PATH.
const PYTHON = '/usr/bin/python3';
const KEYS =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHBsYXllcg gamer@laptop\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 ops@desk';

describe.each(['8.4', '9.1'] as const)(
  'proxmoxer (python3-proxmoxer) against the simulator in %s mode, over TLS',
  (version) => {
    let sim: RunningSimulator;
    let caFile: string;
    beforeAll(async () => {
      sim = await startSimulator({ pveVersion: version, tls: true, host: '127.0.0.1' });
      caFile = join(mkdtempSync(join(tmpdir(), 'gs-proxmoxer-')), 'pve-root-ca.pem');
      writeFileSync(caFile, sim.caPem!);
    });
    afterAll(() => sim.close());

    it('clones, configures cloud-init with sshkeys, starts, finds the IPv4, stops and deletes', async () => {
      const { stdout } = await run(PYTHON, [SCRIPT], {
        env: {
          PATH: process.env.PATH,
          PVE_HOST: '127.0.0.1',
          PVE_PORT: String(sim.port),
          PVE_CA_FILE: caFile,
          PVE_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
          PVE_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
          SSH_KEYS: KEYS,
        },
        timeout: 60_000,
      }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`proxmoxer flow failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      });
      const steps = Object.fromEntries(
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { step: string })
          .map((s) => [s.step, s as Record<string, unknown>]),
      );
      expect(steps.version?.version).toMatch(version === '9.1' ? /^9\.1/ : /^8\.4/);
      expect(steps.clone).toMatchObject({ vmid: 100, exitstatus: 'OK' });
      expect(steps.config).toMatchObject({ sshkeys: KEYS, tags: 'gs-flow;guildserver' });
      expect(steps.config?.net0).toMatch(/^virtio=BC:24:11(:[0-9A-F]{2}){3},bridge=vmbr0,tag=10$/);
      expect(steps.ipv4?.ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(steps.ipv4?.not_yet).toContain('QEMU guest agent is not running');
      expect(steps.stop).toMatchObject({ exitstatus: 'OK' });
      expect(steps.delete).toMatchObject({ exitstatus: 'OK' });
      expect(steps.resources?.vmids).toEqual([9000]);
    });
  },
);
