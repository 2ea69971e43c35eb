// The daemon's loop against an in-memory API and host: it applies the table on start, reads a burst of
// generations once, never applies an unchanged definition nor two at once, keeps the table in force while the
// API is away and reports when it is back, and stops with one sentence on a token that is not an edge token.
import { ApiError, ApiUnreachableError } from '@guildserver/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type AsleepHolder, createAsleepHolder } from '../src/asleep/holder.js';
import { createEdgeDaemon, type EdgeDaemon, EdgeFatalError } from '../src/daemon.js';
import { createEdgeMetrics } from '../src/metrics.js';
import { canBind, freePort, minecraftLogin } from './asleep/support/clients.js';
import {
  asleepEntry,
  entry,
  FakeApi,
  FakeHolder,
  FakeHost,
  memoryLog,
  refused,
  until,
} from './support/fakes.js';

const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

function start(
  overrides: Partial<Parameters<typeof createEdgeDaemon>[0]> = {},
  api = new FakeApi(),
  host = new FakeHost(),
) {
  const log = memoryLog();
  const daemon: EdgeDaemon = createEdgeDaemon({
    name: 'edge-1',
    mode: 'nft',
    snat: 'never',
    apiUrl: 'http://api.test',
    resyncMs: 60_000,
    api,
    system: host,
    log,
    coalesceMs: 5,
    minReadIntervalMs: 5,
    backoff: { baseDelayMs: 10, maxDelayMs: 40 },
    ...overrides,
  });
  const stop = new AbortController();
  stops.push(stop);
  const running = daemon.run(stop.signal);
  running.catch(() => {});
  return { daemon, api, host, log, stop, running };
}

/** What players sent to survival's two ports: 10 packets to its TCP port, 3 to its UDP one. */
const survivalCounts = () => [
  {
    protocol: 'tcp' as const,
    port: 20_000,
    serverId: 'srv_survival0001',
    serverName: 'survival',
    packets: 10,
    bytes: 1_000,
  },
  {
    protocol: 'udp' as const,
    port: 20_001,
    serverId: 'srv_survival0001',
    serverName: 'survival',
    packets: 3,
    bytes: 90,
  },
];

