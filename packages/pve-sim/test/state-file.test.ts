import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.js';
import { rawClient, waitTask } from './support/raw-client.js';

describe('--state', () => {
  it('keeps the cluster across restarts', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'gs-sim-state-')), 'cluster.json');
    const first = await startSimulator({ statePath });
    const call = rawClient(first.url);
    const upid = (await call('POST', '/nodes/pve/qemu/9000/clone', { newid: 777, name: 'kept' })).body
      .data as string;
    await waitTask(call, upid);
    await first.close();

    const second = await startSimulator({ statePath });
    const config = (await rawClient(second.url)('GET', '/nodes/pve/qemu/777/config')).body.data as Record<
      string,
      unknown
    >;
    expect(config.name).toBe('kept');
    await second.close();
  });

  it('refuses a corrupt state file with a sentence saying what to do', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'gs-sim-state-')), 'cluster.json');
    writeFileSync(statePath, '{"nodes": [');
    await expect(startSimulator({ statePath })).rejects.toThrow(
      /is not valid JSON .*move it away or pass another --state/,
    );
  });
});
