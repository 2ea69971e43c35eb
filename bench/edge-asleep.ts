// What holding sleeping servers' ports costs the edge: the memory per held port (real sockets on 127.0.0.1, the
// holder as the daemon runs it) and how many status answers each protocol family's responder makes per second
// (its own work, without the socket: on the wire each source address gets at most 20 replies a second by design).
import type { AsleepEntry } from '@guildserver/contracts';
import { createAsleepHolder } from '@guildserver/edge';
import { Bench } from 'tinybench';
import { minecraftJava } from '../apps/edge/src/asleep/minecraft-java';
import { quake3 } from '../apps/edge/src/asleep/quake3';
import { sourceQueryResponder, VALHEIM } from '../apps/edge/src/asleep/source-a2s';
import type { AsleepInfo } from '../apps/edge/src/asleep/types';
import type { Benchmark } from './benchmark';
import { printJsonLine, printTable, round } from './report';

/** Sleeping servers held at once: a Minecraft Java (one TCP port) and an OpenArena (one UDP port) each. */
const SERVERS = 500;
/** Below Linux's ephemeral range, so other programs' outgoing connections do not take them meanwhile. */
const FIRST_PORT = 28_000;

const INFO: AsleepInfo = {
  serverName: 'survival',
  status: 'survival is asleep — join to wake it (ready in about 35 s)',
  maxPlayers: 20,
  joinMessage: 'survival is waking up — join again in about 35 s',
};

function entries(): AsleepEntry[] {
  return Array.from({ length: SERVERS }, (_, i) => [
    asleep(`srv_mc${String(i).padStart(10, '0')}`, 'minecraft-java', 'tcp', FIRST_PORT + 2 * i),
    asleep(`srv_oa${String(i).padStart(10, '0')}`, 'openarena', 'udp', FIRST_PORT + 2 * i + 1),
  ]).flat();
}

function asleep(serverId: string, game: string, protocol: 'tcp' | 'udp', port: number): AsleepEntry {
  return {
    serverId,
    serverName: serverId,
    game,
    ports: [{ purpose: 'game', index: 1, protocol, publishedPort: port }],
    status: INFO.status,
    joinMessage: INFO.joinMessage,
    maxPlayers: INFO.maxPlayers,
  };
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

interface HeldMemory {
  ports: number;
  /** Ports something else held (left out of the figure). */
  skipped: number;
  /** JavaScript heap and the buffers outside it, per held port, after a forced collection when exposed. */
  heapBytesPerPort: number;
  externalBytesPerPort: number;
}

async function memoryPerPort(): Promise<HeldMemory> {
  const silent = { info: () => {}, warn: () => {}, error: () => {} };
  const holder = createAsleepHolder({ bindAddress: '127.0.0.1', onJoin: () => {}, log: silent });
  // A first sync and release loads and warms the code, so the measured one counts the ports only.
  await holder.sync(entries().slice(0, 10));
  await holder.sync([]);
  gc();
  const before = process.memoryUsage();
  const synced = await holder.sync(entries());
  gc();
  const after = process.memoryUsage();
  await holder.close();
  if (synced.held === 0) throw new Error(`could not hold any port: ${synced.problems[0]}`);
  const per = (bytes: number) => Math.round(bytes / synced.held);
  return {
    ports: synced.held,
    skipped: synced.problems.length,
    heapBytesPerPort: per(after.heapUsed - before.heapUsed),
    externalBytesPerPort: per(after.external - before.external),
  };
}

const OOB = Buffer.from([0xff, 0xff, 0xff, 0xff]);
const HANDSHAKE_AND_STATUS = Buffer.from(
  // Handshake (protocol 769, "localhost", 25565, next state 1), then the status request.
  `1000810609${Buffer.from('localhost').toString('hex')}63dd010100`,
  'hex',
);

async function answersPerSecond(): Promise<{ family: string; answersPerSecond: number }[]> {
  const a2s = sourceQueryResponder(VALHEIM);
  const from = { address: '198.51.100.7', port: 27005 };
  const families: [string, () => unknown][] = [
    [
      'Quake 3 getstatus',
      () => quake3.onDatagram(Buffer.concat([OOB, Buffer.from('getstatus')]), INFO, from),
    ],
    [
      'A2S_INFO',
      () => a2s.onDatagram(Buffer.concat([OOB, Buffer.from('TSource Engine Query\0')]), INFO, from),
    ],
    ['Minecraft status', () => minecraftJava.onData(HANDSHAKE_AND_STATUS, INFO)],
  ];
  const bench = new Bench({ time: 1_000, warmupTime: 200, throws: true });
  for (const [name, fn] of families) bench.add(name, fn);
  await bench.run();
  return families.map(([family]) => {
    const result = bench.getTask(family)?.result;
    if (result?.state !== 'completed') throw new Error(`benchmark task '${family}' did not complete`);
    return { family, answersPerSecond: Math.round(result.throughput.mean) };
  });
}

export const edgeAsleep: Benchmark = {
  name: 'edge-asleep',
  summary: 'sleeping servers held by the edge: memory per held port, status answers per second per family',
  async run() {
    const memory = await memoryPerPort();
    printTable(`Holding ${memory.ports} sleeping ports (${SERVERS} TCP + ${SERVERS} UDP) on 127.0.0.1`, [
      {
        ports: memory.ports,
        'taken by others': memory.skipped,
        'heap per port (bytes)': memory.heapBytesPerPort,
        'external per port (bytes)': memory.externalBytesPerPort,
        gc: typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'forced' : 'not exposed',
      },
    ]);
    const answers = await answersPerSecond();
    printTable(
      'Status answers per second, the responder alone (one core)',
      answers.map((a) => ({ family: a.family, 'answers/s': a.answersPerSecond })),
    );
    printJsonLine('edge-asleep', {
      ports: memory.ports,
      heapBytesPerPort: memory.heapBytesPerPort,
      externalBytesPerPort: memory.externalBytesPerPort,
      answersPerSecond: Object.fromEntries(answers.map((a) => [a.family, round(a.answersPerSecond, 0)])),
    });
  },
};
