// What forwarding through the edge costs a player: UDP round-trip latency and TCP throughput from a player
// namespace to a VM namespace, once through the edge's DNAT (198.51.100.1:<published port>) and once to the
// VM's own address with the edge only routing. Both paths cross the same three namespaces and the same edge
// namespace with the same table in force; only the address rewrite differs. Needs root, ip and nft.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import type { ForwardingEntry, ForwardingTable } from '@guildserver/contracts';
import { applyRuleset, buildRuleset } from '@guildserver/edge';
import {
  EDGE_PUBLIC_ADDRESS,
  missingForNetns,
  type NetnsWorld,
  startNetnsWorld,
  VM_ADDRESS,
} from '../apps/edge/test/support/netns-world';
import type { Benchmark } from './benchmark';
import { median, percentile, printJsonLine, printTable, round } from './report';

const run = promisify(execFile);

/** Published (edge) and guest (VM) ports; the world's own test service keeps 25565. */
const UDP_PUBLISHED = 20_001;
const UDP_GUEST = 27_015;
const TCP_PUBLISHED = 20_002;
const TCP_GUEST = 27_016;

/**
 * Runs (client processes) of each measurement, alternating which path goes first. Within a run the two paths
 * take turns: UDP datagram by datagram, TCP connection by connection (TCP_SLICES × TCP_SLICE_SECONDS each), so
 * a burst of other work on the machine hits both. UDP pools the runs' samples; TCP takes the median run.
 */
const UDP_ROUNDS = 3;
const UDP_WARMUP = 500;
const UDP_SAMPLES = 5_000;
const UDP_PAYLOAD = 32;
const TCP_ROUNDS = 3;
const TCP_SLICES = 12;
const TCP_SLICE_SECONDS = 0.25;

const LATENCY_GOAL = 1.05; // edge p50 / direct p50 at most
const THROUGHPUT_GOAL = 0.95; // edge MiB/s / direct MiB/s at least

/**
 * In the VM, one process each (so each can be placed on its own CPU): `udp`, an echo; `tcp`, a sink that,
 * when the sender is done, answers how many bytes it got.
 */
const SERVICE = `
if (process.argv[1] === 'udp') {
  const udp = require('node:dgram').createSocket('udp4');
  udp.on('message', (m, r) => udp.send(m, r.port, r.address));
  udp.bind(${UDP_GUEST}, '0.0.0.0', () => console.log('ready'));
} else {
  require('node:net').createServer((c) => {
    let bytes = 0;
    c.on('data', (d) => { bytes += d.length; });
    c.on('end', () => c.end(JSON.stringify({ bytes })));
    c.on('error', () => {});
  }).listen(${TCP_GUEST}, '0.0.0.0', () => console.log('ready'));
}`;

/**
 * In the player's namespace; the targets are taken in turn, so the paths share the whole run and whatever
 * else the machine was doing meanwhile. Timing is inside this process, so starting it is not measured.
 *
 * `udp <warm-up> <samples> <payload> <host> <port> [<host> <port> ...]`: one datagram at a time, each sent
 * when the last one's echo arrived, to the next target; prints each target's round trips in µs (its first
 * <warm-up> left out) and how many were lost (no echo within 500 ms: sent again).
 *
 * `tcp <seconds> <slices> <host> <port> [<host> <port> ...]`: <slices> times for each target in turn, a new
 * connection that writes 1 MiB chunks as fast as the socket takes them for <seconds>, ends, and waits for the
 * sink's count; prints each target's bytes counted and seconds from connected to counted, summed.
 */
