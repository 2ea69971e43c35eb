// Wakes whoever follows the events table (the SSE stream, the webhook dispatcher, the job metrics) when new
// events may exist. Followers always re-read SQLite after their cursor, so a wake-up is only a hint: a missed
// or spurious one costs latency, never an event. Two sources of hints: `notify()` from code in this process
// that appended events, and one shared poll of MAX(id) (cheap: the primary key) for events appended by other
// processes (workers) on the same SQLite file. The poll runs only while someone is waiting.
import type { Db } from '../db/database.js';
import { lastEventId } from '../domain/events.js';

export interface EventFeed {
  /** Wake every waiter: call after committing events in this process. */
  notify(): void;
  /**
   * Resolves when an event after `after` may exist, after `timeoutMs` at the latest, or at once when `signal`
   * is aborted. Never rejects.
   */
  wait(after: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}

interface Waiter {
  after: number;
  wake: () => void;
}

export function createEventFeed(db: Db, pollMs = 250): EventFeed {
  const waiters = new Set<Waiter>();
  let timer: NodeJS.Timeout | undefined;

  const wakeIf = (predicate: (waiter: Waiter) => boolean) => {
    for (const waiter of [...waiters]) if (predicate(waiter)) waiter.wake();
  };
  const poll = () => {
    let last: number;
    try {
      last = lastEventId(db);
    } catch {
      return; // the database closed under us (shutdown): waiters time out on their own
    }
    wakeIf((waiter) => waiter.after < last);
  };
  const startPolling = () => {
    if (timer) return;
    timer = setInterval(poll, pollMs);
    timer.unref();
  };
  const stopPollingWhenIdle = () => {
    if (waiters.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  return {
    notify: () => wakeIf(() => true),
    wait: (after, timeoutMs, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const waiter: Waiter = {
          after,
          wake: () => {
            clearTimeout(timeout);
            signal?.removeEventListener('abort', waiter.wake);
            waiters.delete(waiter);
            stopPollingWhenIdle();
            resolve();
          },
        };
        const timeout = setTimeout(waiter.wake, timeoutMs);
        timeout.unref();
        signal?.addEventListener('abort', waiter.wake, { once: true });
        waiters.add(waiter);
        startPolling();
      }),
  };
}

const feeds = new WeakMap<Db, EventFeed>();

/** One feed per database handle, shared by every follower in this process. */
export function eventFeedFor(db: Db): EventFeed {
  let feed = feeds.get(db);
  if (!feed) {
    feed = createEventFeed(db);
    feeds.set(db, feed);
  }
  return feed;
}

/** For code that appends events (after its transaction commits): followers in this process read them at once. */
export function notifyEventsAppended(db: Db): void {
  feeds.get(db)?.notify();
}
