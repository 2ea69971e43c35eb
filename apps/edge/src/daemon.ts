// The edge daemon's loop: follow the API's forwarding table and keep `inet guildserver` equal to it. On start it
// reads the table and replaces whatever is in force with it; then on every newer generation the API announces
// (a burst read once, as its newest) and at least every EDGE_RESYNC_SECONDS it reads the table again, applies it
// when its definition changed (never two applies at once), and reports what is in force. The table in force is
// never dropped: the API away, nft refusing, a wrong token — the last good table keeps forwarding. Everything it
// touches (the API, nft, routes, local listeners, the clock) is injected, so the loop is tested without either.
// Sleeping servers' ports are held in userspace by the asleep holder, synced with every read of the table.
import { ApiError, ApiUnreachableError } from '@guildserver/api-client';
import type {
  AsleepEntry,
  EdgeGeneration,
  EdgeMode,
  EdgeReport,
  EdgeSnat,
  EdgeStatus,
  ForwardingEntry,
  ForwardingTable,
  RefusedForward,
  WakeAnswer,
  WakeRequest,
} from '@guildserver/contracts';
import { type BackoffOptions, backoffDelay, pause } from '@guildserver/timing';
import type { AsleepHolder, JoinAttempt } from './asleep/holder.js';
import { type ClosedPort, closedPorts, type ForgetOutcome } from './conntrack.js';
import { ownersOf, type PortTotal, PortTotals, trafficByServer } from './counters.js';
import { hostExternalProblem } from './host-external.js';
import type { EdgeMetrics } from './metrics.js';
import { NftError, type PortCount } from './nft.js';
import { buildRuleset, definitionOf, portKey, type Ruleset } from './ruleset.js';
import { decideSnat, type RouteView } from './snat.js';

/** The calls of the API client the edge makes (createApiClient's, or a test's fake). */
export interface EdgeApi {
  forwardingTable(): Promise<ForwardingTable>;
  reportEdge(report: EdgeReport): Promise<EdgeStatus>;
  /** A player's join attempt at a sleeping server's port: the API wakes it (rate-limited). */
  wakeForJoin(request: WakeRequest): Promise<WakeAnswer>;
  followEdgeGenerations(options: {
    after?: number;
    signal: AbortSignal;
    retryRefusals?: boolean;
    onGeneration(message: EdgeGeneration): void;
    onConnection?(state: 'open' | 'lost'): void;
    onRetry?(error: unknown, delayMs: number): void;
  }): Promise<'aborted' | 'unsupported'>;
}

/** What the edge does to and learns from its host (real: nft.ts, snat.ts, listeners.ts; tests: fakes). */
export interface EdgeSystem {
  /** Replaces the table (nft -c, then nft -f), or throws NftError and changes nothing. */
  apply(text: string): Promise<void>;
  /** The counters of the table in force; undefined when there is no table. */
  readCounters(): Promise<PortCount[] | undefined>;
  /** How the edge reaches these VM addresses (EDGE_SNAT=auto). */
  routes(addresses: readonly string[]): Promise<RouteView>;
  /** `tcp/22`-style keys of the ports services on the edge host listen on. */
  listeners(): Promise<ReadonlySet<string>>;
  /** Forgets the flows the kernel already translated to these closed ports (conntrack). */
  forgetFlows(closed: readonly ClosedPort[]): Promise<ForgetOutcome>;
  /** The addresses a host name resolves to (HOST_EXTERNAL's check). */
  resolveHost(name: string): Promise<string[]>;
}

/** pino's shape, so the daemon logs JSON in production and tests collect the lines. */
export interface EdgeLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface EdgeDaemonOptions {
  name: string;
  mode: EdgeMode;
  snat: EdgeSnat;
  /** For sentences: where the API is. */
  apiUrl: string;
  resyncMs: number;
  api: EdgeApi;
  system: EdgeSystem;
  log: EdgeLog;
  metrics?: EdgeMetrics;
  /** Waits `ms` or until the signal aborts (never rejects); tests make time pass faster. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** After a generation arrives, wait this long for the rest of a burst before reading (default 50 ms). */
  coalesceMs?: number;
  /**
   * Never start reads closer together than this (default 250 ms): every change of the API (each step of a job)
   * is a generation, and a read and a report are two requests against the token's rate limit.
   */
  minReadIntervalMs?: number;
  now?: () => number;
  /** Retries while the API is away (default 1 s doubling to 30 s, or to resyncMs when shorter). */
  backoff?: BackoffOptions;
  /**
   * Makes the holder of sleeping servers' ports (asleep/holder.ts, or a test's fake), given the daemon's handler
   * of join attempts (which asks the API to wake the server). Absent: those ports are not answered.
   */
  asleep?: (onJoin: (attempt: JoinAttempt) => void) => AsleepHolder;
}

