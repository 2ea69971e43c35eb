// In-memory stand-ins for the daemon's API client and host (nft, routes, listeners), so its loop is tested
// without either: the API can be slowed, taken away, or made to refuse the token; nft can refuse a ruleset.
import { ApiError, ApiUnreachableError } from '@guildserver/api-client';
import type {
  AsleepEntry,
  EdgeReport,
  EdgeStatus,
  ForwardingEntry,
  ForwardingTable,
  WakeAnswer,
  WakeRequest,
} from '@guildserver/contracts';
import type { AsleepHolder, AsleepSync, JoinAttempt } from '../../src/asleep/holder.js';
import type { ClosedPort, ForgetOutcome } from '../../src/conntrack.js';
import type { EdgeApi, EdgeLog, EdgeSystem } from '../../src/daemon.js';
import type { PortCount } from '../../src/nft.js';
import { NftError } from '../../src/nft.js';
import { portKey } from '../../src/ruleset.js';
import type { RouteView } from '../../src/snat.js';

export const entry = (overrides: Partial<ForwardingEntry> = {}): ForwardingEntry => ({
  serverId: 'srv_survival0001',
  serverName: 'survival',
  vmIpv4: '10.0.10.5',
  protocol: 'tcp',
  publishedPort: 20_000,
  guestPort: 25565,
  ...overrides,
});

/** survival asleep, its game port published on `publishedPort` (Minecraft: Java Edition, TCP). */
export const asleepEntry = (publishedPort: number, overrides: Partial<AsleepEntry> = {}): AsleepEntry => ({
  serverId: 'srv_survival0001',
  serverName: 'survival',
  game: 'minecraft-java',
  ports: [{ purpose: 'game', index: 1, protocol: 'tcp', publishedPort }],
  status: 'survival is asleep — join to wake it (ready in about 35 s)',
  joinMessage: 'survival is waking up — join again in about 35 s',
  maxPlayers: 20,
  ...overrides,
});

export class FakeApi implements EdgeApi {
  table: ForwardingTable = { generation: 1, portRange: { first: 20_000, last: 20_999 }, entries: [] };
  reads = 0;
  reports: EdgeReport[] = [];
  down = false;
  refuse: 401 | 403 | undefined;
  /** When set, each read waits for it (to pile up generations while one is in flight). */
  gate: Promise<void> | undefined;
  private followers = new Set<(generation: number) => void>();
  streams = 0;

  /** Every wake the edge asked for, in order. */
  wakes: WakeRequest[] = [];
  /** What wakeForJoin answers, or throws. */
  wakeAnswer: WakeAnswer | Error = { outcome: 'waking', jobId: 'job_wake0001' };

  /** The API changed something: a new generation, announced on the stream. */
  change(entries: ForwardingEntry[] = this.table.entries, asleep = this.table.asleep): void {
    this.table = {
      ...this.table,
      generation: this.table.generation + 1,
      entries,
      ...(asleep ? { asleep } : {}),
    };
    for (const follower of this.followers) follower(this.table.generation);
  }

  private check(): void {
    if (this.down)
      throw new ApiUnreachableError(
        'Cannot reach the GuildServer API at http://api.test (API_URL): nothing is listening there.',
      );
    if (this.refuse === 403)
      throw new ApiError(
        'forbidden',
        'Only a token with the edge or admin scope may read the edge’s tables.',
        403,
      );
    if (this.refuse === 401) throw new ApiError('unauthorized', 'The token is not known.', 401);
  }

  async forwardingTable(): Promise<ForwardingTable> {
    this.check();
    this.reads++;
    const answer = structuredClone(this.table);
    if (this.gate) await this.gate;
    return answer;
  }

  async reportEdge(report: EdgeReport): Promise<EdgeStatus> {
    this.check();
    this.reports.push(report);
    return { generation: this.table.generation, edges: [] };
  }

  async wakeForJoin(request: WakeRequest): Promise<WakeAnswer> {
    this.wakes.push(request);
    this.check();
    if (this.wakeAnswer instanceof Error) throw this.wakeAnswer;
    return this.wakeAnswer;
  }

