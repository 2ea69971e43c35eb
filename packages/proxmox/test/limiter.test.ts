import { describe, expect, it } from 'vitest';
import { createLimiter } from '../src/index';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createLimiter', () => {
  it('caps concurrency per storage across nodes', async () => {
    const limiter = createLimiter({ perNode: 10, perStorage: 2 });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      limiter.run({ node: i === 2 ? 'pve2' : 'pve', storage: 'local-lvm' }, async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(limiter.stats()).toEqual({ running: 2, waiting: 1 });
    gates[0]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.resolve();
    gates[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(limiter.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('caps concurrency per node, and lets work on a free key pass a blocked one', async () => {
    const limiter = createLimiter({ perNode: 1, perStorage: 5 });
    const gate = deferred();
    const started: string[] = [];
    const first = limiter.run({ node: 'pve', storage: 'a' }, async () => {
      started.push('pve-1');
      await gate.promise;
    });
    const second = limiter.run({ node: 'pve', storage: 'b' }, async () => {
      started.push('pve-2');
    });
    const other = limiter.run({ node: 'pve2' }, async () => {
      started.push('pve2');
    });
    await tick();
    expect(started).toEqual(['pve-1', 'pve2']);
    gate.resolve();
    await Promise.all([first, second, other]);
    expect(started).toEqual(['pve-1', 'pve2', 'pve-2']);
  });

  it('releases the slot when the operation throws', async () => {
    const limiter = createLimiter({ perNode: 1 });
    await expect(limiter.run({ node: 'pve' }, async () => Promise.reject(new Error('nope')))).rejects.toThrow(
      'nope',
    );
    await expect(limiter.run({ node: 'pve' }, async () => 'ok')).resolves.toBe('ok');
  });
});
