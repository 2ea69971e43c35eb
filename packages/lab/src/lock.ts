import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@guildserver/timing';
import { processAlive } from './process-alive.js';

export interface LockOptions {
  /** Give up after this long (default 15 min). */
  timeoutMs?: number;
  /** Called once when the lock is held by another live process and we start waiting. */
  onWait?: (holderPid: number) => void;
}

/**
 * A lock between processes: a directory made with mkdir (atomic) holding the owner's pid. A lock whose owner
 * died is taken over, so a crashed run never blocks the next one.
 */
export async function acquireDirLock(lock: string, options: LockOptions = {}): Promise<() => void> {
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      // Only while it is still ours: a lock taken over after we were presumed dead belongs to someone else.
      return () => {
        if (readOrEmpty(join(lock, 'pid')) === String(process.pid))
          rmSync(lock, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readOrEmpty(join(lock, 'pid')));
    if (holder === process.pid) throw new Error(`${lock} is already held by this process`);
    if (holder && !processAlive(holder)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (holder && !announced) {
      options.onWait?.(holder);
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${Math.round(timeoutMs / 1000)} s for ${lock} (held by pid ${holder || '?'})`);
    }
    await sleep(500);
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
