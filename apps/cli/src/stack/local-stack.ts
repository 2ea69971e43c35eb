import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ApiError } from '@guildserver/api-client';
import type { FakeDiscord } from '@guildserver/discord-fake';
import { getGame, isGameId, isLicenceId, resolveGameSizes, unacceptedLicences } from '@guildserver/games';
import type { RunningSimulator } from '@guildserver/pve-sim';
import { pollUntil } from '@guildserver/timing';
import { createCliApiClient } from '../api/client.js';
import type { Place } from '../commands/create-place.js';
import type { CliEnvironment } from '../config.js';
import { DEFAULT_SIM_TOKEN, startEmbeddedSimulator } from '../embedded-simulator.js';
import { CliError } from '../errors.js';
import { watchJob } from '../progress/job-watch.js';
import { type Output, painter, reporterFor, seconds } from '../progress/renderers.js';
import {
  type ApiProcess,
  type ChildEnv,
  createAdminToken,
  mintToken,
  pickPort,
  spawnApi,
} from './api-process.js';
import { botEnvironment, DEMO_DISCORD, spawnBot, startDemoDiscord, waitForBotReady } from './discord.js';
import { edgeEnvironment, spawnEdge, waitForEdgeReport } from './edge.js';
import { licencesForStack } from './licences.js';
import { readStackState, type StackState, writeStackState } from './state-file.js';
import { type Supervised, supervise } from './supervisor.js';

export interface StackOptions {
  dataDir: string;
  apiPort: number;
  simPort: number;
  timeScale: number;
  /** Create one server, wait for it, delete it, and stop: the start command's self-check for CI. */
  smoke: boolean;
  /** Start the Discord bot (against the fake Discord unless DISCORD_TOKEN is set); default true. */
  discord?: boolean;
  /** Accept the games' licences on the operator's behalf when GAME_LICENSES_ACCEPTED is unset; default true. */
  acceptLicences?: boolean;
}

/** Without the fake Discord, the smoke check's server goes to a guild and user of its own. */
const SMOKE_PLACE: Place = {
  guildId: '100000000000000099',
  ownerId: '200000000000000099',
  channelId: '300000000000000099',
};

class Interrupted extends Error {}

const GAME_SIZE_PREFIX = 'PROXMOX_RESOURCES_';

/**
 * `up`, what `bash scripts/start.sh` runs: a simulated Proxmox VE cluster (realistic timings, scaled), the
 * API with a worker as a child process group (it starts its own redis-server unless REDIS_URL is set), an
 * admin token in the state file for `gs`; then it serves until Ctrl-C, restarting a child that crashes, and
 * stops everything it started.
 */
