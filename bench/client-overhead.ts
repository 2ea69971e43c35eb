// Client overhead per call: the same GET through `@guildserver/proxmox` and through a bare undici Pool with
// the same headers. Both hit one in-process simulator, so the server's share is the same on both sides and
// the difference is what the client adds (request building, credentials, envelope check, error mapping, logs).
import { createProxmoxClient, DEFAULTS, USER_AGENT } from '@guildserver/proxmox';
import { DEFAULT_SIM_TOKEN, startSimulator } from '@guildserver/pve-sim';
import { Bench } from 'tinybench';
import { Pool } from 'undici';
import type { Benchmark } from './benchmark';
import { formatNumber, median, printJsonLine, printTable, round } from './report';

const ROUNDS = 3;
const TIME_MS = 1_000;
const WARMUP_MS = 200;

interface Pair {
  call: string;
  bare: () => Promise<unknown>;
  client: () => Promise<unknown>;
}

interface Stats {
  meanUs: number;
  p50Us: number;
  p99Us: number;
  samples: number;
}

export const clientOverhead: Benchmark = {
  name: 'client-overhead',
  summary: `client call vs bare undici request, same URL and headers, in-process simulator, ${ROUNDS} rounds of ${TIME_MS / 1000} s per call`,
  async run() {
    // No cross-checking against other PVE versions: the simulator does that only for our client's
    // User-Agent, which would charge server work to the client.
    const sim = await startSimulator({ profile: 'fast', authFailureDelayMs: 0, crossCheckVersions: [] });
    const client = createProxmoxClient({
      baseUrl: sim.url,
      auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
    });
    // The same pool settings as the client's transport.
    const pool = new Pool(new URL(sim.url).origin, {
      connections: DEFAULTS.connections,
      keepAliveTimeout: DEFAULTS.keepAliveTimeoutMs,
    });
    const headers = {
      'user-agent': USER_AGENT,
      accept: 'application/json',
      authorization: `PVEAPIToken=${DEFAULT_SIM_TOKEN.id}=${DEFAULT_SIM_TOKEN.secret}`,
    };
    const bare = async (path: string): Promise<unknown> => {
      const response = await pool.request({ method: 'GET', path: `/api2/json${path}`, headers });
      const body = (await response.body.json()) as { data?: unknown };
      if (response.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${response.statusCode}`);
      return body.data;
    };

    const pairs: Pair[] = [
      { call: 'GET /version', bare: () => bare('/version'), client: () => client.version.get() },
      {
        call: 'GET /cluster/nextid',
        bare: () => bare('/cluster/nextid'),
        client: () => client.cluster.nextId(),
      },
    ];

    try {
      // Several short rounds, alternating which side goes first, so drift and order effects show up as a
      // spread instead of hiding in one figure; each figure is the median over the rounds.
      const rounds: { call: string; bare: Stats; client: Stats }[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const bench = new Bench({ time: TIME_MS, warmupTime: WARMUP_MS, throws: true });
        for (const pair of pairs) {
          const sides = [
            [`undici ${pair.call}`, pair.bare],
            [`client ${pair.call}`, pair.client],
          ] as const;
          for (const [name, fn] of round % 2 === 0 ? sides : [...sides].reverse()) {
            bench.add(name, fn, { async: true });
          }
        }
        await bench.run();
        const stats = (name: string): Stats => {
          const result = bench.getTask(name)?.result;
          if (result?.state !== 'completed') throw new Error(`benchmark task '${name}' did not complete`);
          return {
            meanUs: result.latency.mean * 1000,
            p50Us: result.latency.p50 * 1000,
            p99Us: result.latency.p99 * 1000,
            samples: result.latency.samplesCount,
          };
        };
        rounds.push(
          pairs.map((pair) => ({
            call: pair.call,
            bare: stats(`undici ${pair.call}`),
            client: stats(`client ${pair.call}`),
          })),
        );
      }

      const results = pairs.map((pair, i) => {
        const of = (side: 'bare' | 'client') => rounds.map((round) => round[i]![side]);
        const combine = (all: Stats[]): Stats => ({
          meanUs: median(all.map((s) => s.meanUs)),
          p50Us: median(all.map((s) => s.p50Us)),
          p99Us: median(all.map((s) => s.p99Us)),
          samples: all.reduce((sum, s) => sum + s.samples, 0),
        });
        const differences = rounds.map((round) => round[i]!.client.meanUs - round[i]!.bare.meanUs);
        return {
          call: pair.call,
          bare: combine(of('bare')),
          client: combine(of('client')),
          overheadMeanUs: median(differences),
          overheadP50Us: median(rounds.map((round) => round[i]!.client.p50Us - round[i]!.bare.p50Us)),
          overheadRangeUs: [Math.min(...differences), Math.max(...differences)] as const,
        };
      });

      printTable(
        `Per-call latency, sequential calls (µs; median of ${ROUNDS} rounds of ${TIME_MS / 1000} s)`,
        results.flatMap((r) =>
          (['bare', 'client'] as const).map((side) => ({
            call: r.call,
            via: side === 'bare' ? 'undici Pool.request' : 'proxmox client',
            'mean µs': r[side].meanUs,
            'p50 µs': r[side].p50Us,
            'p99 µs': r[side].p99Us,
            samples: r[side].samples,
          })),
        ),
      );
      printTable(
        'Client overhead (client − bare undici)',
        results.map((r) => ({
          call: r.call,
          'mean µs': r.overheadMeanUs,
          'p50 µs': r.overheadP50Us,
          'mean %': (r.overheadMeanUs / r.bare.meanUs) * 100,
          'per-round mean range µs': `${formatNumber(r.overheadRangeUs[0])} … ${formatNumber(r.overheadRangeUs[1])}`,
        })),
      );
      const rounded = (s: Stats) => ({
        meanUs: round(s.meanUs, 1),
        p50Us: round(s.p50Us, 1),
        p99Us: round(s.p99Us, 1),
        samples: s.samples,
      });
      printJsonLine('client-overhead', {
        rounds: ROUNDS,
        timePerRoundMs: TIME_MS,
        results: results.map((r) => ({
          call: r.call,
          bare: rounded(r.bare),
          client: rounded(r.client),
          overheadMeanUs: round(r.overheadMeanUs, 1),
          overheadP50Us: round(r.overheadP50Us, 1),
          overheadRangeUs: r.overheadRangeUs.map((x) => round(x, 1)),
        })),
      });
    } finally {
      await client.close();
      await pool.close();
      await sim.close();
    }
  },
};