describe('the edge daemon', () => {
  it('applies the table on start and reports what is in force', async () => {
    const api = new FakeApi();
    api.table.entries = [entry(), entry({ protocol: 'udp', publishedPort: 20_001 })];
    const { host } = start({}, api);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    expect(host.applied).toHaveLength(1);
    expect(host.inForce).toContain('20000 : 10.0.10.5 . 25565');
    expect(api.lastReport).toEqual({
      name: 'edge-1',
      mode: 'nft',
      snat: 'never',
      appliedGeneration: 1,
      forwarded: 2,
      refused: [],
      problem: null,
      traffic: [],
    });
  });

  it('forgets the translated flows of each port a new table closes or re-targets, and only those', async () => {
    const api = new FakeApi();
    const host = new FakeHost();
    // A previous run's table forwarded udp/20005, which the API no longer lists: forgotten on the first apply.
    host.counts = [{ protocol: 'udp', port: 20_005, packets: 3, bytes: 90 }];
    api.table.entries = [entry(), entry({ protocol: 'udp', publishedPort: 20_001 })];
    start({}, api, host);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    expect(host.forgotten).toEqual([['udp/20005']]);
    // Stopped: udp/20001 closes. Re-targeted (a new VM address behind the same port): tcp/20000 too.
    api.change([entry({ vmIpv4: '10.0.10.9' })]);
    await until(() => host.applied.length === 2, 5_000, 'the second apply');
    expect(host.forgotten.at(-1)).toEqual(['tcp/20000', 'udp/20001']);
    // An unchanged forward keeps its flows.
    api.change([entry({ vmIpv4: '10.0.10.9' }), entry({ publishedPort: 20_002 })]);
    await until(() => host.applied.length === 3, 5_000, 'the third apply');
    expect(host.forgotten).toHaveLength(2);
  });

  it('without the conntrack tool it still applies, and says once what that costs', async () => {
    const api = new FakeApi();
    const host = new FakeHost();
    host.conntrack = 'missing';
    api.table.entries = [entry()];
    const { log } = start({}, api, host);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    api.change([]);
    await until(() => host.applied.length === 2, 5_000, 'the second apply');
    api.change([entry()]);
    await until(() => host.applied.length === 3, 5_000, 'the third apply');
    api.change([]);
    await until(() => host.applied.length === 4, 5_000, 'the fourth apply');
    expect(log.messages('warn').filter((m) => m.startsWith('conntrack is not installed'))).toEqual([
      'conntrack is not installed, so flows players opened to a closed port go on until they time out; install the conntrack package.',
    ]);
    expect(api.lastReport?.problem).toBeNull();
  });

  it('reports a HOST_EXTERNAL players could not use, still forwards, and looks the name up again only when it changes', async () => {
    const api = new FakeApi();
    const host = new FakeHost();
    api.table = { ...api.table, hostExternal: 'play.exmaple.net', entries: [entry()] };
    start({}, api, host);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    expect(api.lastReport?.problem).toMatch(
      /^HOST_EXTERNAL play\.exmaple\.net does not resolve \(ENOTFOUND\)/,
    );
    expect(api.lastReport?.forwarded).toBe(1);
    expect(host.inForce).toContain('20000 : 10.0.10.5 . 25565');
    api.change();
    await until(() => api.reports.length === 2, 5_000, 'the second report');
    expect(host.lookups).toBe(1);
    api.table = { ...api.table, hostExternal: 'play.example.net' };
    api.change();
    await until(() => api.lastReport?.problem === null, 5_000, 'the problem to clear');
    expect(host.lookups).toBe(2);
  });

  it('reads a burst of generations once, as its newest, and never applies two tables at once', async () => {
    const api = new FakeApi();
    const { host } = start({}, api);
    await until(() => api.reports.length === 1);
    let open!: () => void;
    api.gate = new Promise((resolve) => {
      open = resolve;
    });
    api.change([entry()]); // generation 2: its read now waits at the gate
    await until(() => api.reads === 2);
    for (let port = 20_001; port <= 20_010; port++) api.change([entry({ publishedPort: port })]);
    api.gate = undefined;
    open();
    await until(() => api.lastReport?.appliedGeneration === 12, 5_000, 'generation 12 applied');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The first read, the one in flight, and one of the newest: never one per generation.
    expect(api.reads).toBe(3);
    expect(host.applied).toHaveLength(3);
    expect(host.inForce).toContain('20010 : 10.0.10.5 . 25565');
    expect(host.maxActive).toBe(1);
  });

  it('does not touch nft when the definition did not change, but reports the newer generation', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host } = start({}, api);
    await until(() => api.reports.length === 1);
    api.change(); // same entries, a newer generation (the API changed something else)
    await until(() => api.lastReport?.appliedGeneration === 2);
    expect(host.applied).toHaveLength(1);
  });

  it('spaces reads out, however fast generations come', async () => {
    const api = new FakeApi();
    start({ minReadIntervalMs: 100 }, api);
    await until(() => api.reports.length === 1);
    const started = Date.now();
    const timer = setInterval(
      () => api.change([entry({ publishedPort: 20_000 + (api.table.generation % 100) })]),
      2,
    );
    await new Promise((resolve) => setTimeout(resolve, 450));
    clearInterval(timer);
    const reads = api.reads - 1;
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 100) + 1);
    await until(() => api.lastReport?.appliedGeneration === api.table.generation);
  });

  it('re-reads at least every resync period without any generation', async () => {
    const api = new FakeApi();
    start({ resyncMs: 20 }, api);
    await until(() => api.reads >= 4, 5_000, 'four reads');
  });

  it('keeps the table in force while the API is away, says so once, and reports when it is back', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host, log } = start({ resyncMs: 20 }, api);
    await until(() => api.reports.length === 1);
    api.down = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const away = log.messages('warn').filter((m) => m.startsWith('Cannot reach the GuildServer API'));
    expect(away).toEqual([
      'Cannot reach the GuildServer API at http://api.test (API_URL): nothing is listening there; the table in force keeps forwarding, and the edge tries again with back-off.',
    ]);
    expect(host.applied).toHaveLength(1);
    const reportsBefore = api.reports.length;
    api.table.entries = [entry({ publishedPort: 20_005 })];
    api.table.generation = 7;
    api.down = false;
    await until(() => api.reports.length > reportsBefore, 5_000, 'a report after the API is back');
    expect(log.messages('info')).toContain('The API at http://api.test answers again.');
    expect(api.lastReport).toMatchObject({ appliedGeneration: 7, forwarded: 1, problem: null });
    expect(host.inForce).toContain('20005 : 10.0.10.5 . 25565');
  });

  it('stops with one sentence when the token is not an edge token, and leaves the table in force', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host, running } = start({}, api);
    await until(() => api.reports.length === 1);
    api.refuse = 403;
    api.change([]);
    const failure = await running.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EdgeFatalError);
    expect((failure as Error).message).toMatch(
      /^EDGE_API_TOKEN is not an edge token \(the API at http:\/\/api\.test answered 403: .*\); make one with `gs token create --name edge --scope edge` and set EDGE_API_TOKEN to it\.$/,
    );
    expect(host.applied).toHaveLength(1);
    expect(host.inForce).toContain('20000 : 10.0.10.5 . 25565');
  });

  it('a token the API does not know stops it at once', async () => {
    const api = new FakeApi();
    api.refuse = 401;
    const { running, host } = start({}, api);
    await expect(running).rejects.toThrow(
      /^EDGE_API_TOKEN is not a token the API at http:\/\/api\.test knows/,
    );
    expect(host.applied).toEqual([]);
  });

  it('a ruleset nft refuses leaves the previous table, and the report carries the problem', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host } = start({}, api);
    await until(() => api.reports.length === 1);
    host.refuseWith = refused('Error: Could not process rule: Numerical result out of range');
    api.change([entry({ publishedPort: 20_002 })]);
    await until(() => api.reports.length === 2);
    expect(api.lastReport).toMatchObject({
      appliedGeneration: 1,
      forwarded: 1,
      problem:
        'nft refused the ruleset (Error: Could not process rule: Numerical result out of range); the table in force stays as it was.',
    });
    expect(host.inForce).toContain('20000 : 10.0.10.5 . 25565');
  });

  it('says how to fix nft missing or not being allowed', async () => {
    const api = new FakeApi();
    const host = new FakeHost();
    const { NftError } = await import('../src/nft.js');
    host.refuseWith = new NftError(
      'nft -c -f x failed',
      'Operation not permitted (you must be root)',
      'permission',
    );
    start({}, api, host);
    await until(() => api.reports.length === 1);
    expect(api.lastReport?.problem).toBe(
      'nft may not change the kernel’s rules here (Operation not permitted); run the edge as root or with CAP_NET_ADMIN.',
    );
    expect(api.lastReport?.appliedGeneration).toBeNull();
  });

  it('does not forward a published port a local service listens on, says which, and forwards the others', async () => {
    const api = new FakeApi();
    api.table.entries = [
      entry(),
      entry({ serverId: 'srv_other0000001', serverName: 'other', publishedPort: 20_022 }),
    ];
    const host = new FakeHost();
    host.listening = new Set(['tcp/20022', 'tcp/22']);
    start({}, api, host);
    await until(() => api.reports.length === 1);
    expect(host.inForce).toContain('20000 : 10.0.10.5 . 25565');
    expect(host.inForce).not.toContain('20022');
    expect(api.lastReport).toMatchObject({
      forwarded: 1,
      refused: [{ serverName: 'other', protocol: 'tcp', publishedPort: 20_022 }],
      problem:
        'tcp/20022 is published but a service on the edge host listens on it, so it is not forwarded (DNAT would take it from that service): move that service, or narrow GAME_PORT_RANGE.',
    });
  });

  it('with EDGE_SNAT=auto masquerades only the VMs whose replies would not come back, and logs each once', async () => {
    const api = new FakeApi();
    api.table.entries = [
      entry({ vmIpv4: '10.77.0.2' }),
      entry({
        serverId: 'srv_far000000001',
        serverName: 'far',
        vmIpv4: '192.168.1.50',
        publishedPort: 20_001,
      }),
    ];
    const host = new FakeHost();
    host.view = {
      routes: new Map([
        ['10.77.0.2', { dst: '10.77.0.2', dev: 'vmbr1' }],
        ['192.168.1.50', { dst: '192.168.1.50', dev: 'eth0' }],
      ]),
      defaultDevs: ['eth0'],
    };
    const { log } = start({ snat: 'auto', resyncMs: 20 }, api, host);
    await until(() => api.reports.length >= 3);
    expect(host.inForce).toContain('elements = { 192.168.1.50 . tcp . 25565 }');
    expect(host.inForce).not.toMatch(/10\.77\.0\.2 \. tcp/);
    const decisions = log.messages('info').filter((m) => m.startsWith('Source NAT'));
    expect(decisions).toEqual([
      "Source NAT for 10.77.0.2: no, because 10.77.0.2 hangs off the edge on vmbr1 of its own: the edge is its gateway, and the game sees the player's address.",
      "Source NAT for 192.168.1.50: yes, because 192.168.1.50 is on eth0, the network of the edge's own default route: its gateway is that router, not the edge.",
    ]);
    expect(api.lastReport?.snat).toBe('auto');
  });

  it('dry mode computes and reports the table but never touches nft, and has no counters', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host, log, daemon } = start({ mode: 'dry' }, api);
    await until(() => api.reports.length === 1);
    expect(host.applied).toEqual([]);
    expect(api.lastReport).toMatchObject({ mode: 'dry', appliedGeneration: 1, forwarded: 1 });
    expect(daemon.view().ruleset?.text).toContain('20000 : 10.0.10.5 . 25565');
    expect(
      log.messages('info').some((m) => m.startsWith('Dry run: generation 1 would forward 1 port(s)')),
    ).toBe(true);
    expect(await daemon.portTotals()).toEqual([]);
  });

  it('keeps cumulative counts across generations (each new table restarts its counters at 0)', async () => {
    const api = new FakeApi();
    api.table.entries = [entry(), entry({ protocol: 'udp', publishedPort: 20_001 })];
    const host = new FakeHost();
    const { daemon } = start({}, api, host);
    await until(() => api.reports.length === 1);
    host.counts = survivalCounts();
    api.change([entry()]);
    await until(() => api.reports.length === 2);
    host.counts = [
      {
        protocol: 'tcp',
        port: 20_000,
        serverId: 'srv_survival0001',
        serverName: 'survival',
        packets: 5,
        bytes: 500,
      },
    ];
    expect(await daemon.portTotals()).toEqual([
      {
        serverId: 'srv_survival0001',
        serverName: 'survival',
        protocol: 'tcp',
        port: 20_000,
        packets: 15,
        bytes: 1_500,
      },
      {
        serverId: 'srv_survival0001',
        serverName: 'survival',
        protocol: 'udp',
        port: 20_001,
        packets: 3,
        bytes: 90,
      },
    ]);
  });

  it('reports what players sent to each server, summed over its ports, and nothing in dry mode', async () => {
    const api = new FakeApi();
    api.table.entries = [entry(), entry({ protocol: 'udp', publishedPort: 20_001 })];
    const host = new FakeHost();
    start({ resyncMs: 20 }, api, host);
    await until(() => api.reports.length === 1);
    expect(api.lastReport?.traffic).toEqual([]);
    host.counts = survivalCounts();
    await until(() => api.lastReport?.traffic?.length === 1);
    expect(api.lastReport?.traffic).toEqual([{ serverId: 'srv_survival0001', packets: 13, bytes: 1_090 }]);

    const dry = new FakeApi();
    dry.table.entries = [entry()];
    start({ mode: 'dry' }, dry);
    await until(() => dry.reports.length === 1);
    expect(dry.lastReport).not.toHaveProperty('traffic');
  });

  it('applies again when someone removed the table under it', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host, log } = start({ resyncMs: 20 }, api);
    await until(() => api.reports.length === 1);
    host.counts = undefined; // `gs edge down`, or a firewall reload
    await until(() => host.applied.length === 2);
    expect(log.messages('warn')).toContain(
      'The table inet guildserver is gone (removed by someone else); the edge applies it again.',
    );
  });

  it('exports the state as metrics', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const host = new FakeHost();
    let daemon: EdgeDaemon | undefined;
    const metrics = createEdgeMetrics(() => daemon!.portTotals());
    daemon = start({ metrics }, api, host).daemon;
    await until(() => api.reports.length === 1);
    host.counts = [
      {
        protocol: 'tcp',
        port: 20_000,
        serverId: 'srv_survival0001',
        serverName: 'survival',
        packets: 4,
        bytes: 240,
      },
    ];
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'guildserver_edge_received_packets_total{server_id="srv_survival0001",server_name="survival",protocol="tcp",port="20000"} 4',
    );
    expect(text).toContain(
      'guildserver_edge_received_bytes_total{server_id="srv_survival0001",server_name="survival",protocol="tcp",port="20000"} 240',
    );
    expect(text).toContain('guildserver_edge_applied_generation 1');
    expect(text).toContain('guildserver_edge_forwarded_ports 1');
    expect(text).toContain('guildserver_edge_healthy 1');
    expect(text).toMatch(/guildserver_edge_apply_duration_seconds_count 1/);
  });

  it('stops when asked and leaves the table in force', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const { host, stop, running } = start({}, api);
    await until(() => api.reports.length === 1);
    stop.abort();
    await expect(running).resolves.toBeUndefined();
    expect(host.applied).toHaveLength(1);
  });
});