const CLIENT = `
const [mode, ...args] = process.argv.slice(1);
const now = () => process.hrtime.bigint();
const done = (result) => { process.stdout.write(JSON.stringify(result)); process.exit(0); };
const fail = (message) => { process.stderr.write(message + '\\n'); process.exit(1); };
if (mode === 'udp') {
  const [warmup, samples, payload] = args.slice(0, 3).map(Number);
  const targets = [];
  for (let i = 3; i < args.length; i += 2) targets.push({ host: args[i], port: Number(args[i + 1]) });
  const n = targets.length;
  const message = Buffer.alloc(payload);
  const rtts = targets.map(() => []);
  const lost = targets.map(() => 0);
  let seq = 0, sentAt = 0n, watchdog;
  const sockets = targets.map((t, i) => {
    const socket = require('node:dgram').createSocket('udp4');
    socket.on('error', (e) => fail('udp ' + t.host + ' ' + e.code));
    socket.on('message', (m) => {
      const at = now();
      if (seq % n !== i || m.length < 4 || m.readUInt32BE(0) !== seq) return;
      if (Math.floor(seq / n) >= warmup) rtts[i].push(Number(at - sentAt) / 1000);
      seq++;
      if (seq >= n * (warmup + samples)) { clearInterval(watchdog); done({ rtts, lost }); } else send();
    });
    return socket;
  });
  const send = () => { message.writeUInt32BE(seq, 0); sentAt = now(); sockets[seq % n].send(message); };
  let connected = 0;
  sockets.forEach((socket, i) => socket.connect(targets[i].port, targets[i].host, () => {
    if (++connected < n) return;
    watchdog = setInterval(() => {
      if (now() - sentAt < 500_000_000n) return;
      if (++lost[seq % n] > 20) fail('udp: no echo from ' + targets[seq % n].host);
      send();
    }, 100);
    send();
  }));
} else if (mode === 'tcp') {
  const [seconds, slices] = args.slice(0, 2).map(Number);
  const targets = [];
  for (let i = 2; i < args.length; i += 2) targets.push({ host: args[i], port: Number(args[i + 1]) });
  const chunk = Buffer.alloc(1 << 20, 7);
  const bytes = targets.map(() => 0);
  const elapsed = targets.map(() => 0);
  const slice = (t) => new Promise((resolve) => {
    const socket = require('node:net').connect(targets[t].port, targets[t].host);
    let started = 0n, answer = '';
    socket.on('error', (e) => fail('tcp ' + targets[t].host + ' ' + e.code));
    socket.on('connect', () => {
      started = now();
      const deadline = started + BigInt(Math.round(seconds * 1e9));
      const pump = () => {
        while (now() < deadline) if (!socket.write(chunk)) return void socket.once('drain', pump);
        socket.end();
      };
      pump();
    });
    socket.on('data', (d) => { answer += d; });
    socket.on('end', () => {
      elapsed[t] += Number(now() - started) / 1e9;
      bytes[t] += JSON.parse(answer).bytes;
      resolve();
    });
  });
  (async () => {
    for (let s = 0; s < slices; s++) for (let t = 0; t < targets.length; t++) await slice(t);
    done({ bytes, seconds: elapsed });
  })();
} else fail('mode?');`;

type Path = 'edge' | 'direct';
const PATHS: Path[] = ['edge', 'direct'];
const target = (path: Path, protocol: 'udp' | 'tcp') =>
  path === 'edge'
    ? { host: EDGE_PUBLIC_ADDRESS, port: protocol === 'udp' ? UDP_PUBLISHED : TCP_PUBLISHED }
    : { host: VM_ADDRESS, port: protocol === 'udp' ? UDP_GUEST : TCP_GUEST };

/**
 * For throughput, with two CPUs or more and taskset, the TCP client runs on CPU 0 and the sink on CPU 1.
 * Unpinned, the scheduler moves them (and with them where the kernel's forwarding work runs) between runs, and
 * single-stream throughput on a 2-core machine varies by a factor of two from one run to the next, whatever
 * the path. The UDP pair is left to the scheduler: pinned to two CPUs, every round trip pays two cross-CPU
 * wake-ups, which doubles the p50 and swamps the forwarding cost being measured.
 */
async function pinning(): Promise<{ client: string[]; sink: string[] } | undefined> {
  if (availableParallelism() < 2) return undefined;
  try {
    await run('sh', ['-c', 'command -v taskset']);
  } catch {
    return undefined;
  }
  return { client: ['taskset', '-c', '0'], sink: ['taskset', '-c', '1'] };
}

