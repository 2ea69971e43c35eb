// Boots the lab's Debian template (built by packages/lab) through the qemu backend, with QEMU's user networking,
// and asks its guest agent what PVE's API would. Skipped, with a warning, while no template has been built.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chooseAccel } from '@guildserver/lab';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentNotRunningError, type VmBackend } from '../../src/backend.js';
import type { SimVm } from '../../src/cluster/model.js';
import { templateVm } from '../../src/cluster/seed.js';
import { renameForClone } from '../../src/cluster/vm-config.js';
import { createQemuBackend } from '../../src/qemu/index.js';
import { tempDir } from './support/temp-dir.js';

interface TemplateManifest {
  disk: string;
  kernel: string;
  initrd: string;
  append: string;
}

function newestTemplate(): { manifest: TemplateManifest; path: string } | undefined {
  const root = join(
    process.env.GUILDSERVER_CACHE_DIR ?? join(homedir(), '.cache', 'guildserver'),
    'lab-template',
  );
  const candidates = existsSync(root)
    ? readdirSync(root)
        .map((entry) => join(root, entry, 'manifest.json'))
        .filter((path) => existsSync(path))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  const path = candidates[0];
  return path ? { manifest: JSON.parse(readFileSync(path, 'utf8')) as TemplateManifest, path } : undefined;
}

const template = newestTemplate();
const { accel } = chooseAccel('auto');
const BOOT_BUDGET_MS = accel === 'kvm' ? 240_000 : 900_000;

if (!template) {
  console.warn(
    '\n*** real-guest.test.ts SKIPPED: no lab template (no $GUILDSERVER_CACHE_DIR/lab-template/*/manifest.json). ' +
      'Build it with packages/lab to boot a real Debian guest through the qemu backend. ***\n',
  );
}

const log = { info: () => {}, warn: () => {} };
let backend: VmBackend | undefined;
afterAll(async () => {
  await backend?.close();
});

async function untilAgentAnswers(vm: SimVm, deadline: number): Promise<void> {
  for (;;) {
    try {
      await backend!.agent(vm, 'ping');
      return;
    } catch (error) {
      if (!(error instanceof AgentNotRunningError) || Date.now() > deadline) throw error;
    }
  }
}

interface GuestInterface {
  name: string;
  'hardware-address': string;
  'ip-addresses'?: { 'ip-address': string; prefix: number }[];
}

/** Polls network-get-interfaces until eth0 carries `address`; checks the shape PVE passes through on the way. */
async function untilEth0Has(vm: SimVm, address: string, mac: string): Promise<GuestInterface> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const interfaces = (await backend!.agent(vm, 'network-get-interfaces')) as GuestInterface[];
    expect(Array.isArray(interfaces)).toBe(true);
    const eth0 = interfaces.find((entry) => entry.name === 'eth0');
    expect(eth0?.['hardware-address']).toBe(mac);
    if (eth0?.['ip-addresses']?.some((a) => a['ip-address'] === address)) return eth0;
    if (Date.now() > deadline) throw new Error(`eth0 never got ${address}: ${JSON.stringify(eth0)}`);
    await new Promise((done) => setTimeout(done, 1_000));
  }
}

describe.skipIf(!template)(`a real Debian guest from the lab template (${accel})`, () => {
  it(
    'boots a linked clone with its seed (DHCP), reboots it onto a regenerated seed (static address), resets it',
    async () => {
      const dir = tempDir('real');
      const serialTail = () =>
        readFileSync(join(dir, 'state', 'vms', '201', 'serial.log'), 'utf8')
          .split('\n')
          .slice(-60)
          .join('\n');
      backend = createQemuBackend({
        stateDir: join(dir, 'state'),
        template: { vmid: 9000, ...template!.manifest },
        snippetsDir: join(dir, 'snippets'),
        logger: { info: (details, message) => console.log(message, details), warn: () => {} },
      });
      const source = templateVm(9000, 'pve');
      const vm: SimVm = {
        vmid: 201,
        node: 'pve',
        status: 'stopped',
        pending: {},
        pendingDelete: [],
        snapshots: [],
        config: { ...renameForClone(source.config, 201, false), name: 'guild-real', memory: '1024' },
      };
      const mac = /=([0-9A-F:]{17})/.exec(vm.config.net0!)![1]!.toLowerCase();
      await backend.cloneDisks(source, vm, false, log);
      try {
        let started = Date.now();
        await backend.start(vm, log);
        await untilAgentAnswers(vm, started + BOOT_BUDGET_MS);
        console.log(`guest agent answered ${Math.round((Date.now() - started) / 1000)} s after start`);
        await untilEth0Has(vm, '10.0.2.15', mac); // QEMU user networking's DHCP lease
        expect(await backend.agent(vm, 'get-host-name')).toEqual({ 'host-name': 'guild-real' });

        vm.config.ipconfig0 = 'ip=10.0.2.77/24,gw=10.0.2.2';
        vm.config.nameserver = '10.0.2.3';
        started = Date.now();
        await backend.reboot(vm, log);
        await untilAgentAnswers(vm, started + BOOT_BUDGET_MS);
        console.log(`rebooted; guest agent answered ${Math.round((Date.now() - started) / 1000)} s later`);
        const eth0 = await untilEth0Has(vm, '10.0.2.77', mac);
        expect(eth0['ip-addresses']).toContainEqual(
          expect.objectContaining({ 'ip-address': '10.0.2.77', prefix: 24 }),
        );

        // reset: the same QEMU process, the guest's kernel boots once more
        const pidFile = join(dir, 'state', 'vms', '201', 'qemu.pid');
        const pid = readFileSync(pidFile, 'utf8');
        const boots = () =>
          readFileSync(join(dir, 'state', 'vms', '201', 'serial.log'), 'utf8').split('Linux version').length;
        const bootsBefore = boots();
        started = Date.now();
        await backend.reset(vm);
        await new Promise((done) => setTimeout(done, 2_000));
        await untilAgentAnswers(vm, started + BOOT_BUDGET_MS);
        console.log(`reset; guest agent answered ${Math.round((Date.now() - started) / 1000)} s later`);
        expect(boots()).toBe(bootsBefore + 1);
        expect(readFileSync(pidFile, 'utf8')).toBe(pid);
      } catch (error) {
        console.error(`serial console (last 60 lines):\n${serialTail()}`);
        throw error;
      }

      expect(await backend.shutdown(vm, 120_000)).toBe(true);
      await backend.destroy(vm, log);
    },
    3 * BOOT_BUDGET_MS + 300_000,
  );
});