describe('the edge daemon with sleeping servers', () => {
  it('holds a sleeping server’s port, asks the API to wake it on a join, and forwards the port once it is awake', async () => {
    const port = await freePort('tcp');
    const api = new FakeApi();
    api.table = { ...api.table, portRange: { first: 1, last: 65_535 }, asleep: [asleepEntry(port)] };
    let holder: AsleepHolder | undefined;
    const host = new FakeHost();
    host.listening = new Set(['tcp/22']);
    // As /proc/net does, the host's listeners include the holder's own sockets while they are open.
    host.listeners = async () => new Set([...host.listening, ...(holder?.ownPorts() ?? [])]);
    const { log } = start(
      {
        asleep: (onJoin) =>
          (holder = createAsleepHolder({ bindAddress: '127.0.0.1', onJoin, log: memoryLog() })),
      },
      api,
      host,
    );
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    expect([...(holder?.ownPorts() ?? [])]).toEqual([`tcp/${port}`]);
    expect(api.lastReport).toMatchObject({ forwarded: 0, refused: [], problem: null });

    expect(await minecraftLogin(port)).toContain('survival is waking up — join again in about 35 s');
    await until(
      () => log.messages('info').includes('Someone is joining survival from 127.0.0.1: waking it.'),
      5_000,
      'the wake to be logged',
    );
    expect(api.wakes).toEqual([
      { serverId: 'srv_survival0001', source: '127.0.0.1', protocol: 'tcp', publishedPort: port },
    ]);

    // Awake: its port is back in `entries`, and no longer asleep.
    api.change([entry({ publishedPort: port })], []);
    await until(() => api.lastReport?.appliedGeneration === 2, 5_000, 'the woken server’s table');
    expect(api.lastReport).toMatchObject({ forwarded: 1, refused: [], problem: null });
    expect(host.inForce).toContain(`${port} : 10.0.10.5 . 25565`);
    expect(holder?.ownPorts().size).toBe(0);
    expect(await canBind('tcp', port)).toBe(true);
  });

  it('logs what the API answered to a wake; a 429 or the API away is logged, never fatal', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const holder = new FakeHolder();
    const { log, host } = start({ asleep: holder.factory }, api);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    const join = () =>
      holder.onJoin({
        serverId: 'srv_creative0001',
        serverName: 'creative',
        source: '198.51.100.7',
        protocol: 'udp',
        publishedPort: 20_010,
      });
    const logged = (level: 'info' | 'warn', line: string) =>
      until(() => log.messages(level).some((m) => m.startsWith(line)), 5_000, line);

    join();
    await logged('info', 'Someone is joining creative from 198.51.100.7: waking it.');
    expect(api.wakes).toEqual([
      { serverId: 'srv_creative0001', source: '198.51.100.7', protocol: 'udp', publishedPort: 20_010 },
    ]);
    api.wakeAnswer = { outcome: 'refused', reason: 'creative is not asleep.' };
    join();
    await logged(
      'info',
      'Someone is joining creative from 198.51.100.7, but the API does not wake it: creative is not asleep.',
    );
    api.wakeAnswer = new ApiError(
      'rate_limited',
      'Too many wakes from 198.51.100.7; try again in 10 s.',
      429,
    );
    join();
    await logged(
      'info',
      'Someone is joining creative from 198.51.100.7, but the API is rate-limiting wakes (429): Too many wakes',
    );
    api.wakeAnswer = new ApiUnreachableError(
      'Cannot reach the GuildServer API at http://api.test (API_URL): nothing is listening there.',
    );
    join();
    await logged(
      'warn',
      'Someone is joining creative from 198.51.100.7, but the edge could not ask to wake it: Cannot reach the GuildServer API',
    );
    expect(api.wakes).toHaveLength(4);

    // The daemon still follows the table.
    api.change([entry({ publishedPort: 20_001 })]);
    await until(() => host.applied.length === 2, 5_000, 'the next apply');
    expect(api.lastReport?.problem).toBeNull();
  });

  it('in dry mode too: syncs the holder with the sleeping servers, reports its problems, and closes it on stop', async () => {
    const api = new FakeApi();
    const creative = asleepEntry(20_005, { serverId: 'srv_creative0001', serverName: 'creative' });
    // survival's port is also forwarded (the API caught between two states): DNAT has it, the holder never.
    api.table = { ...api.table, entries: [entry()], asleep: [asleepEntry(20_000), creative] };
    const holder = new FakeHolder();
    const sentence =
      'tcp/20005 of creative, asleep, is not answered: something else on the edge host listens on it (EADDRINUSE), so players there neither see creative asleep nor wake it by joining.';
    holder.problems = [sentence];
    const { stop, running } = start({ mode: 'dry', asleep: holder.factory }, api);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    expect(holder.synced).toEqual([[{ ...asleepEntry(20_000), ports: [] }, creative]]);
    expect(api.lastReport).toMatchObject({ mode: 'dry', forwarded: 1, problem: sentence });
    stop.abort();
    await running;
    expect(holder.closed).toBe(true);
  });

  it('does not count the holder’s own ports as taken by a service of the host', async () => {
    const api = new FakeApi();
    api.table.entries = [entry()];
    const holder = new FakeHolder();
    holder.lingering = new Set(['tcp/20000']);
    const host = new FakeHost();
    host.listening = new Set(['tcp/20000']);
    start({ asleep: holder.factory }, api, host);
    await until(() => api.reports.length === 1, 5_000, 'the first report');
    expect(api.lastReport).toMatchObject({ forwarded: 1, refused: [], problem: null });
    expect(host.inForce).toContain('20000 : 10.0.10.5 . 25565');
  });
});
