// The lab network's life cycle without a VM: a run that died (SIGKILL, no clean-up at all) leaves its
// namespace, veth, route, dnsmasq and a process in the namespace; the next start removes all of it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LAB_EDGE_PUBLIC_ADDRESS,
  LAB_GATEWAY,
  LAB_HOST_VETH,
  LAB_NETNS,
  LAB_NETNS_ADDRESS,
  LAB_PLAYER_NETNS,
  LAB_PLAYER_VETH,
  LAB_SUBNET,
} from '../src/addresses.js';
import { missingLabNetworkTools, startLabNetwork } from '../src/network.js';
import { processAlive } from '../src/process-alive.js';
import { run } from '../src/run.js';

const missing = await missingLabNetworkTools();
if (missing.length > 0) console.warn(`SKIPPING the lab network test: install ${missing.join(', ')}`);

const REPO = join(import.meta.dirname, '..', '..', '..');

describe.skipIf(missing.length > 0)('the lab network after a crash', () => {
  it(
    'is cleaned up by the next start, which then works',
    async () => {
      // node itself (not the tsx wrapper, which would leave its child running when killed).
      const holder = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-lab.ts')],
        {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const orphanPid = await new Promise<number>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => {
          const ready = chunk.toString().match(/ready (\d+)/);
          if (ready) resolve(Number(ready[1]));
        });
        holder.once('exit', (code) => reject(new Error(`the lab holder exited early (${code})`)));
      });
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      expect(existsSync(`/run/netns/${LAB_NETNS}`)).toBe(true);
      expect(processAlive(orphanPid)).toBe(true);

      const stale: string[] = [];
      const network = await startLabNetwork({ log: (line) => stale.push(line) });
      try {
        expect(stale.join('\n')).toMatch(/stale lab: stopping processes left in netns/);
        expect(processAlive(orphanPid)).toBe(false);
        await network.addTap('gstest0');
        expect(await network.exec(['ip', '-o', 'link', 'show', 'gstest0'])).toMatch(
          `master ${network.bridge}`,
        );
        await network.removeTap('gstest0');
        // The player namespace has a way to the edge's public address only: none to the VMs behind it.
        const routeFromPlayer = (to: string) => {
          const [ip, ...args] = network.playerCommand(['ip', '-4', 'route', 'get', to]);
          return run(ip!, args);
        };
        expect(await routeFromPlayer(LAB_EDGE_PUBLIC_ADDRESS)).toMatch(`dev ${LAB_PLAYER_VETH}`);
        await expect(routeFromPlayer(LAB_GATEWAY)).rejects.toThrow(/unreachable/i);
        // The host routes the VMs' subnet through the veth to the namespace (the VM test sends real traffic).
        expect(await run('ip', ['-4', 'route', 'get', LAB_GATEWAY])).toMatch(
          `via ${LAB_NETNS_ADDRESS} dev ${LAB_HOST_VETH}`,
        );
      } finally {
        await network.stop();
      }
      expect(existsSync(`/run/netns/${LAB_NETNS}`)).toBe(false);
      expect(existsSync(`/run/netns/${LAB_PLAYER_NETNS}`)).toBe(false);
      expect(existsSync(`/sys/class/net/${LAB_HOST_VETH}`)).toBe(false);
      expect(await run('ip', ['-4', 'route', 'show', LAB_SUBNET])).toBe('');
    },
    5 * 60_000,
  );
});
