// Time-to-playable on real VMs (the lab): from the `/server create` slash command (the fake Discord and the real
// bot) to the notice that follows the game's first answered query, split by the pipeline's own steps, plus the
// memory of each VM and of the lab. Needs root and the lab's Debian packages.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { detectAccelerator } from '@guildserver/lab';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';
import {
  ALICE,
  GENERAL,
  GUILD,
  newStatePath,
  serverOptions,
  startDiscord,
  startTestBot,
  textOf,
} from '../apps/discord-bot/test/integration/harness';
import type { Job, PoolStatus, PoolVm, Server } from '../packages/contracts/src/index';
import { missingLabTools } from '../packages/pve-sim/src/index';
import { buildImageByHand, gameImageOnLab } from '../test/support/lab-image';
import { playerJoins } from '../test/support/lab-player';
import { type LabStack, startLabStack } from '../test/support/lab-stack';
import { rssMiBOf } from './api-process';
import type { Benchmark } from './benchmark';
import { printJsonLine, printTable, round } from './report';

const RUNS = Number(process.env.LAB_BENCH_RUNS ?? 2);
/** Debian-packaged games to time, comma-separated (LAB_BENCH_GAMES=openttd,openarena,luanti). */
const GAMES = (process.env.LAB_BENCH_GAMES ?? 'openttd').split(',').map((g) => g.trim());
/**
 * How creates are timed (LAB_BENCH_ROUTES=install,image): `install` installs the game in full (and a start of
 * the stopped server follows); `image` first builds the game's image by hand, as an operator does, then creates
 * from it. `pool` and `sleep` (below) only when named.
 */
const ROUTES = new Set((process.env.LAB_BENCH_ROUTES ?? 'install,image').split(',').map((r) => r.trim()));
/**
 * With the `pool` route (LAB_BENCH_ROUTES=pool): the warm-pool modes timed (LAB_BENCH_POOL_MODES=stopped,booted),
 * each on a lab stack of its own with WARM_POOL=<game>:1, its image kept from the lab e2e (or built with `gs
 * image build`): how long the pool VM took to make, then a create that takes it.
 */
const POOL_MODES = (process.env.LAB_BENCH_POOL_MODES ?? 'stopped,booted').split(',').map((m) => m.trim());
/**
 * With the `sleep` route (LAB_BENCH_ROUTES=sleep): a server created from the game's image (kept by the lab e2e,
 * or built with `gs image build`) is left without players RUNS times: it falls asleep (hibernated), a player's
 * join at its address wakes it; then it is stopped and started once, the cold boot a wake would cost otherwise.
 * "until playable": a join → the game answering at its address; for the boot, `/server start` → "is running".
 */
const SLEEP_SETTINGS = { MONITOR_INTERVAL: '5s', IDLE_SLEEP_AFTER: '20s', IDLE_MIN_AWAKE: '20s' };

/** The steps of create and start jobs (apps/api/src/pipeline/plans.ts), grouped as the issue reports them. */
const GROUPS: Record<string, string[]> = {
  clone: ['verify_vmid', 'adopt_vm', 'clone', 'configure', 'resize_disk'],
  'start → agent IPv4': ['check_vm', 'start_vm', 'wait_network'],
  ansible: ['setup_game'],
  'game ready': ['wait_game'],
  'edge publish': ['publish_ports'],
};

/** Seconds per group; throws if a job has a step no group names (the plans changed: update GROUPS). */
function secondsByGroup(job: Job): Record<string, number> {
  const grouped = Object.values(GROUPS).flat();
  const stray = job.steps.filter((s) => !grouped.includes(s.name)).map((s) => s.name);
  if (stray.length > 0) throw new Error(`steps missing from GROUPS: ${stray.join(', ')}`);
  return Object.fromEntries(
    Object.entries(GROUPS).map(([group, names]) => [
      `${group} s`,
      round(
        job.steps.filter((s) => names.includes(s.name)).reduce((sum, s) => sum + (s.durationMs ?? 0), 0) /
          1000,
        1,
      ),
    ]),
  );
}

function qemuRssMiB(stack: LabStack, vmid: number): number {
  const pid = Number(readFileSync(`${stack.lab.stateDir}/vms/${vmid}/qemu.pid`, 'utf8').trim());
  return rssMiBOf(pid);
}

const run = promisify(execFile);