/** Why the daemon stopped on its own: a wrong token. The table in force stays. */
export class EdgeFatalError extends Error {
  override name = 'EdgeFatalError';
}

/** The table now in force (or, in dry mode, the one that would be). */
interface InForce {
  generation: number;
  definition: string;
  text: string;
  forwarded: ForwardingEntry[];
}

export interface EdgeView {
  /** The newest table read, as nft text (what `dry` mode shows). */
  ruleset?: Ruleset;
  appliedGeneration: number | null;
  forwarded: number;
  problem: string | null;
  /** Applies made by this daemon (nft -f), for tests and logs. */
  applies: number;
  reads: number;
  lastReport?: EdgeReport;
}

const TOKEN_ADVICE = 'make one with `gs token create --name edge --scope edge` and set EDGE_API_TOKEN to it';
const MAX_REFUSED = 10_000;
/** Servers whose traffic one report carries at most (the schema's limit). */
const MAX_TRAFFIC = 10_000;
const MAX_PROBLEM = 1_000;
/** DNS answers change rarely: HOST_EXTERNAL is looked up again after this long. */
const HOST_CHECK_MS = 5 * 60_000;

export interface EdgeDaemon {
  /** Runs until `signal` aborts (resolves; the table stays in force) or a wrong token (rejects EdgeFatalError). */
  run(signal: AbortSignal): Promise<void>;
  view(): EdgeView;
  /** Per (server, protocol, port): what players sent since the daemon started; empty in dry mode. */
  portTotals(): Promise<PortTotal[]>;
}