export async function runLocalStack(
  env: CliEnvironment,
  options: StackOptions,
  out: Output,
): Promise<number> {
  // A wrong PROXMOX_RESOURCES_<GAME> stops the start before anything runs, as it would stop the API.
  resolveGameSizes(env.inherited);
  const paint = painter(out.color);
  const print = (line = '') => out.write(`${line}\n`);
  const dataDir = resolve(options.dataDir);
  const show = (path: string) => {
    const near = relative(process.cwd(), path);
    return near === '' ? '.' : near.startsWith('..') ? path : near;
  };
  mkdirSync(dataDir, { recursive: true });
  const statePath = env.stateFile ? resolve(env.stateFile) : join(dataDir, 'stack.json');
  const logPath = join(dataDir, 'api.log');
  const licences = licencesForStack(env.inherited, options.acceptLicences !== false);

  // Ctrl-C at any moment, even half-way through starting, stops what was started so far.
  let interrupt: (signal: string) => void = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    interrupt = (signal) => reject(new Interrupted(signal));
  });
  interrupted.catch(() => {});
  let firstSignalAt = 0;
  // Each child as started, until it is supervised (then restarted when it crashes).
  let api: ApiProcess | Supervised | undefined;
  let bot: ApiProcess | Supervised | undefined;
  let edge: ApiProcess | Supervised | undefined;
  let fake: FakeDiscord | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === 0) {
      firstSignalAt = Date.now();
      interrupt(signal);
    } else if (Date.now() - firstSignalAt > 1_500) {
      // A second Ctrl-C while stopping: no more waiting.
      api?.kill();
      bot?.kill();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const killOnExit = () => {
    api?.kill();
    bot?.kill();
    edge?.kill();
  };
  process.on('exit', killOnExit);
  const step = <T>(work: Promise<T>) => Promise.race([work, interrupted]);

  let sim: RunningSimulator | undefined;
  let state: StackState | undefined;
  /** Records a (re)started child's process id for whoever reads the state file. */
  const recordChild = (which: 'api' | 'discordBot' | 'edge', child: ApiProcess) => {
    if (!state) return;
    state.children = { ...state.children, [which]: child.pid };
    writeStackState(statePath, state);
  };
  let code = 0;
  try {
    sim = await step(
      startEmbeddedSimulator({
        port: options.simPort,
        timeScale: options.timeScale,
        statePath: join(dataDir, 'pve-sim.json'),
      }),
    );
    const apiPort = await step(pickPort(options.apiPort));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const childEnv = apiEnvironment(env, sim, apiPort, dataDir, licences.value);
    print(`${paint.bold('GuildServer')}: starting the local stack in ${show(dataDir)}/`);
    print(`  Proxmox VE  ${sim.url} (simulated PVE ${sim.version}, realistic timings ×${options.timeScale})`);

    const firstApi = spawnApi('all', childEnv, logPath);
    api = firstApi;
    const exitedEarly = firstApi.exited.then((how) => {
      const why = firstApi.lastSentence();
      throw new CliError(
        `The API stopped (${how})${why ? `: ${why.replace(/[.:]?$/, '')}` : ''}; see ${show(logPath)}.`,
        'stack_failed',
      );
    });
    exitedEarly.catch(() => {});
    await step(Promise.race([waitForHealth(apiUrl, 120_000), exitedEarly]));
    const redis = env.redisUrl
      ? `${redactUrl(env.redisUrl)} (REDIS_URL)`
      : `its own redis-server, data in ${show(join(dataDir, 'redis'))}/`;
    print(`  API+worker  ${apiUrl} (logs: ${show(logPath)}; Redis: ${redis})`);
    print(`  Licences    ${licences.line}`);

    const token = await step(Promise.race([adminToken(statePath, apiUrl, childEnv), exitedEarly]));
    state = {
      apiUrl,
      token,
      dataDir,
      simulator: { url: sim.url, fingerprint: sim.fingerprint },
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    writeStackState(statePath, state);
    print(`  admin token ${show(statePath)} (gs reads it from there when API_URL and API_TOKEN are unset)`);
    const supervisedApi = supervise(firstApi, {
      label: 'The API',
      spawn: () => spawnApi('all', childEnv, logPath),
      ready: (child) => waitForHealth(apiUrl, 120_000, child.exited),
      log: show(logPath),
      say: (line) => print(`gs: ${line}`),
      onSpawned: (child) => recordChild('api', child),
    });
    api = supervisedApi;
    const failures: Promise<never>[] = [supervisedApi.gaveUp];

    // The edge, dry: the simulated VMs cannot be reached, and nothing here runs as root.
    const edgeLog = join(dataDir, 'edge.log');
    const edgeToken = await step(
      Promise.race([mintToken(apiUrl, token, 'edge (gs up, dry)', 'edge'), exitedEarly]),
    );
    const edgeEnv = edgeEnvironment(env.inherited, apiUrl, edgeToken);
    const firstEdge = spawnEdge(edgeEnv, edgeLog);
    edge = firstEdge;
    const edgeExited = firstEdge.exited.then((how) => {
      const why = firstEdge.lastSentence();
      throw new CliError(
        `The edge stopped (${how})${why ? `: ${why.replace(/[.:]?$/, '')}` : ''}; see ${show(edgeLog)}.`,
        'stack_failed',
      );
    });
    edgeExited.catch(() => {});
    await step(Promise.race([waitForEdgeReport(apiUrl, token, edgeExited), exitedEarly]));
    print(
      `  Edge        dry: computes and reports the forwarding table, applies nothing (the VMs are simulated); \`gs edge rules\` shows it; logs: ${show(edgeLog)}`,
    );
    const supervisedEdge = supervise(firstEdge, {
      label: 'The edge',
      spawn: () => spawnEdge(edgeEnv, edgeLog),
      log: show(edgeLog),
      say: (line) => print(`gs: ${line}`),
      onSpawned: (child) => recordChild('edge', child),
    });
    edge = supervisedEdge;
    failures.push(supervisedEdge.gaveUp);

    // The Discord side: the bot, against the fake Discord unless DISCORD_TOKEN is set.
    if (options.discord !== false) {
      const realToken = env.inherited.DISCORD_TOKEN?.trim();
      const botLog = join(dataDir, 'discord-bot.log');
      const botToken = await step(
        Promise.race([mintToken(apiUrl, token, 'discord-bot (gs up)', 'bot'), exitedEarly]),
      );
      const settings = {
        apiUrl,
        apiToken: botToken,
        statePath: join(dataDir, realToken ? 'discord-bot.json' : 'discord-bot-fake.json'),
      };
      let botEnv: ChildEnv;
      if (realToken) {
        botEnv = botEnvironment(env.inherited, {
          ...settings,
          discordToken: realToken,
          ...(env.inherited.DISCORD_GUILD_ID ? { guildId: env.inherited.DISCORD_GUILD_ID } : {}),
        });
        state.discord = {
          mode: 'discord',
          ...(env.inherited.DISCORD_GUILD_ID ? { guildId: env.inherited.DISCORD_GUILD_ID } : {}),
        };
      } else {
        const started = await step(startDemoDiscord());
        fake = started.fake;
        botEnv = botEnvironment(env.inherited, {
          ...settings,
          discordToken: started.botToken,
          discordApiUrl: fake.restUrl,
          guildId: DEMO_DISCORD.guildId,
        });
        state.discord = {
          mode: 'fake',
          controlUrl: fake.controlUrl!,
          guildId: DEMO_DISCORD.guildId,
          channelId: DEMO_DISCORD.channelId,
          users: [DEMO_DISCORD.demoUser.username, DEMO_DISCORD.otherUser.username],
          userId: DEMO_DISCORD.demoUser.id,
        };
      }
      const firstBot = spawnBot(botEnv, botLog);
      bot = firstBot;
      const botExited = firstBot.exited.then((how) => {
        const why = firstBot.lastSentence();
        throw new CliError(
          `The Discord bot stopped (${how})${why ? `: ${why.replace(/[.:]?$/, '')}` : ''}; see ${show(botLog)}.`,
          'stack_failed',
        );
      });
      botExited.catch(() => {});
      const connectedFake = fake;
      if (connectedFake) {
        await step(Promise.race([waitForBotReady(connectedFake, botExited), exitedEarly]));
        print(
          `  Discord     fake Discord at ${connectedFake.restUrl} (guild "${DEMO_DISCORD.guildName}", #${DEMO_DISCORD.channelName}; users ${DEMO_DISCORD.demoUser.username} (admin) and ${DEMO_DISCORD.otherUser.username}); bot logs: ${show(botLog)}`,
        );
      } else {
        print(`  Discord     the real Discord (DISCORD_TOKEN is set); bot logs: ${show(botLog)}`);
      }
      const supervisedBot = supervise(firstBot, {
        label: 'The Discord bot',
        spawn: () => spawnBot(botEnv, botLog),
        ...(connectedFake
          ? {
              ready: (child: ApiProcess) =>
                waitForBotReady(
                  connectedFake,
                  child.exited.then(() => {
                    throw new Error('stopped');
                  }),
                ),
            }
          : {}),
        log: show(botLog),
        say: (line) => print(`gs: ${line}`),
        onSpawned: (child) => recordChild('discordBot', child),
      });
      bot = supervisedBot;
      failures.push(supervisedBot.gaveUp);
      writeStackState(statePath, state);
    }
    print();

    const fails = Promise.race(failures);
    if (options.smoke) {
      if (fake?.controlUrl) code = await step(Promise.race([smokeSay(fake.controlUrl, out), fails]));
      const place: Place = fake
        ? {
            guildId: DEMO_DISCORD.guildId,
            ownerId: DEMO_DISCORD.otherUser.id,
            channelId: DEMO_DISCORD.channelId,
          }
        : SMOKE_PLACE;
      if (code === 0)
        code = await step(Promise.race([smoke(apiUrl, token, place, licences.value, out), fails]));
    } else {
      const envHint =
        env.stateFile || show(statePath) === 'data/stack.json' ? '' : `GS_STATE_FILE=${show(statePath)} `;
      print('Drive it with gs:');
      print(`  ${envHint}pnpm gs games`);
      print(`  ${envHint}pnpm gs create minecraft-java survival --watch`);
      print(`  ${envHint}pnpm gs list`);
      print(
        `  ${envHint}pnpm gs stop survival --watch     (also start, restart, delete, status, watch, --json)`,
      );
      print(`Elsewhere: API_URL=${apiUrl} API_TOKEN=<token from ${show(statePath)}> gs …`);
      if (fake) {
        print();
        print('Type into the fake Discord as a user would (no Discord account needed):');
        print(`  ${envHint}pnpm discord say "/server create game:minecraft-java name:survival"`);
        print(`  ${envHint}pnpm discord say "/server list" --as ${DEMO_DISCORD.otherUser.username}`);
        print(
          `  ${envHint}pnpm discord click <message id> <button id>    (ids are printed with each message)`,
        );
      }
      print();
      print('Press Ctrl-C to stop everything.');
      await step(fails);
    }
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    print();
    print('Stopping…');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Keep listening so a Ctrl-C during clean-up does not kill us half-way (a second one, later, forces it).
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await bot?.stop(5_000);
    await edge?.stop(5_000);
    await fake?.close();
    await api?.stop();
    await sim?.close();
    const last = readStackState(statePath);
    if (last?.pid === process.pid)
      writeStackState(statePath, { ...last, pid: undefined, children: undefined });
    process.off('exit', killOnExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!options.smoke)
    print(
      `Stopped: the simulator, the API and the worker (and its redis-server), the edge${bot ? ', the Discord bot' : ''}${fake ? ', the fake Discord' : ''} are down.`,
    );
  return code;
}

/**
 * The API's environment: the caller's, with Proxmox pointed at the simulator, the data in `dataDir` and the
 * licences chosen for the stack. A real cluster's PROXMOX_* settings (say, from .env) stay out; the game sizes
 * (PROXMOX_RESOURCES_<GAME>) are the admin's choice for any cluster and go through.
 */
function apiEnvironment(
  env: CliEnvironment,
  sim: RunningSimulator,
  apiPort: number,
  dataDir: string,
  licencesAccepted: string,
): ChildEnv {
  const inherited: ChildEnv = {};
  for (const [key, value] of Object.entries(env.inherited)) {
    const clusterSetting = key.startsWith('PROXMOX_') && !key.startsWith(GAME_SIZE_PREFIX);
    if (clusterSetting || key === 'API_URL' || key === 'API_TOKEN') continue;
    inherited[key] = value;
  }
  return {
    ...inherited,
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    PROXMOX_TLS_FINGERPRINT: sim.fingerprint,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    DATABASE_PATH: join(dataDir, 'guildserver.sqlite'),
    GAME_RUNNER: 'simulated',
    GAME_LICENSES_ACCEPTED: licencesAccepted,
    LOG_LEVEL: env.inherited.LOG_LEVEL || 'info',
  };
}

/** Resolves once the API answers /healthz; rejects after `timeoutMs`, or as soon as `exited` settles. */
async function waitForHealth(apiUrl: string, timeoutMs: number, exited?: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited?.finally(() => {
    gone = true;
  });
  const stopped = () =>
    new CliError(`The API at ${apiUrl} stopped before it answered /healthz.`, 'stack_failed');
  await pollUntil(
    async () => {
      if (gone) throw stopped();
      try {
        const response = await fetch(`${apiUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
        return response.ok || undefined;
      } catch {
        return undefined; // not up yet
      }
    },
    {
      timeoutMs,
      intervalMs: 200,
      onTimeout: () =>
        gone
          ? stopped()
          : new CliError(
              `The API did not answer at ${apiUrl}/healthz within ${timeoutMs / 1000} s.`,
              'stack_failed',
            ),
    },
  );
}

/** The token from an earlier start when the API still knows it, else a new one (the first start). */
async function adminToken(statePath: string, apiUrl: string, childEnv: ChildEnv): Promise<string> {
  const previous = readStackState(statePath)?.token;
  if (previous) {
    try {
      await createCliApiClient({ baseUrl: apiUrl, token: previous }).games();
      return previous;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
    }
  }
  return createAdminToken(childEnv, 'local-admin (scripts/start.sh)');
}

/** One server through create and delete, with the same progress display as `gs create --watch`. */
async function smoke(
  apiUrl: string,
  token: string,
  place: Place,
  licencesAccepted: string,
  out: Output,
): Promise<number> {
  const paint = painter(out.color);
  const print = (line: string) => out.write(`${line}\n`);
  const client = createCliApiClient({ baseUrl: apiUrl, token });
  // Minecraft Java when its licence was accepted, else the first game that needs none.
  const accepted = new Set(licencesAccepted.split(',').filter(isLicenceId));
  const games = (await client.games()).filter(
    (g) => isGameId(g.id) && unacceptedLicences(getGame(g.id), accepted).length === 0,
  );
  const game = games.find((g) => g.id === 'minecraft-java') ?? games[0];
  if (!game) throw new CliError('The API lists no games, so there is nothing to create.', 'stack_failed');
  const name = `smoke-${Date.now().toString(36)}`;
  const started = Date.now();
  print(`Smoke check: create ${name} (${game.id}), wait until it runs, delete it.`);
  const created = await client.createServer({ game: game.id, name, ...place });
  const job = await watchJob(client, created.jobId, reporterFor(out, false));
  if (job.state !== 'succeeded') {
    const failed = job.steps.find((s) => s.state === 'failed');
    print(
      paint.red(
        `✗ smoke: the create failed${failed ? ` at "${failed.title}"` : ''}: ${job.error?.message ?? '?'}`,
      ),
    );
    return 1;
  }
  const server = await client.getServer(created.server.id);
  print(
    paint.green(
      `✓ ${name} is ${server.state} at ${server.address ?? '?'} (${seconds(Date.now() - started)})`,
    ),
  );
  const removal = await client.deleteServer(server.id);
  const deleted = await watchJob(client, removal.jobId, reporterFor(out, false));
  if (deleted.state !== 'succeeded') {
    print(paint.red(`✗ smoke: the delete failed: ${deleted.error?.message ?? '?'}`));
    return 1;
  }
  print(
    paint.green(
      `✓ smoke check passed: created, ran and deleted ${name} in ${seconds(Date.now() - started)}.`,
    ),
  );
  return server.state === 'running' && server.address ? 0 : 1;
}

/** One `/server list` typed into the fake Discord: the bot answers through the real API. */
async function smokeSay(controlUrl: string, out: Output): Promise<number> {
  const paint = painter(out.color);
  const response = await fetch(`${controlUrl}/say`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: '/server list' }),
  });
  const body = (await response.json()) as {
    message?: { embeds: { title?: string }[]; content: string };
    error?: { message: string };
  };
  if (!response.ok || !body.message) {
    out.write(
      `${paint.red(`✗ smoke: /server list in the fake Discord: ${body.error?.message ?? 'no answer'}`)}\n`,
    );
    return 1;
  }
  const what = body.message.embeds[0]?.title ?? body.message.content;
  out.write(`${paint.green(`✓ Discord: /server list answered "${what}"`)}\n`);
  return 0;
}

const redactUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
