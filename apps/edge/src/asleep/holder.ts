// The asleep holder: while a server sleeps, the edge itself listens on its published ports, answers each game's
// status query and, on a real join attempt, asks for the server to be woken. Each sync makes the held ports
// those the forwarding table's `asleep` list needs: sockets are keyed by protocol and port, so a port that moves
// to another server, or a server whose words change, keeps its socket and answers for the new target at once;
// a port the list no longer names is closed before sync resolves (the daemon then reads the host's listeners).
import type { AsleepEntry, WakeRequest } from '@guildserver/contracts';
import type { EdgeLog } from '../daemon.js';
import { holdTcp, TCP_LIMITS, type TcpLimits } from './hold-tcp.js';
import { holdUdp } from './hold-udp.js';
import { OncePerInterval, ReplyBudget } from './limits.js';
import { type HeldSocket, type HeldTarget, type PortToHold, portsToHold } from './targets.js';

/** A player's join attempt at a held port: what the API is asked to wake, and the server's name for logs. */
export interface JoinAttempt extends WakeRequest {
  serverName: string;
}

export interface AsleepSync {
  /** Ports held after the sync. */
  held: number;
  /** A sentence per port or server that cannot be answered. */
  problems: string[];
}

export interface AsleepHolder {
  sync(entries: readonly AsleepEntry[]): Promise<AsleepSync>;
  /** `tcp/25565`-style keys (portKey) of the ports held now. */
  ownPorts(): ReadonlySet<string>;
  close(): Promise<void>;
}

export interface AsleepHolderOptions {
  /** Where to listen: 0.0.0.0 on an edge, 127.0.0.1 for the local stack and tests. */
  bindAddress: string;
  /** Called at most once per server per `joinIntervalMs`; must not throw (its errors are logged). */
  onJoin(attempt: JoinAttempt): void;
  log: EdgeLog;
  now?: () => number;
  /** Default 10 s: clients resend their connect packet several times a second. */
  joinIntervalMs?: number;
  /** UDP replies per source address per second (default 20); more are dropped. */
  repliesPerSecond?: number;
  tcpLimits?: Partial<TcpLimits>;
}

/** Sources whose reply budget is remembered; the least recently seen is forgotten first. */
const MAX_SOURCES = 4_096;

interface Slot {
  target: HeldTarget;
  socket: HeldSocket;
}

export function createAsleepHolder(options: AsleepHolderOptions): AsleepHolder {
  const { bindAddress, log } = options;
  const now = options.now ?? Date.now;
  const joins = new OncePerInterval(options.joinIntervalMs ?? 10_000, now);
  const budget = new ReplyBudget(options.repliesPerSecond ?? 20, MAX_SOURCES, now);
  const tcpLimits: TcpLimits = { ...TCP_LIMITS, ...options.tcpLimits };
  const slots = new Map<string, Slot>();
  let logged = new Set<string>();
  let closed = false;

  // Syncs and the close never overlap.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.catch(() => undefined);
    return result;
  };

  function joined(target: HeldTarget, source: string, port: PortToHold, key: string): void {
    if (!joins.take(target.serverId)) return;
    const fields = { serverId: target.serverId, server: target.serverName, source, port: key };
    log.info(fields, `A player at ${source} is joining ${target.serverName} (${key}) while it sleeps.`);
    try {
      options.onJoin({
        serverId: target.serverId,
        serverName: target.serverName,
        source,
        protocol: port.protocol,
        publishedPort: port.publishedPort,
      });
    } catch (error) {
      log.warn({ ...fields, error: (error as Error).message }, `Could not ask to wake ${target.serverName}.`);
    }
  }

  async function bind(key: string, port: PortToHold): Promise<Slot> {
    const hooks = {
      target: () => slots.get(key)?.target ?? port.target,
      joined: (target: HeldTarget, source: string) => joined(target, source, port, key),
    };
    const socket =
      port.protocol === 'udp'
        ? await holdUdp(port.publishedPort, bindAddress, hooks, budget)
        : await holdTcp(port.publishedPort, bindAddress, hooks, tcpLimits);
    return { target: port.target, socket };
  }

  function bindProblem(key: string, port: PortToHold, error: NodeJS.ErrnoException): string {
    const name = port.target.serverName;
    const why =
      error.code === 'EADDRINUSE'
        ? 'something else on the edge host listens on it (EADDRINUSE)'
        : error.code === 'EACCES'
          ? 'the edge may not listen on it (EACCES: ports below 1024 need root or CAP_NET_BIND_SERVICE)'
          : error.code === 'EADDRNOTAVAIL'
            ? `${bindAddress} (EDGE_ASLEEP_ADDRESS) is not an address of the edge host (EADDRNOTAVAIL)`
            : `listening on it failed (${error.message})`;
    return `${key} of ${name}, asleep, is not answered: ${why}, so players there neither see ${name} asleep nor wake it by joining.`;
  }

  function logOnce(problems: readonly string[]): void {
    for (const problem of problems) if (!logged.has(problem)) log.warn({}, problem);
    // A problem that went away is logged again if it comes back.
    logged = new Set(problems);
  }

  async function syncNow(entries: readonly AsleepEntry[]): Promise<AsleepSync> {
    if (closed) return { held: 0, problems: [] };
    const wanted = portsToHold(entries);
    const leaving = [...slots].filter(([key]) => !wanted.ports.has(key));
    for (const [key] of leaving) slots.delete(key);
    await Promise.all(leaving.map(([, slot]) => slot.socket.close()));

    const bound = await Promise.all(
      [...wanted.ports].map(async ([key, port]): Promise<string | undefined> => {
        const slot = slots.get(key);
        if (slot) {
          slot.target = port.target;
          return undefined;
        }
        try {
          slots.set(key, await bind(key, port));
          return undefined;
        } catch (error) {
          return bindProblem(key, port, error as NodeJS.ErrnoException);
        }
      }),
    );
    const problems = [...wanted.problems, ...bound.filter((problem) => problem !== undefined)];
    logOnce(problems);
    return { held: slots.size, problems };
  }

  return {
    sync: (entries) => serial(() => syncNow(entries)),
    ownPorts: () => new Set(slots.keys()),
    close: () =>
      serial(async () => {
        closed = true;
        const all = [...slots.values()];
        slots.clear();
        await Promise.all(all.map((slot) => slot.socket.close()));
      }),
  };
}
