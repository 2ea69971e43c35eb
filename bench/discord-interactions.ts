// The Discord bot under load: INTERACTION_CREATE → first callback latency while 20 provisions run, and the
// bot's resident memory. Simulator, API, worker and bot each run in their own process; the fake Discord runs
// here, so the latency is measured from the moment the fake dispatched the interaction on the gateway until the
// bot's first callback (defer, reply or autocomplete result) reached the fake's REST server.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '@guildserver/timing';
import { openDatabase } from '../apps/api/src/db/database.js';
import { createApiToken } from '../apps/api/src/domain/tokens.js';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';
import {
  type FakeDiscord,
  fakeBotToken,
  type InteractionHandle,
  startFakeDiscord,
} from '../packages/discord-fake/src/index.js';
import { freePort } from './api-list';
import { type ApiProcess, rssMiBOf, spawnApi, unlimitedStackEnv } from './api-process';
import type { Benchmark } from './benchmark';
import { percentile, printJsonLine, printTable, round } from './report';
import { type SimProcess, spawnSimulator } from './sim-process';

const PROVISIONS = 20;
const INTERACTIONS = 200;
/** One interaction every PACE_MS, whether or not the previous ones were answered. */
const PACE_MS = 25;
const RSS_SAMPLE_MS = 100;
const GOAL_P99_MS = 300;
const GOAL_RSS_MIB = 100;
/** Realistic task durations × 0.5 (clone 3 s, start 2 s, agent boot 9 s, ...), 2 clones per storage at once:
 * the 20 provisions take far longer than the measurement, so all of them are in flight throughout. */
const TIME_SCALE = 0.5;
const PER_STORAGE = 2;

const GUILD = '110000000000000001';
const CHANNEL = '120000000000000001';
const APPLICATION = '150000000000000001';
const USERS = Array.from({ length: PROVISIONS }, (_, i) => `1400000000000001${String(i).padStart(2, '0')}`);
const serverName = (i: number) => `bench-${String(i).padStart(2, '0')}`;

// The bot runs as in production: the esbuild bundle (`pnpm --filter @guildserver/discord-bot build`) on plain
// node with the flags of its `start` script, not under the TypeScript loader.
const BOT_BUILD = fileURLToPath(new URL('../apps/discord-bot/scripts/build.mjs', import.meta.url));
const BOT_BUNDLE = fileURLToPath(new URL('../apps/discord-bot/dist/main.mjs', import.meta.url));
const BOT_NODE_FLAGS = startScriptFlags();

/** The node flags of the bot's `start` script, so the benchmark runs it exactly as production does. */
function startScriptFlags(): string[] {
  const manifest = JSON.parse(
    readFileSync(new URL('../apps/discord-bot/package.json', import.meta.url), 'utf8'),
  ) as {
    scripts: { start: string };
  };
  return manifest.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}
const REPO = fileURLToPath(new URL('..', import.meta.url));

interface BotProcess {
  pid: number;
  rssMiB(): number;
  stop(): Promise<void>;
}

