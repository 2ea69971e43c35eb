/**
 * Storage-wide allocation locks. PVE serialises volume allocation per storage with a lock file; parallel
 * clones queue on it and the late ones fail with `can't lock file ... - got timeout`. Here a storage
 * admits `slots` holders at once; a waiter that gets no slot within the wait time fails the same way.
 */
export class StorageLocks {
  private readonly holders = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(private readonly slots: number) {}

  async acquire(storage: string, waitMs: number): Promise<() => void> {
    if ((this.holders.get(storage) ?? 0) < this.slots) return this.take(storage);
    const granted = await new Promise<boolean>((resolve) => {
      const queue = this.waiters.get(storage) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const index = queue.indexOf(wake);
        if (index >= 0) queue.splice(index, 1);
        resolve(false);
      }, waitMs);
      queue.push(wake);
      this.waiters.set(storage, queue);
    });
    if (!granted)
      throw new Error(`can't lock file '/var/lock/pve-manager/pve-storage-${storage}' - got timeout`);
    return this.take(storage);
  }

  private take(storage: string): () => void {
    this.holders.set(storage, (this.holders.get(storage) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holders.set(storage, (this.holders.get(storage) ?? 1) - 1);
      const next = this.waiters.get(storage)?.shift();
      next?.();
    };
  }
}