/** Runs CLIENT in the player's namespace; it is in `started` while it runs, so cleaning up can kill it. */
async function client<T>(
  world: NetnsWorld,
  pin: string[],
  args: (string | number)[],
  started: Set<ChildProcess>,
): Promise<T> {
  const running = run(
    'ip',
    ['netns', 'exec', world.player, ...pin, process.execPath, '-e', CLIENT, ...args.map(String)],
    { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
  );
  started.add(running.child);
  try {
    return JSON.parse((await running).stdout) as T;
  } finally {
    started.delete(running.child);
  }
}

/** Starts one of SERVICE's two in the VM; added to `started` at once, so it is killed even if never ready. */
async function startService(
  world: NetnsWorld,
  protocol: 'udp' | 'tcp',
  pin: string[],
  started: Set<ChildProcess>,
): Promise<void> {
  const service = spawn(
    'ip',
    ['netns', 'exec', world.vm, ...pin, process.execPath, '-e', SERVICE, protocol],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  started.add(service);
  await new Promise<void>((resolve, reject) => {
    service.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    service.once('error', reject);
    service.once('exit', (code) => reject(new Error(`the VM's ${protocol} bench service exited (${code})`)));
  });
}

/** The order of the two paths in round `i`: edge first in even rounds, direct first in odd ones. */
const orderOf = (i: number): Path[] => (i % 2 === 0 ? PATHS : [...PATHS].reverse());
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

export const edgeForwarding: Benchmark = {
  name: 'edge-forwarding',
  summary: 'UDP round trip and TCP throughput through the edge (DNAT) vs. straight to the VM (root, nft)',
  async run() {
    const missing = await missingForNetns();
    if (missing.length > 0) {
      console.log(`  skipped: needs ${missing.join(', ')} (it builds network namespaces with nftables)`);
      return;
    }
    const pin = await pinning();
    let world: NetnsWorld | undefined;
    // The VM's services and the client running now: `ip netns exec` execs node, so these are the node processes.
    const children = new Set<ChildProcess>();
    const cleanUp = async () => {
      for (const child of children) child.kill('SIGKILL');
      await world?.close();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    const rtts: Record<Path, number[]> = { edge: [], direct: [] };
    const lost: Record<Path, number> = { edge: 0, direct: 0 };
    const roundP50: Record<Path, number[]> = { edge: [], direct: [] };
    const mibps: Record<Path, number[]> = { edge: [], direct: [] };
    try {
      world = await startNetnsWorld();
      // The direct path: the player routes the VMs' network via the edge, which forwards it unchanged.
      await run('ip', [
        'netns',
        'exec',
        world.player,
        'ip',
        'route',
        'add',
        `${VM_ADDRESS.replace(/\.\d+$/, '.0')}/24`,
        'via',
        EDGE_PUBLIC_ADDRESS,
      ]);
      const server = { serverId: 'srv_bench0000001', serverName: 'bench', vmIpv4: VM_ADDRESS };
      const entries: ForwardingEntry[] = [
        { ...server, protocol: 'udp', publishedPort: UDP_PUBLISHED, guestPort: UDP_GUEST },
        { ...server, protocol: 'tcp', publishedPort: TCP_PUBLISHED, guestPort: TCP_GUEST },
      ];
      const table: ForwardingTable = { generation: 1, portRange: { first: 20_000, last: 29_999 }, entries };
      // The edge is the VMs' gateway here, so no source NAT (as in the tests' default).
      await applyRuleset(buildRuleset(table, { snat: false }).text, { netns: world.edge });
      await startService(world, 'udp', [], children);
      await startService(world, 'tcp', pin?.sink ?? [], children);

      for (let i = 0; i < UDP_ROUNDS; i++) {
        const order = orderOf(i);
        const targets = order.flatMap((path) => Object.values(target(path, 'udp')));
        const result = await client<{ rtts: number[][]; lost: number[] }>(
          world,
          [],
          ['udp', UDP_WARMUP, UDP_SAMPLES, UDP_PAYLOAD, ...targets],
          children,
        );
        order.forEach((path, j) => {
          rtts[path].push(...result.rtts[j]!);
          lost[path] += result.lost[j]!;
          roundP50[path].push(median(result.rtts[j]!));
        });
      }
      for (let i = 0; i < TCP_ROUNDS; i++) {
        const order = orderOf(i);
        const targets = order.flatMap((path) => Object.values(target(path, 'tcp')));
        const result = await client<{ bytes: number[]; seconds: number[] }>(
          world,
          pin?.client ?? [],
          ['tcp', TCP_SLICE_SECONDS, TCP_SLICES, ...targets],
          children,
        );
        order.forEach((path, j) => {
          mibps[path].push(result.bytes[j]! / 1024 / 1024 / result.seconds[j]!);
        });
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await cleanUp();
    }

    const latency = Object.fromEntries(
      PATHS.map((path) => [
        path,
        {
          samples: rtts[path].length,
          lost: lost[path],
          p50: percentile(rtts[path], 50),
          p90: percentile(rtts[path], 90),
          p99: percentile(rtts[path], 99),
          roundP50: roundP50[path],
        },
      ]),
    ) as Record<
      Path,
      { samples: number; lost: number; p50: number; p90: number; p99: number; roundP50: number[] }
    >;
    const p50Ratio = latency.edge.p50 / latency.direct.p50;
    const throughput = { edge: median(mibps.edge), direct: median(mibps.direct) };
    const throughputRatio = throughput.edge / throughput.direct;
    // Each round's two runs are next to each other in time: their ratios show how much of the spread is the
    // machine's (both paths move together) rather than the path's.
    const pairRatios = (values: Record<Path, number[]>) =>
      values.edge.map((edge, i) => edge / values.direct[i]!);

    console.log(
      pin
        ? '  TCP: client pinned to CPU 0, sink to CPU 1 (taskset); UDP: both left to the scheduler'
        : '  not pinned to CPUs (one CPU, or no taskset): expect noisier throughput',
    );
    printTable(
      `UDP round trip, ${UDP_PAYLOAD}-byte datagrams one at a time, the two paths in turn: ${UDP_ROUNDS} runs × ${UDP_SAMPLES.toLocaleString('en-US')} per path (after ${UDP_WARMUP} warm-up), pooled`,
      PATHS.map((path) => ({
        path:
          path === 'edge'
            ? `edge (${EDGE_PUBLIC_ADDRESS}:${UDP_PUBLISHED}, DNAT)`
            : `direct (${VM_ADDRESS}:${UDP_GUEST})`,
        samples: latency[path].samples,
        'p50 µs': round(latency[path].p50, 1),
        'p90 µs': round(latency[path].p90, 1),
        'p99 µs': round(latency[path].p99, 1),
        'round p50s µs': latency[path].roundP50.map((v) => v.toFixed(1)).join(' / '),
        lost: latency[path].lost,
      })),
    );
    printTable(
      `TCP throughput, 1 MiB writes until the sink has counted them, the two paths in turn: ${TCP_ROUNDS} runs × ${TCP_SLICES} connections of ${TCP_SLICE_SECONDS} s per path, median run`,
      PATHS.map((path) => ({
        path:
          path === 'edge'
            ? `edge (${EDGE_PUBLIC_ADDRESS}:${TCP_PUBLISHED}, DNAT)`
            : `direct (${VM_ADDRESS}:${TCP_GUEST})`,
        'runs MiB/s': mibps[path].map((v) => v.toFixed(0)).join(' / '),
        'median MiB/s': round(throughput[path], 0),
      })),
    );
    printTable('Goals (edge / direct)', [
      {
        figure: 'UDP p50 round trip',
        ratio: round(p50Ratio, 3),
        'per-round ratios': pairRatios(roundP50)
          .map((v) => v.toFixed(2))
          .join(' / '),
        goal: `≤ ${LATENCY_GOAL}`,
        result: verdict(p50Ratio <= LATENCY_GOAL),
      },
      {
        figure: 'TCP throughput (median)',
        ratio: round(throughputRatio, 3),
        'per-round ratios': pairRatios(mibps)
          .map((v) => v.toFixed(2))
          .join(' / '),
        goal: `≥ ${THROUGHPUT_GOAL}`,
        result: verdict(throughputRatio >= THROUGHPUT_GOAL),
      },
    ]);
    printJsonLine('edge-forwarding', {
      tcpPinned: pin !== undefined,
      udp: Object.fromEntries(
        PATHS.map((path) => [
          path,
          {
            samples: latency[path].samples,
            lost: latency[path].lost,
            p50Us: round(latency[path].p50, 1),
            p90Us: round(latency[path].p90, 1),
            p99Us: round(latency[path].p99, 1),
            roundP50Us: latency[path].roundP50.map((v) => round(v, 1)),
          },
        ]),
      ),
      udpP50Ratio: round(p50Ratio, 3),
      udpRoundP50Ratios: pairRatios(roundP50).map((v) => round(v, 3)),
      udpP50RatioGoalMet: p50Ratio <= LATENCY_GOAL,
      tcp: Object.fromEntries(
        PATHS.map((path) => [
          path,
          { runsMiBps: mibps[path].map((v) => round(v, 0)), medianMiBps: round(throughput[path], 0) },
        ]),
      ),
      tcpThroughputRatio: round(throughputRatio, 3),
      tcpRoundRatios: pairRatios(mibps).map((v) => round(v, 3)),
      tcpThroughputRatioGoalMet: throughputRatio >= THROUGHPUT_GOAL,
    });
  },
};