function spawnBot(env: Record<string, string>): BotProcess {
  execFileSync(process.execPath, [BOT_BUILD], { cwd: REPO, stdio: 'inherit' });
  const child: ChildProcess = spawn(process.execPath, [...BOT_NODE_FLAGS, BOT_BUNDLE], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`discord-bot exited early (${code ?? signal}): ${log.trim()}`);
  });
  let stopping = false;
  return {
    pid: child.pid!,
    rssMiB: () => (child.exitCode === null && child.signalCode === null ? rssMiBOf(child.pid!) : 0),
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Stack {
  discord: FakeDiscord;
  bot: BotProcess;
  api: ApiProcess;
  worker: ApiProcess;
  databasePath: string;
  stop(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  // Everything started so far, stopped in reverse order — also when a later start fails.
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => console.error(`stopping: ${String(error)}`));
    }
  };
  try {
    const sim: SimProcess = await spawnSimulator({
      profile: 'realistic',
      timeScale: TIME_SCALE,
      authFailureDelayMs: 0,
      storageLockSlots: PER_STORAGE,
    });
    stops.push(() => sim.stop());
    const dir = mkdtempSync(join(tmpdir(), 'gs-bench-discord-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const redis = await ensureRedis(process.env.REDIS_URL, join(dir, 'redis'));
    stops.push(() => redis.stop());
    const databasePath = join(dir, 'guildserver.sqlite');
    const env = {
      API_PORT: String(await freePort()),
      DATABASE_PATH: databasePath,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `gs-bench-discord-${process.pid}-${Date.now()}`,
      ...unlimitedStackEnv(sim.url, PER_STORAGE),
      HOST_EXTERNAL: 'play.example.net',
    };
    const db = openDatabase(databasePath);
    const { token: apiToken } = createApiToken(db, 'discord-bot', ['bot']);
    db.$client.close();
    const api = await spawnApi('api', env);
    stops.push(() => api.stop());
    const worker = await spawnApi('worker', env);
    stops.push(() => worker.stop());

    const botToken = fakeBotToken(APPLICATION);
    const discord = await startFakeDiscord({
      botToken,
      applicationId: APPLICATION,
      guilds: [
        {
          id: GUILD,
          name: 'Bench guild',
          channels: [{ id: CHANNEL, name: 'general' }],
          members: USERS.map((id, i) => ({ id, username: `player${i}` })),
        },
      ],
    });
    stops.push(() => discord.close());
    const bot = spawnBot({
      DISCORD_TOKEN: botToken,
      DISCORD_API_URL: discord.restUrl,
      API_URL: api.url,
      API_TOKEN: apiToken,
      DEPLOY_COMMANDS: 'true',
      DISCORD_GUILD_ID: GUILD,
      HOST_EXTERNAL: 'play.example.net',
      BOT_STATE_PATH: join(dir, 'discord-bot.json'),
      LOG_LEVEL: 'warn',
    });
    stops.push(() => bot.stop());
    // Ready = connected to the gateway and the /server command registered in the guild.
    await discord.waitForBot(60_000);
    await discord.waitFor(() => discord.registeredCommands(GUILD).some((c) => c.name === 'server'), 60_000);
    return { discord, bot, api, worker, databasePath, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

type Kind = 'list' | 'status' | 'autocomplete';

interface Sample {
  kind: Kind;
  ms: number;
  late: boolean;
  /** Autocomplete only: the bot offered at least one choice (the 20 servers match 'bench'). */
  choices?: boolean;
}

/** Dispatches one interaction and resolves with the time until its first callback. */
async function timed(
  kind: Kind,
  start: () => { response(timeoutMs?: number): Promise<unknown>; answeredLate: boolean },
): Promise<Sample> {
  const started = performance.now();
  const handle = start();
  try {
    const answer = await handle.response(10_000);
    const ms = performance.now() - started;
    return { kind, ms, late: false, ...(Array.isArray(answer) ? { choices: answer.length > 0 } : {}) };
  } catch {
    return { kind, ms: performance.now() - started, late: true };
  }
}

function serverStates(databasePath: string): Record<string, number> {
  const db = openDatabase(databasePath);
  try {
    const rows = db.$client.prepare('SELECT state, count(*) AS n FROM servers GROUP BY state').all() as {
      state: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.$client.close();
  }
}

export const discordInteractions: Benchmark = {
  name: 'discord-interactions',
  summary: `bot: INTERACTION_CREATE → first callback, ${INTERACTIONS} interactions during ${PROVISIONS} provisions; bot RSS`,
  async run() {
    const stack = await startStack();
    const { discord, bot } = stack;
    try {
      const invoke = (userId: string, sub: string, values: Record<string, string>, focused?: string) => {
        const input = {
          guildId: GUILD,
          channelId: CHANNEL,
          userId,
          name: 'server',
          options: [
            {
              name: sub,
              options: Object.entries(values).map(([name, value]) => ({
                name,
                value,
                ...(focused === name ? { focused: true } : {}),
              })),
            },
          ],
        };
        return focused ? discord.invokeAutocomplete(input) : discord.invokeCommand(input);
      };

      // Idle: commands registered, gateway connected, nothing asked yet.
      await sleep(2_000);
      const idleRss = bot.rssMiB();
      let peakRss = idleRss;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, bot.rssMiB());
      }, RSS_SAMPLE_MS);

      try {
        // 20 provisions, one per user; wait until the API accepted each (the bot's reply is no longer "thinking…").
        const creates = USERS.map(
          (userId, i) =>
            invoke(userId, 'create', { game: 'minecraft-java', name: serverName(i) }) as InteractionHandle,
        );
        const createSamples = await Promise.all(
          creates.map(async (handle) => {
            const started = performance.now();
            await handle.response(10_000).catch(() => undefined);
            return performance.now() - started;
          }),
        );
        await Promise.all(
          creates.map((handle) => handle.waitForOriginal((m) => ((m.flags ?? 0) & 128) === 0, 30_000)),
        );
        const statesBefore = serverStates(stack.databasePath);

        // 200 interactions at a steady pace, without waiting for the answers.
        const pending: Promise<Sample>[] = [];
        const measureStarted = performance.now();
        for (let i = 0; i < INTERACTIONS; i++) {
          const owner = i % PROVISIONS;
          const userId = USERS[owner]!;
          const kind: Kind = (['list', 'status', 'autocomplete'] as const)[i % 3]!;
          pending.push(
            timed(kind, () =>
              kind === 'list'
                ? invoke(userId, 'list', {})
                : kind === 'status'
                  ? invoke(userId, 'status', { name: serverName(owner) })
                  : invoke(userId, 'status', { name: 'bench' }, 'name'),
            ),
          );
          const next = measureStarted + (i + 1) * PACE_MS;
          await sleep(Math.max(0, next - performance.now()));
        }
        const samples = await Promise.all(pending);
        const measureMs = performance.now() - measureStarted;
        const statesAfter = serverStates(stack.databasePath);
        clearInterval(sampler);
        peakRss = Math.max(peakRss, bot.rssMiB());

        const deadlineMisses = discord.requests.filter((r) => r.code === 10062).length;
        const late = samples.filter((s) => s.late).length;
        const running = (states: Record<string, number>) =>
          Object.entries(states)
            .filter(([state]) => state !== 'running' && state !== 'failed')
            .reduce((sum, [, n]) => sum + n, 0);
        const row = (label: string, ms: number[]) => ({
          interactions: label,
          count: ms.length,
          'p50 ms': round(percentile(ms, 50), 1),
          'p99 ms': round(percentile(ms, 99), 1),
          'max ms': round(Math.max(0, ...ms), 1),
        });
        const all = samples.filter((s) => !s.late).map((s) => s.ms);
        printTable(
          `INTERACTION_CREATE → first callback, one every ${PACE_MS} ms during ${PROVISIONS} provisions (goal p99 < ${GOAL_P99_MS} ms)`,
          [
            row('all', all),
            ...(['list', 'status', 'autocomplete'] as const).map((kind) =>
              row(
                kind === 'list'
                  ? '/server list'
                  : kind === 'status'
                    ? '/server status'
                    : 'autocomplete (status name)',
                samples.filter((s) => s.kind === kind && !s.late).map((s) => s.ms),
              ),
            ),
            row('/server create (the 20, at once)', createSamples),
          ],
        );
        printTable('Load and deadlines', [
          {
            'measured s': round(measureMs / 1000, 1),
            'provisions in flight at start': running(statesBefore),
            'in flight at end': running(statesAfter),
            'deadline misses (10062)': deadlineMisses,
            'no answer in 10 s': late,
            'autocomplete with choices': samples.filter((s) => s.choices === true).length,
          },
        ]);
        printTable(`Bot resident memory, MiB (goal < ${GOAL_RSS_MIB} MB)`, [
          {
            process: 'discord-bot',
            'idle (commands registered)': round(idleRss, 0),
            [`peak (sampled every ${RSS_SAMPLE_MS} ms)`]: round(peakRss, 0),
          },
        ]);
        printJsonLine('discord-interactions', {
          interactions: all.length,
          paceMs: PACE_MS,
          provisions: PROVISIONS,
          inFlight: { atStart: running(statesBefore), atEnd: running(statesAfter) },
          latencyMs: {
            p50: round(percentile(all, 50)),
            p99: round(percentile(all, 99)),
            max: round(Math.max(0, ...all)),
          },
          createFirstCallbackP99Ms: round(percentile(createSamples, 99)),
          deadlineMisses,
          unanswered: late,
          autocompleteWithChoices: samples.filter((s) => s.choices === true).length,
          rssMiB: { idle: round(idleRss, 1), peak: round(peakRss, 1) },
          goals: { p99Ms: GOAL_P99_MS, rssMB: GOAL_RSS_MIB },
        });
      } finally {
        clearInterval(sampler);
      }
    } finally {
      await stack.stop();
    }
  },
};
