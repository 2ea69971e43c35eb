// Simulator throughput: how many `GET /cluster/resources?type=vm` the simulator answers per second with 100
// and with 1,000 VMs. The simulator runs in a child process so autocannon does not share its event loop.
import { DEFAULT_SIM_TOKEN } from '@guildserver/pve-sim';
import autocannon from 'autocannon';
import type { Benchmark } from './benchmark';
import { percentile, printJsonLine, printTable, round } from './report';
import { spawnSimulator } from './sim-process';

const VM_COUNTS = [100, 1_000];
const CONNECTIONS = 10;
const DURATION_S = 5;
const WARMUP_S = 1;
const PATH = '/api2/json/cluster/resources?type=vm';

interface Figures {
  vms: number;
  responseBytes: number;
  requestsPerSecond: number;
  requests: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  errors: number;
  non2xx: number;
}

async function measure(vmCount: number): Promise<Figures> {
  const sim = await spawnSimulator({ profile: 'fast', seedVms: vmCount, authFailureDelayMs: 0 });
  try {
    const url = `${sim.url}${PATH}`;
    const headers = { authorization: `PVEAPIToken=${DEFAULT_SIM_TOKEN.id}=${DEFAULT_SIM_TOKEN.secret}` };

    // The listing must really hold every VM (the seeded ones plus template 9000), or the figure means nothing.
    const probe = await fetch(url, { headers });
    const text = await probe.text();
    const listed = (JSON.parse(text) as { data?: unknown[] }).data?.length ?? 0;
    if (!probe.ok || listed !== vmCount + 1) {
      throw new Error(`expected ${vmCount + 1} VMs from ${PATH}, got HTTP ${probe.status} with ${listed}`);
    }

    await autocannon({ url, headers, connections: CONNECTIONS, duration: WARMUP_S });

    const latencies: number[] = [];
    const instance = autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
    const result = await instance;
    return {
      vms: vmCount,
      responseBytes: Buffer.byteLength(text),
      requestsPerSecond: result['2xx'] / result.duration,
      requests: result['2xx'],
      latencyMs: {
        mean: latencies.reduce((sum, x) => sum + x, 0) / Math.max(1, latencies.length),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
      },
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    };
  } finally {
    await sim.stop();
  }
}

export const simThroughput: Benchmark = {
  name: 'sim-throughput',
  summary: `GET /cluster/resources?type=vm against the simulator (child process), ${CONNECTIONS} connections, ${DURATION_S} s each`,
  async run() {
    const figures: Figures[] = [];
    for (const count of VM_COUNTS) figures.push(await measure(count));

    printTable(
      'Simulator throughput, GET /cluster/resources?type=vm',
      figures.map((f) => ({
        VMs: f.vms,
        'response KiB': f.responseBytes / 1024,
        'req/s': f.requestsPerSecond,
        requests: f.requests,
        'mean ms': f.latencyMs.mean,
        'p50 ms': f.latencyMs.p50,
        'p99 ms': f.latencyMs.p99,
        'max ms': f.latencyMs.max,
        errors: f.errors,
        non2xx: f.non2xx,
      })),
    );
    printJsonLine('sim-throughput', {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      results: figures.map((f) => ({
        vms: f.vms,
        responseBytes: f.responseBytes,
        requestsPerSecond: round(f.requestsPerSecond, 1),
        requests: f.requests,
        latencyMs: {
          mean: round(f.latencyMs.mean, 3),
          p50: round(f.latencyMs.p50, 3),
          p99: round(f.latencyMs.p99, 3),
          max: round(f.latencyMs.max, 3),
        },
        errors: f.errors,
        non2xx: f.non2xx,
      })),
    });
  },
};
