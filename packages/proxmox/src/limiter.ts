// Bounded pressure on Proxmox: parallel clones from one template contend for the storage lock, so work is
// admitted only while its node and its storage both have a free slot. Waiters start in arrival order among
// those that fit, so a busy storage does not hold back work on another one.

export interface LimiterOptions {
  /** Concurrent operations per node. Default 4. */
  perNode?: number;
  /**
   * Concurrent operations per storage. Default 2. Keyed by storage name across nodes, which is conservative
   * for node-local storages that share a name (`local-lvm` on every node) and exact for shared ones.
   */
  perStorage?: number;
}

export interface LimiterKey {
  node: string;
  storage?: string;
}

export interface Limiter {
  run<T>(key: LimiterKey, operation: () => Promise<T>): Promise<T>;
  /** Operations running and waiting, for metrics and tests. */
  stats(): { running: number; waiting: number };
}

interface Waiter {
  keys: string[];
  start: () => void;
}

export function createLimiter(options: LimiterOptions = {}): Limiter {
  const perNode = options.perNode ?? 4;
  const perStorage = options.perStorage ?? 2;
  const inUse = new Map<string, number>();
  const waiting: Waiter[] = [];
  let running = 0;

  const limitOf = (key: string) => (key.startsWith('node:') ? perNode : perStorage);
  const fits = (keys: string[]) => keys.every((key) => (inUse.get(key) ?? 0) < limitOf(key));
  const take = (keys: string[]) => {
    for (const key of keys) inUse.set(key, (inUse.get(key) ?? 0) + 1);
    running++;
  };
  const release = (keys: string[]) => {
    for (const key of keys) {
      const left = (inUse.get(key) ?? 1) - 1;
      if (left === 0) inUse.delete(key);
      else inUse.set(key, left);
    }
    running--;
    for (let i = 0; i < waiting.length; ) {
      const waiter = waiting[i]!;
      if (fits(waiter.keys)) {
        waiting.splice(i, 1);
        take(waiter.keys);
        waiter.start();
      } else {
        i++;
      }
    }
  };

  return {
    async run<T>(key: LimiterKey, operation: () => Promise<T>): Promise<T> {
      const keys = [`node:${key.node}`, ...(key.storage ? [`storage:${key.storage}`] : [])];
      // Every waiter that fits has already been started (see release), so fitting now jumps no queue.
      if (fits(keys)) {
        take(keys);
      } else {
        await new Promise<void>((start) => waiting.push({ keys, start }));
      }
      try {
        return await operation();
      } finally {
        release(keys);
      }
    },
    stats: () => ({ running, waiting: waiting.length }),
  };
}