  async followEdgeGenerations(options: Parameters<EdgeApi['followEdgeGenerations']>[0]) {
    this.check();
    this.streams++;
    const send = (generation: number) => options.onGeneration({ generation });
    this.followers.add(send);
    send(this.table.generation);
    await new Promise<void>((resolve) =>
      options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    this.followers.delete(send);
    return 'aborted' as const;
  }

  get lastReport(): EdgeReport | undefined {
    return this.reports.at(-1);
  }
}

export class FakeHost implements EdgeSystem {
  /** Every text applied, in order; `inForce` is the last. */
  applied: string[] = [];
  refuseWith: NftError | undefined;
  counts: PortCount[] | undefined = undefined;
  view: RouteView = { routes: new Map(), defaultDevs: [] };
  listening = new Set<string>();
  active = 0;
  maxActive = 0;

  get inForce(): string | undefined {
    return this.applied.at(-1);
  }

  async apply(text: string): Promise<void> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.refuseWith) throw this.refuseWith;
      this.applied.push(text);
      this.counts = [];
    } finally {
      this.active--;
    }
  }

  async readCounters(): Promise<PortCount[] | undefined> {
    return this.counts === undefined ? undefined : structuredClone(this.counts);
  }

  /** Every forgetFlows call's ports, as `tcp/20000` keys. */
  forgotten: string[][] = [];
  conntrack: ForgetOutcome = 'forgotten';

  /** What host names resolve to here; a name not listed does not resolve (ENOTFOUND). */
  names = new Map<string, string[]>([['play.example.net', ['203.0.113.7']]]);
  lookups = 0;

  async resolveHost(name: string): Promise<string[]> {
    this.lookups++;
    const found = this.names.get(name);
    if (found) return found;
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  }

  async forgetFlows(closed: readonly ClosedPort[]): Promise<ForgetOutcome> {
    this.forgotten.push(closed.map((c) => `${c.protocol}/${c.port}`));
    return this.conntrack;
  }

  async routes(): Promise<RouteView> {
    return this.view;
  }

  async listeners(): Promise<ReadonlySet<string>> {
    return this.listening;
  }
}

/** A holder of sleeping servers' ports that binds nothing: it records what it is asked to hold. */
export class FakeHolder implements AsleepHolder {
  /** The entries of every sync, in order. */
  synced: AsleepEntry[][] = [];
  /** What each sync reports as problems. */
  problems: string[] = [];
  /** Ports it still reports as its own besides those it holds (a socket that is still closing). */
  lingering = new Set<string>();
  closed = false;
  private held = new Set<string>();
  /** The daemon's join handler, once the daemon made this holder. */
  onJoin: (attempt: JoinAttempt) => void = () => {
    throw new Error('the daemon has not made the holder');
  };

  /** The daemon's `asleep` option. */
  readonly factory = (onJoin: (attempt: JoinAttempt) => void): AsleepHolder => {
    this.onJoin = onJoin;
    return this;
  };

  async sync(entries: readonly AsleepEntry[]): Promise<AsleepSync> {
    this.synced.push(structuredClone([...entries]));
    this.held = new Set(entries.flatMap((e) => e.ports.map((p) => portKey(p.protocol, p.publishedPort))));
    return { held: this.held.size, problems: [...this.problems] };
  }

  ownPorts(): ReadonlySet<string> {
    return new Set([...this.held, ...this.lingering]);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: object;
}

export function memoryLog(): EdgeLog & { lines: LogLine[]; messages(level?: LogLine['level']): string[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: object, message: string) => {
    lines.push({ level, message, fields });
  };
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    messages: (level) => lines.filter((l) => !level || l.level === level).map((l) => l.message),
  };
}

/** Polls `check` until it holds (or throws what it last threw after `timeoutMs`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const refused = (detail: string) => new NftError('nft -c -f ruleset.nft failed', detail, 'refused');