/**
 * Runs a command on a VM as GuildServer's user, the way Ansible reaches it. Asynchronously: this process also
 * serves the simulator, the QEMU backend and the apt proxy, and a blocked event loop lets the API close its
 * kept-alive connection under the next request.
 */
async function onVm(stack: LabStack, ipv4: string, command: string): Promise<string> {
  try {
    const { stdout } = await run(
      'ssh',
      [
        ...['-i', stack.privateKeyFile, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no'],
        ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `gameserver@${ipv4}`, command],
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    return stdout;
  } catch {
    return '';
  }
}

/**
 * Where the time inside the VM went, from its own records: the guest's boot (systemd-analyze), cloud-init's
 * first-boot package upgrade (which the playbook waits for) and the dpkg runs of the playbook's installs (apt's
 * history log; downloads not included).
 */
async function insideVm(
  stack: LabStack,
  ipv4: string,
): Promise<{ upgrade: number; installs: number; boot: number }> {
  const blame = await onVm(stack, ipv4, 'sudo cloud-init analyze blame');
  const upgrade = Number(
    /([\d.]+)s \(modules-final\/config-package[-_]update[-_]upgrade[-_]install\)/.exec(blame)?.[1] ?? 0,
  );
  const history = await onVm(stack, ipv4, 'cat /var/log/apt/history.log');
  let installs = 0;
  for (const entry of history.split(/\n\s*\n/)) {
    const start = /^Start-Date: (.+)$/m.exec(entry)?.[1];
    const end = /^End-Date: (.+)$/m.exec(entry)?.[1];
    const commandline = /^Commandline: (.+)$/m.exec(entry)?.[1] ?? '';
    if (!start || !end || !/\binstall\b/.test(commandline)) continue;
    installs += (Date.parse(end.replace(/\s+/, 'T')) - Date.parse(start.replace(/\s+/, 'T'))) / 1000;
  }
  return {
    upgrade,
    installs,
    boot: bootSeconds(
      // right after the game answers, a unit may still be starting ("Bootup is not yet finished")
      await onVm(stack, ipv4, 'systemctl is-system-running --wait >/dev/null; systemd-analyze'),
    ),
  };
}

/** "Startup finished in 3.1s (kernel) + 1min 2.5s (userspace) = 1min 5.6s" → 65.6 */
function bootSeconds(analyze: string): number {
  const total = /= (?:(\d+)min )?([\d.]+)s/.exec(analyze);
  return total ? Number(total[1] ?? 0) * 60 + Number(total[2]) : 0;
}

function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

/** A lab stack with the fake Discord and the real bot, and the calls the timings need. */
async function openBench(redisUrl: string, settings: Record<string, string> = {}) {
  const stack = await startLabStack(redisUrl, settings);
  await stack.startWorker();
  const { discord, token } = await startDiscord();
  const bot = await startTestBot({
    discord,
    token,
    apiUrl: stack.apiUrl,
    apiToken: stack.botToken,
    statePath: newStatePath(),
  });
  await discord.waitFor(() => discord.registeredCommands(GUILD).some((c) => c.name === 'server'), 60_000);
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as T;
  };
  const finished = async (jobId: string): Promise<Job> => {
    for (;;) {
      const job = await api<Job>('GET', `/v1/jobs/${jobId}`);
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const serverNamed = async (name: string) =>
    (await api<{ servers: Server[] }>('GET', `/v1/servers?guildId=${GUILD}&limit=100`)).servers.find(
      (s) => s.name === name,
    );
  /**
   * `/server <sub> name:<name>` as the gamer types it; resolves when Discord shows "<name> is running" (the
   * reply or the channel notice), with the seconds it took and the job behind it.
   */
  const slashCommand = async (sub: 'create' | 'start', values: Record<string, string>) => {
    const name = values.name!;
    const started = performance.now();
    const earlierNotices = discord.channelMessages(GENERAL).length;
    const handle = discord.invokeCommand({
      guildId: GUILD,
      channelId: GENERAL,
      userId: ALICE,
      name: 'server',
      options: serverOptions(sub, values),
    });
    let jobId: string | null = null;
    const shown = (predicate: (text: string) => boolean) =>
      predicate(textOf(handle.original())) ||
      discord
        .channelMessages(GENERAL)
        .slice(earlierNotices)
        .some((m) => predicate(textOf(m)));
    for (;;) {
      jobId ??= (await serverNamed(name))?.currentJobId ?? null;
      if (shown((t) => t.includes(`${name} is running`))) break;
      if (shown((t) => t.includes(name) && t.includes('failed')))
        throw new Error(`/server ${sub} ${name} failed: ${textOf(handle.original())}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const seconds = (performance.now() - started) / 1000;
    if (!jobId) throw new Error(`/server ${sub} ${name}: its job was never seen`);
    return { seconds, job: await finished(jobId) };
  };
  return {
    stack,
    api,
    finished,
    serverNamed,
    slashCommand,
    close: async () => {
      await bot.stop();
      await discord.close();
      await stack.close();
    },
  };
}

/**
 * The warm pool in one mode: a stack with WARM_POOL=<game>:1, the game's image (kept by the lab e2e, or built
 * with `gs image build`), the pool VM made in the background (timed from its row), then a create that takes it.
 */
async function timePool(
  redisUrl: string,
  game: string,
  mode: string,
): Promise<Record<string, string | number>> {
  const bench = await openBench(redisUrl, { WARM_POOL: `${game}:1`, WARM_POOL_MODE: mode });
  try {
    await gameImageOnLab(bench.stack, game, 9100);
    // The kept image is put back after the worker's first upkeep: a restart looks again.
    await bench.stack.startWorker();
    let vm: PoolVm | undefined;
    for (;;) {
      const status = await bench.api<PoolStatus>('GET', '/v1/pool');
      vm = status.vms.find((v) => v.state === 'ready');
      if (vm) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const made = (Date.parse(vm.readyAt!) - Date.parse(vm.createdAt)) / 1000;
    // What a spare VM holds while it waits: a booted one its memory, a stopped one nothing.
    const waitingRss = mode === 'booted' ? round(qemuRssMiB(bench.stack, vm.vmid), 0) : 0;
    const name = `bench-${game}-pool-${mode}`;
    const { seconds: total, job } = await bench.slashCommand('create', { game, name });
    if (job.route !== 'pool') throw new Error(`${name} took no pool VM: ${job.route}`);
    const server = (await bench.serverNamed(name))!;
    const done = await bench.api<Server>('GET', `/v1/servers/${server.id}`);
    const row = {
      game,
      mode,
      'pool VM made s': round(made, 1),
      'waiting RSS MiB': waitingRss,
      ...secondsByGroup(job),
      'create total s': round(total, 1),
      'guest boot s': round((await insideVm(bench.stack, done.ipv4!)).boot, 1),
      'VM RSS MiB': round(qemuRssMiB(bench.stack, done.vmid!), 0),
    };
    const removal = await bench.api<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
    await bench.finished(removal.jobId);
    return row;
  } catch (error) {
    console.error(bench.stack.logs());
    throw error;
  } finally {
    await bench.close();
  }
}

/** Polls `check` every half second until it gives a value; gives up after 5 minutes, naming `what`. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after 5 minutes waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const stepSeconds = (job: Job, name: string) =>
  round((job.steps.find((s) => s.name === name)?.durationMs ?? 0) / 1000, 1);
const jobSeconds = (job: Job) => round(job.steps.reduce((sum, s) => sum + (s.durationMs ?? 0), 0) / 1000, 1);

/**
 * Sleep and wake on one server of `game`: per run, the sleep job (the state saved), the memory freed and the
 * state file's size, then a player's join → the game answering at the same address (the resume); last, a stop
 * and `/server start`, the boot a wake by shutdown would cost.
 */
async function timeSleep(redisUrl: string, game: string): Promise<Record<string, string | number>[]> {
  const bench = await openBench(redisUrl, SLEEP_SETTINGS);
  const { stack, api, finished, serverNamed, slashCommand } = bench;
  const rows: Record<string, string | number>[] = [];
  try {
    await gameImageOnLab(stack, game, 9100);
    await stack.startWorker();
    const name = `bench-${game}-sleep`;
    const { job: create } = await slashCommand('create', { game, name });
    const server = (await serverNamed(name))!;
    const view = () => api<Server>('GET', `/v1/servers/${server.id}`);
    const answers = async () => {
      const query = await stack.gsAsPlayer(['query', game, server.address!, '--json', '--timeout', '2']);
      return query.code === 0 && (JSON.parse(query.stdout) as { answered: boolean }).answered;
    };
    const lastJob = async (kind: Job['kind']) => {
      const { events } = await api<{ events: { type: string; jobId?: string; data: { kind?: string } }[] }>(
        'GET',
        `/v1/events?serverId=${server.id}&limit=1000`,
      );
      const queued = events.filter((e) => e.type === 'job.queued' && e.data.kind === kind).at(-1);
      return finished(queued!.jobId!);
    };
    for (let i = 1; i <= RUNS; i++) {
      const awakeRss = qemuRssMiB(stack, server.vmid!);
      await until(`${name} asleep`, async () => ((await view()).state === 'sleeping' ? true : undefined));
      const sleep = await lastJob('sleep');
      const vm = stack.sim.state.vms.find((v) => v.vmid === server.vmid)!;
      const stateFile = `${stack.lab.stateDir}/images/${String(vm.config.vmstate).split(':')[1]}.vmstate`;
      const stateMiB = round(statSync(stateFile).size / 1024 ** 2, 0);
      // A client tries again while nothing answers (the edge takes the ports over a moment after the sleep):
      // timed from the attempt the edge answered.
      const joined = await until(`the edge answering a join at ${server.address}`, async () => {
        const sent = performance.now();
        const reply = await playerJoins(stack.lab.network, game, server.address!);
        return reply.includes('waking up') ? sent : undefined;
      });
      await until(`${name} playable again`, async () => {
        const now = await view();
        return now.state === 'running' && now.publication === 'published' && (await answers())
          ? true
          : undefined;
      });
      const wake = await lastJob('wake');
      rows.push({
        game,
        run: i,
        'sleep job s': jobSeconds(sleep),
        'state saved s': stepSeconds(sleep, 'sleep_vm'),
        'state MiB': stateMiB,
        'RSS freed MiB': round(awakeRss, 0),
        'until playable s': round((performance.now() - joined) / 1000, 1),
        'resume s': stepSeconds(wake, 'start_vm'),
        'wake job s': jobSeconds(wake),
      });
      printJsonLine('lab-sleep-run', rows.at(-1)!);
    }
    // The other way to sleep: shut down, then boot on the join (start → agent → game), as `/server start` does.
    const stop = await api<{ jobId: string }>('POST', `/v1/servers/${server.id}/stop`);
    await finished(stop.jobId);
    const { seconds, job: start } = await slashCommand('start', { name });
    rows.push({
      game,
      run: 'boot',
      'wake job s': jobSeconds(start),
      'until playable s': round(seconds, 1),
      'resume s': 0,
      'boot in create s': round(
        ['start_vm', 'wait_network', 'wait_game'].reduce((sum, step) => sum + stepSeconds(create, step), 0),
        1,
      ),
    });
    const removal = await api<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
    await finished(removal.jobId);
    return rows;
  } catch (error) {
    console.error(stack.logs());
    throw error;
  } finally {
    await bench.close();
  }
}

export const labProvision: Benchmark = {
  name: 'lab',
  summary:
    'real VMs: /server create → "is running" by route (full install, game image, warm pool), by step, memory; idle sleep and wake on a join',
  async run() {
    const missing = await missingLabTools();
    if (missing.length > 0 || process.getuid?.() !== 0) {
      console.log(`  skipped: the lab needs root and ${missing.join(', ') || 'nothing else'}`);
      return;
    }
    const accel = detectAccelerator();
    console.log(`  accelerator: ${accel.kind} (${accel.reason})`);
    const redis = await ensureRedis(process.env.REDIS_URL, mkdtempSync(join(tmpdir(), 'gs-bench-lab-')));
    if (ROUTES.has('pool')) {
      const poolRows: Record<string, string | number>[] = [];
      try {
        for (const game of GAMES)
          for (const mode of POOL_MODES) {
            poolRows.push(await timePool(redis.url, game, mode));
            // Each as it comes: a later failure keeps the figures of the earlier modes.
            printJsonLine('lab-pool-run', poolRows.at(-1)!);
          }
      } catch (error) {
        await redis.stop();
        throw error;
      }
      printTable(`/server create taking a warm-pool VM, on real VMs (${accel.kind})`, poolRows);
      printJsonLine('lab-pool', { accel: accel.kind, runs: poolRows });
    }
    if (ROUTES.has('sleep')) {
      const sleepRows: Record<string, string | number>[] = [];
      try {
        for (const game of GAMES) sleepRows.push(...(await timeSleep(redis.url, game)));
      } catch (error) {
        await redis.stop();
        throw error;
      }
      printTable(
        `Idle sleep (hibernate) and wake on a join, against a boot, on real VMs (${accel.kind})`,
        sleepRows,
      );
      printJsonLine('lab-sleep', { accel: accel.kind, runs: sleepRows });
    }
    if (!ROUTES.has('install') && !ROUTES.has('image')) {
      await redis.stop();
      return;
    }
    const bench = await openBench(redis.url);
    const { stack, api, finished, serverNamed, slashCommand } = bench;
    const interrupted = async () => {
      await bench.close();
      await redis.stop();
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    const rows: Record<string, string | number>[] = [];
    const imageBuilds: Record<string, string | number>[] = [];
    try {
      for (const [index, game] of GAMES.entries()) {
        for (let i = 1; i <= RUNS && ROUTES.has('install'); i++) {
          const name = `bench-${game}-${i}`;
          const { seconds: total, job } = await slashCommand('create', { game, name });
          const server = (await serverNamed(name))!;
          const done = await api<Server>('GET', `/v1/servers/${server.id}`);
          const inside = await insideVm(stack, done.ipv4!);
          const vmRss = round(qemuRssMiB(stack, done.vmid!), 0);
          rows.push({
            game,
            run: i,
            job: 'create',
            ...secondsByGroup(job),
            'total s': round(total, 1),
            'guest boot s': round(inside.boot, 1),
            'first-boot upgrade s': round(inside.upgrade, 1),
            'playbook dpkg s': round(inside.installs, 1),
            'VM RSS MiB': vmRss,
          });
          // A start of the stopped server: what a template with the game already installed would cost
          // (boot, agent, game), without the first boot's package upgrade or the playbook.
          const stop = await api<{ jobId: string }>('POST', `/v1/servers/${server.id}/stop`);
          if ((await finished(stop.jobId)).state !== 'succeeded') throw new Error(`${game}: the stop failed`);
          const { seconds: restartSeconds, job: startJob } = await slashCommand('start', { name });
          rows.push({
            game,
            run: i,
            job: 'start',
            ...secondsByGroup(startJob),
            'total s': round(restartSeconds, 1),
            'guest boot s': round((await insideVm(stack, done.ipv4!)).boot, 1),
            'first-boot upgrade s': 0,
            'playbook dpkg s': 0,
            'VM RSS MiB': round(qemuRssMiB(stack, done.vmid!), 0),
          });
          const removal = await api<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
          await finished(removal.jobId);
        }
        if (!ROUTES.has('image')) continue;
        const built = await buildImageByHand(stack, game, 9100 + index);
        imageBuilds.push({ game, vmid: built.vmid, ...built.seconds });
        for (let i = 1; i <= RUNS; i++) {
          const name = `bench-${game}-image-${i}`;
          const { seconds: total, job } = await slashCommand('create', { game, name });
          if (job.route !== 'image') throw new Error(`${name} was not created from the image: ${job.route}`);
          const server = (await serverNamed(name))!;
          const done = await api<Server>('GET', `/v1/servers/${server.id}`);
          const inside = await insideVm(stack, done.ipv4!);
          rows.push({
            game,
            run: i,
            job: 'create (image)',
            ...secondsByGroup(job),
            'total s': round(total, 1),
            'guest boot s': round(inside.boot, 1),
            'first-boot upgrade s': round(inside.upgrade, 1),
            'playbook dpkg s': 0,
            'VM RSS MiB': round(qemuRssMiB(stack, done.vmid!), 0),
          });
          const removal = await api<{ jobId: string }>('DELETE', `/v1/servers/${server.id}`);
          await finished(removal.jobId);
        }
      }
      if (imageBuilds.length > 0)
        printTable(
          'Game images built by hand (clone, boot, --tags install, seal.yml, template), seconds',
          imageBuilds,
        );
      const labRss = rssMiBOf(process.pid) + pidsOf('dnsmasq').reduce((sum, pid) => sum + rssMiBOf(pid), 0);
      printTable(
        `/server create → "is running" in Discord, then /server start of the stopped server, on real VMs (${accel.kind})`,
        rows,
      );
      console.log(
        `  lab (simulator + backend + apt proxy in this process, dnsmasq): ${round(labRss, 0)} MiB RSS`,
      );
      printJsonLine('lab', { accel: accel.kind, runs: rows, imageBuilds, labRssMiB: round(labRss, 0) });
    } catch (error) {
      console.error(stack.logs());
      throw error;
    } finally {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      await bench.close();
      await redis.stop();
    }
  },
};