export function createEdgeDaemon(options: EdgeDaemonOptions): EdgeDaemon {
  const { api, system, log, metrics, mode } = options;
  const sleep = options.sleep ?? pause;
  const random = options.random ?? Math.random;
  const coalesceMs = options.coalesceMs ?? 50;
  const minReadIntervalMs = options.minReadIntervalMs ?? 250;
  const now = options.now ?? Date.now;
  const backoff = options.backoff ?? { baseDelayMs: 1_000, maxDelayMs: Math.min(30_000, options.resyncMs) };
  const totals = new PortTotals();
  const holder = options.asleep?.(wakeForJoin);

  let inForce: InForce | undefined;
  let lastRuleset: Ruleset | undefined;
  let lastRead = -1;
  let problem: string | null = null;
  let applies = 0;
  let reads = 0;
  let lastReport: EdgeReport | undefined;
  let away = false;
  let reportsUnsupported = false;
  /** Per VM: the SNAT decision last logged, so each is logged once (and again when it changes). */
  const snatLogged = new Map<string, boolean>();
  let loggedProblem: string | null = null;

  // Applies and counter reads never overlap: a scrape between reading the old counters and applying the new
  // table would count them twice.
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const result = lock.then(task);
    lock = result.catch(() => undefined);
    return result;
  };

  function apiSentence(error: unknown): string {
    if (error instanceof ApiError) return error.message;
    return `Cannot reach the GuildServer API at ${options.apiUrl} (API_URL): ${(error as Error).message}.`;
  }

  /** A refusal of the token ends the daemon; anything else is the API being away for now. */
  function classify(error: unknown): 'fatal' | 'away' | 'unsupported' {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return 'fatal';
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return 'unsupported';
    return 'away';
  }

  function fatalOf(error: unknown): EdgeFatalError {
    const status = (error as ApiError).status;
    if (status === 403) {
      return new EdgeFatalError(
        `EDGE_API_TOKEN is not an edge token (the API at ${options.apiUrl} answered 403: ${(error as Error).message.replace(/\.$/, '')}); ${TOKEN_ADVICE}.`,
      );
    }
    return new EdgeFatalError(
      `EDGE_API_TOKEN is not a token the API at ${options.apiUrl} knows (401: it is wrong or revoked); ${TOKEN_ADVICE}.`,
    );
  }

  function wentAway(error: unknown): void {
    if (!away) {
      log.warn(
        { error: errorFields(error) },
        `${apiSentence(error).replace(/\.$/, '')}; the table in force keeps forwarding, and the edge tries again with back-off.`,
      );
    }
    away = true;
    metrics?.healthy.set(0);
  }

  function wakeForJoin(attempt: JoinAttempt): void {
    const { serverName, ...request } = attempt;
    const fields = { serverId: request.serverId, server: serverName, source: request.source };
    const who = `Someone is joining ${serverName} from ${request.source}`;
    api.wakeForJoin(request).then(
      (answer) => {
        if (answer.outcome === 'waking') log.info({ ...fields, jobId: answer.jobId }, `${who}: waking it.`);
        else if (answer.outcome === 'awake') log.info(fields, `${who}: it is already awake.`);
        else {
          const reason = answer.reason ? `: ${answer.reason.replace(/\.$/, '')}` : '';
          log.info({ ...fields, reason: answer.reason }, `${who}, but the API does not wake it${reason}.`);
        }
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 429) {
          log.info(
            { ...fields, error: errorFields(error) },
            `${who}, but the API is rate-limiting wakes (429): ${error.message}`,
          );
        } else {
          log.warn(
            { ...fields, error: errorFields(error) },
            `${who}, but the edge could not ask to wake it: ${apiSentence(error)}`,
          );
        }
      },
    );
  }

  /**
   * The sleeping servers' ports, held before the host's listeners are read: a port that left `asleep` (its
   * server woke) is free by then, and the ports still held are not counted as taken by someone else.
   */
  async function holdAsleep(table: ForwardingTable, problems: string[]): Promise<void> {
    if (!holder) return;
    const forwarded = new Set(table.entries.map((e) => portKey(e.protocol, e.publishedPort)));
    // A port the table also forwards belongs to a running server: DNAT has it, never the holder.
    const asleep: AsleepEntry[] = (table.asleep ?? []).map((entry) => ({
      ...entry,
      ports: entry.ports.filter((port) => !forwarded.has(portKey(port.protocol, port.publishedPort))),
    }));
    try {
      problems.push(...(await holder.sync(asleep)).problems);
    } catch (error) {
      problems.push(
        `The edge could not hold the sleeping servers' ports (${(error as Error)?.message ?? String(error)}).`,
      );
    }
  }

  /** A problem of the host: reported in nft mode; in dry mode (nothing applied) only logged, once. */
  const hostNotes = new Set<string>();
  function hostProblem(problems: string[], sentence: string): void {
    if (mode === 'nft') problems.push(sentence);
    else if (!hostNotes.has(sentence)) {
      hostNotes.add(sentence);
      log.warn({}, sentence);
    }
  }

  async function snatOf(forwardable: readonly string[], problems: string[]): Promise<boolean | Set<string>> {
    if (options.snat === 'always') return true;
    if (options.snat === 'never') return false;
    let view: RouteView;
    try {
      view = await system.routes(forwardable);
    } catch (error) {
      hostProblem(
        problems,
        `${(error as Error).message.replace(/\.$/, '')}; every VM is masqueraded until the routes can be read.`,
      );
      return true;
    }
    const snatted = new Set<string>();
    for (const vm of forwardable) {
      const decision = decideSnat(vm, view);
      if (decision.snat) snatted.add(vm);
      if (snatLogged.get(vm) !== decision.snat) {
        snatLogged.set(vm, decision.snat);
        log.info(
          { vm, snat: decision.snat },
          `Source NAT for ${vm}: ${decision.snat ? 'yes' : 'no'}, because ${decision.why}.`,
        );
      }
    }
    return snatted;
  }

  /** Every published port's cumulative counts (applies and reads never overlap). */
  const portTotals = (): Promise<PortTotal[]> =>
    exclusive(async () =>
      totals.totals((await system.readCounters()) ?? [], ownersOf(inForce?.forwarded ?? [])),
    );

  async function applyTable(ruleset: Ruleset, generation: number): Promise<void> {
    await exclusive(async () => {
      // The counters of the table about to be replaced: they restart at 0 in the new one.
      let old: PortCount[] | undefined;
      try {
        old = await system.readCounters();
      } catch {
        old = undefined;
      }
      const started = performance.now();
      await system.apply(ruleset.text);
      metrics?.applyDuration.observe((performance.now() - started) / 1000);
      applies++;
      if (old) totals.absorb(old, ownersOf(inForce?.forwarded ?? []));
      await forgetClosed(ruleset, old);
      inForce = {
        generation,
        definition: definitionOf(ruleset.text),
        text: ruleset.text,
        forwarded: ruleset.forwarded,
      };
    });
  }

  /** HOST_EXTERNAL's check, redone when the name changes and at most every HOST_CHECK_MS otherwise. */
  let hostCheck: { name: string; at: number; problem: string | null } | undefined;
  async function hostExternalCheck(name: string): Promise<string | null> {
    if (hostCheck?.name === name && now() - hostCheck.at < HOST_CHECK_MS) return hostCheck.problem;
    const resolved = await system.resolveHost(name).catch((error: Error) => error);
    hostCheck = { name, at: now(), problem: hostExternalProblem(name, resolved) };
    return hostCheck.problem;
  }

  let conntrackMissingLogged = false;
  /**
   * After an apply: the flows already translated to a port the new table closes or re-targets would go on
   * reaching the old VM address; forget them. The ports before are the table this daemon applied, or (its first
   * apply) the counted ports of the table a previous run left.
   */
  async function forgetClosed(ruleset: Ruleset, old: PortCount[] | undefined): Promise<void> {
    const forwarded = new Set(ruleset.forwarded.map((e) => portKey(e.protocol, e.publishedPort)));
    const closed = inForce
      ? closedPorts(inForce.forwarded, ruleset.forwarded)
      : (old ?? [])
          .filter((c) => !forwarded.has(portKey(c.protocol, c.port)))
          .map((c) => ({ protocol: c.protocol, port: c.port }));
    if (closed.length === 0) return;
    try {
      const outcome = await system.forgetFlows(closed);
      if (outcome === 'missing' && !conntrackMissingLogged) {
        conntrackMissingLogged = true;
        log.warn(
          {},
          'conntrack is not installed, so flows players opened to a closed port go on until they time out; install the conntrack package.',
        );
      }
    } catch (error) {
      log.warn(
        { error: errorFields(error) },
        `Could not forget the flows to closed ports: ${(error as Error).message}`,
      );
    }
  }

  /** One read of the table, its apply when changed, and the report: 'ok', 'away' or throws EdgeFatalError. */
  async function syncOnce(): Promise<'ok' | 'away'> {
    let table: ForwardingTable;
    try {
      table = await api.forwardingTable();
    } catch (error) {
      if (classify(error) === 'fatal') throw fatalOf(error);
      wentAway(error);
      return 'away';
    }
    reads++;
    if (away) {
      log.info({ generation: table.generation }, `The API at ${options.apiUrl} answers again.`);
      away = false;
    }
    lastRead = Math.max(lastRead, table.generation);
    const problems: string[] = [];
    await holdAsleep(table, problems);

    const forwardable = [
      ...new Set(table.entries.map((e) => e.vmIpv4).filter((vm): vm is string => vm !== null)),
    ];
    const snat = await snatOf(forwardable, problems);
    let taken: ReadonlySet<string> = new Set();
    try {
      const own = holder?.ownPorts() ?? new Set<string>();
      taken = new Set([...(await system.listeners())].filter((key) => !own.has(key)));
    } catch (error) {
      hostProblem(problems, `The edge cannot read its own listening ports (${(error as Error).message}).`);
    }
    if (table.hostExternal !== undefined) {
      const wrong = await hostExternalCheck(table.hostExternal);
      if (wrong) hostProblem(problems, wrong);
    }
    const ruleset = buildRuleset(table, { snat, taken });
    lastRuleset = ruleset;
    const clashing = ruleset.refused
      .filter((r) => r.cause === 'listening')
      .map((r) => portKey(r.entry.protocol, r.entry.publishedPort));
    if (clashing.length > 0) {
      problems.push(
        `${list(clashing)} ${clashing.length === 1 ? 'is' : 'are'} published but a service on the edge host listens on ${clashing.length === 1 ? 'it' : 'them'}, so ${clashing.length === 1 ? 'it is' : 'they are'} not forwarded (DNAT would take ${clashing.length === 1 ? 'it' : 'them'} from that service): move that service, or narrow GAME_PORT_RANGE.`,
      );
    }

    const definition = definitionOf(ruleset.text);
    if (mode === 'nft' && inForce) {
      // Someone removed the table (gs edge down, a firewall reload): what the edge applied is gone.
      const present = await system.readCounters().catch(() => []);
      if (present === undefined) {
        log.warn(
          {},
          'The table inet guildserver is gone (removed by someone else); the edge applies it again.',
        );
        inForce = undefined;
      }
    }
    if (inForce && inForce.definition === definition) {
      inForce.generation = table.generation;
    } else if (mode === 'dry') {
      inForce = {
        generation: table.generation,
        definition,
        text: ruleset.text,
        forwarded: ruleset.forwarded,
      };
      log.info(
        {
          generation: table.generation,
          forwarded: ruleset.forwarded.length,
          // The table to look at (`gs edge rules` prints any size of it).
          ...(ruleset.text.length <= 64 * 1024 ? { ruleset: ruleset.text } : {}),
        },
        `Dry run: generation ${table.generation} would forward ${ruleset.forwarded.length} port(s); nftables is left alone.`,
      );
    } else {
      try {
        await applyTable(ruleset, table.generation);
        log.info(
          {
            generation: table.generation,
            forwarded: ruleset.forwarded.length,
            refused: ruleset.refused.length,
            masqueraded: ruleset.masqueraded,
          },
          `Applied generation ${table.generation}: ${ruleset.forwarded.length} port(s) forwarded.`,
        );
      } catch (error) {
        const sentence =
          error instanceof NftError
            ? error.sentence
            : `The edge could not apply the table (${(error as Error).message}); the table in force stays as it was.`;
        problems.unshift(sentence);
      }
    }

    problem = problems.length === 0 ? null : truncate(problems.join(' '), MAX_PROBLEM);
    if (problem !== loggedProblem) {
      if (problem) log.error({ generation: table.generation }, problem);
      else if (loggedProblem) log.info({ generation: table.generation }, 'The edge is healthy again.');
      loggedProblem = problem;
    }
    metrics?.appliedGeneration.set(inForce?.generation ?? -1);
    metrics?.forwardedPorts.set(inForce?.forwarded.length ?? 0);
    metrics?.healthy.set(problem === null ? 1 : 0);

    const traffic = mode === 'dry' ? undefined : await portTotals().catch(() => undefined);
    const report: EdgeReport = {
      name: options.name,
      mode,
      snat: options.snat,
      appliedGeneration: inForce?.generation ?? null,
      forwarded: inForce?.forwarded.length ?? 0,
      refused: ruleset.refused.slice(0, MAX_REFUSED).map(refusedForward),
      problem,
      ...(traffic ? { traffic: trafficByServer(traffic).slice(0, MAX_TRAFFIC) } : {}),
    };
    lastReport = report;
    if (reportsUnsupported) return 'ok';
    try {
      await api.reportEdge(report);
    } catch (error) {
      const kind = classify(error);
      if (kind === 'fatal') throw fatalOf(error);
      if (kind === 'unsupported') {
        reportsUnsupported = true;
        log.warn(
          {},
          `The API at ${options.apiUrl} takes no edge reports (PUT /v1/edge/status answered ${(error as ApiError).status}); the edge forwards, but \`gs edge status\` will not show it until the API is updated.`,
        );
        return 'ok';
      }
      wentAway(error);
      return 'away';
    }
    return 'ok';
  }

  async function run(signal: AbortSignal): Promise<void> {
    let fatal: EdgeFatalError | undefined;
    let announced = -1;
    let wake = new AbortController();
    const poke = () => wake.abort();
    const following = new AbortController();
    const stopFollowing = () => following.abort();
    signal.addEventListener('abort', stopFollowing, { once: true });

    const follower = follow(following.signal, {
      onGeneration: (generation) => {
        if (generation > announced) announced = generation;
        if (generation > lastRead) poke();
      },
      onConnection: poke,
      onFatal: (error) => {
        fatal = error;
        poke();
      },
    });

    let failures = 0;
    let readAt = Number.NEGATIVE_INFINITY;
    const spacing = () => Math.max(0, readAt + minReadIntervalMs - now());
    try {
      while (!signal.aborted && !fatal) {
        let outcome: 'ok' | 'away';
        readAt = now();
        try {
          outcome = await syncOnce();
        } catch (error) {
          if (error instanceof EdgeFatalError) {
            fatal = error;
            break;
          }
          // Nothing the loop expects: it must not end the daemon (the table in force stays), only delay it.
          log.error(
            { error: errorFields(error) },
            `The edge could not follow the table (${(error as Error)?.message ?? String(error)}); the table in force stays, and it tries again with back-off.`,
          );
          outcome = 'away';
        }
        if (signal.aborted || fatal) break;
        wake = new AbortController();
        // A generation that arrived while reading: read again at once (it will be the newest of the burst).
        if (outcome === 'ok' && announced > lastRead) {
          await sleep(Math.max(coalesceMs, spacing()), signal);
          continue;
        }
        const delay = outcome === 'ok' ? options.resyncMs : backoffDelay(failures, backoff, random);
        failures = outcome === 'ok' ? 0 : failures + 1;
        const waiting = AbortSignal.any([signal, wake.signal]);
        await sleep(delay, waiting);
        if (wake.signal.aborted && !signal.aborted) await sleep(Math.max(coalesceMs, spacing()), signal);
      }
    } finally {
      stopFollowing();
      signal.removeEventListener('abort', stopFollowing);
      await follower;
      await holder?.close();
    }
    if (fatal) {
      log.error({}, fatal.message);
      throw fatal;
    }
  }

  /** Follows the generation stream until `signal` aborts, a token refusal (fatal), or an API without one. */
  async function follow(
    signal: AbortSignal,
    on: {
      onGeneration(generation: number): void;
      onConnection(): void;
      onFatal(error: EdgeFatalError): void;
    },
  ): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const result = await api.followEdgeGenerations({
          signal,
          retryRefusals: false,
          onGeneration: (message) => {
            attempt = 0;
            on.onGeneration(message.generation);
          },
          // A lost stream is most often the API going away (or coming back): read at once, so the loop notices
          // and says so in one sentence.
          onConnection: () => on.onConnection(),
        });
        if (result === 'unsupported') {
          log.warn(
            {},
            `The API at ${options.apiUrl} has no generation stream (GET /v1/edge/stream); the edge re-reads the table every ${Math.round(options.resyncMs / 1000)} s instead.`,
          );
        }
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (classify(error) === 'fatal') {
          on.onFatal(fatalOf(error));
          return;
        }
        const delay = backoffDelay(attempt++, backoff, random);
        log.warn(
          { error: errorFields(error), delayMs: delay },
          `The API refused the generation stream (${(error as Error).message.replace(/\.$/, '')}); trying again in ${Math.ceil(delay / 1000)} s.`,
        );
        await sleep(delay, signal);
      }
    }
  }

  return {
    run,
    view: () => ({
      ...(lastRuleset ? { ruleset: lastRuleset } : {}),
      appliedGeneration: inForce?.generation ?? null,
      forwarded: inForce?.forwarded.length ?? 0,
      problem,
      applies,
      reads,
      ...(lastReport ? { lastReport } : {}),
    }),
    portTotals: () => (mode === 'dry' ? Promise.resolve([]) : portTotals()),
  };
}

function refusedForward(refused: { entry: ForwardingEntry; reason: string }): RefusedForward {
  return {
    serverId: refused.entry.serverId.slice(0, 64),
    serverName: refused.entry.serverName.slice(0, 64),
    protocol: refused.entry.protocol,
    publishedPort: refused.entry.publishedPort,
    reason: truncate(refused.reason, 500),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  const shown = items.length > 20 ? [...items.slice(0, 20), `${items.length - 20} more`] : items;
  return `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof ApiUnreachableError || error instanceof ApiError) {
    return { code: error.code, status: error.status, message: error.message };
  }
  return { message: (error as Error)?.message ?? String(error) };
}
