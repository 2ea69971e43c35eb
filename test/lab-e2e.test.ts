// End to end on real VMs, as a user would: the fake Discord → the real discord.js bot → the API → BullMQ on
// Redis → a worker → the simulator with the QEMU backend → a VM booted from the lab template through cloud-init
// → its guest agent's IPv4 → a real ansible-playbook run → the game answers its query → the notice in Discord.
// Then stop, start, delete; and the failure paths: a VM whose agent never starts, a worker killed mid-Ansible.
// `pnpm lab:e2e` runs this file alone; the suite runs it too when the lab's tools are here (root, QEMU…).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_RUNNER_OPTIONS } from '../apps/api/src/pipeline/context';
import type { RunningBot } from '../apps/discord-bot/src/bot';
import {
  ALICE,
  BOB,
  GENERAL,
  GUILD,
  newStatePath,
  serverOptions,
  startDiscord,
  startTestBot,
  textOf,
} from '../apps/discord-bot/test/integration/harness';
import type { Job, Server } from '../packages/contracts/src/index';
import { buttons, type FakeDiscord } from '../packages/discord-fake/src/index';
import { queryGame } from '../packages/game-query/src/index';
import { type GameId, getGame } from '../packages/games/src/index';
import {
  type Deadline,
  type Expected,
  startDeadline,
  TEMPLATE_BUILD_TIME,
  testTimeoutMs,
  waitUntil,
} from '../packages/lab/src/index';
import { missingLabTools } from '../packages/pve-sim/src/index';
import { changedTasks, runPlaybook } from './support/ansible-run';
import { type LabStack, startLabStack } from './support/lab-stack';

const run = promisify(execFile);

// What each wait expects, as measured on the reference host (packages/lab/README.md: 2 cores, TCG, idle); the
// deadlines stretch with this host's load and the VMs at work (packages/lab/src/deadline.ts).
/** Slash command → "… is running", plus the game's own ready deadline, which the worker allows too. */
const creating = (game: GameId, seconds: number, vmsAtOnce: number): Expected => ({
  seconds,
  vmsAtOnce,
  allowanceSeconds: getGame(game).query.readyWithinSeconds,
});
/** OpenTTD alone: 476 s here, 499.5 s in a CI run. */
const CREATE_OPENTTD = creating('openttd', 500, 1);
/** OpenArena and Luanti created at the same moment: 737 s and 613 s (649 s and 526 s in a CI run). */
const CREATE_OPENARENA = creating('openarena', 737, 2);
const CREATE_LUANTI = creating('luanti', 613, 2);
/** `/server start` with the game installed → "… is running": 58.6 s in a CI run (48.1 s in bench:lab). */
const START_OPENTTD = creating('openttd', 58.6, 1);
/** Start → the guest agent's IPv4, the step before Ansible: 60.3 s in bench:lab. */
const BOOT_TO_AGENT: Expected = { seconds: 60.3, vmsAtOnce: 1 };
/**
 * An operator's `--check --diff` run of OpenTTD's playbook on the installed VM: every task checked, none
 * changing. Estimated from bench:lab (Ansible's 383 s create less dpkg's 161 s and the 45 s first-boot wait,
 * the rest being each task's Python on the guest); 264 s in a CI run whose host was shared with other work.
 */
const OPERATOR_CHECK_RUN: Expected = { seconds: 180, vmsAtOnce: 1 };
/** Stop and delete: the worker's graceful-shutdown deadline bounds them (then it stops the VM hard). */
const SHUTDOWN: Expected = { seconds: DEFAULT_RUNNER_OPTIONS.shutdownTimeoutSeconds, vmsAtOnce: 1 };
/**
 * A reply the bot sends at once (Discord wants an interaction answered within 3 s); 30 s leaves room for this
 * process, which also runs the simulator, the QEMU backend and the apt proxy.
 */
const BOT_REPLY: Expected = { seconds: 30, vmsAtOnce: 0 };
/** The side stack's guest-agent deadline in the test of a VM whose agent never starts. */
const AGENT_TIMEOUT_SECONDS = 120;
/** That create fails at the agent deadline, then the worker stops and destroys its VM. */
const AGENT_NEVER_STARTS: Expected = { ...SHUTDOWN, allowanceSeconds: AGENT_TIMEOUT_SECONDS };
const missing = [
  ...(await missingLabTools()),
  ...(process.getuid?.() === 0 ? [] : ['root (network namespaces and taps)']),
];
if (missing.length > 0) {
  console.warn(
    `\n*** SKIPPED: the real-VM lab e2e test needs ${missing.join(', ')}. Install with: apt-get install -y ${missing.filter((m) => !m.startsWith('root')).join(' ')} ***\n`,
  );
}

/** QEMU processes of one VM (its pid file lives in the backend's VM folder). */
async function qemuProcessesOf(stack: LabStack, vmid: number): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'args']);
  return stdout
    .split('\n')
    .filter(
      (line) => line.includes('qemu-system') && line.includes(join(stack.lab.stateDir, 'vms', String(vmid))),
    );
}

describe.skipIf(missing.length > 0)('the real-VM lab, end to end', () => {
  let stack: LabStack;
  let discord: FakeDiscord;
  let bot: RunningBot;
  const timings: string[] = [];

  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    url = stack.apiUrl,
    token = stack.adminToken,
  ) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  };
  const serverNamed = async (name: string) =>
    (await api<{ servers: Server[] }>('GET', `/v1/servers?guildId=${GUILD}&limit=100`)).servers.find(
      (s) => s.name === name,
    );
  const command = (sub: string, values: Record<string, string>, userId = ALICE) =>
    discord.invokeCommand({
      guildId: GUILD,
      channelId: GENERAL,
      userId,
      name: 'server',
      options: serverOptions(sub, values),
    });
  /** The user's view of a command's outcome: its (ephemeral) reply, or the channel notice after 15 minutes. */
  const outcome = (
    handle: ReturnType<typeof command>,
    predicate: (text: string) => boolean,
    deadline: Deadline,
  ) =>
    waitUntil(deadline, () => {
      const original = textOf(handle.original());
      if (predicate(original)) return original;
      const notice = discord.channelMessages(GENERAL).find((m) => predicate(textOf(m)));
      return notice ? textOf(notice) : undefined;
    });
  /** Real seconds since `since`, and what they count as at the reference host's pace. */
  const took = (since: number, deadline: Deadline) =>
    `${((Date.now() - since) / 1000).toFixed(1)} s (${Math.round(deadline.counted())} s at the reference pace)`;
  const answersQuery = (ipv4: string, game: GameId = 'openttd') =>
    queryGame(getGame(game), ipv4, { timeoutMs: 5_000 });
  /** Everything the lab keeps of a VM: its QEMU processes and its disk overlay. */
  const vmLeftovers = async (vmid: number) => {
    const overlay = join(stack.lab.stateDir, 'images', `vm-${vmid}-disk-0.qcow2`);
    return [...(await qemuProcessesOf(stack, vmid)), ...(existsSync(overlay) ? [overlay] : [])];
  };
  /** What a user sees once a server is deleted: no VM, no QEMU, no disk, no ports, and the API says 404. */
  const expectGone = async (server: Server) => {
    expect(stack.sim.state.vms.find((vm) => vm.vmid === server.vmid)).toBeUndefined();
    expect(await vmLeftovers(server.vmid!)).toEqual([]);
    expect(stack.portsHeldBy(server.id)).toBe(0);
    const gone = await fetch(`${stack.apiUrl}/v1/servers/${server.id}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(gone.status).toBe(404);
  };
  async function waitForJob(
    jobId: string,
    deadline: Deadline,
    url = stack.apiUrl,
    token = stack.adminToken,
  ): Promise<Job> {
    return waitUntil(deadline, async () => {
      const job = await api<Job>('GET', `/v1/jobs/${jobId}`, undefined, url, token);
      return job.state === 'succeeded' || job.state === 'failed' ? job : undefined;
    });
  }

  beforeAll(async () => {
    const started = Date.now();
    stack = await startLabStack(inject('redisUrl'));
    await stack.startWorker();
    const fake = await startDiscord();
    discord = fake.discord;
    bot = await startTestBot({
      discord,
      token: fake.token,
      apiUrl: stack.apiUrl,
      apiToken: stack.botToken,
      statePath: newStatePath(),
    });
    timings.push(
      `lab up (template ${stack.lab.template.built ? 'built' : 'reused'}) ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, testTimeoutMs(TEMPLATE_BUILD_TIME));

  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(stack?.logs());
  });

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await stack?.close();
    console.log(`[lab e2e] ${timings.join('; ')}`);
  }, 5 * 60_000);

  it(
    '/server create ends with the address in Discord, and the game answers its query',
    async () => {
      const started = Date.now();
      const deadline = startDeadline('/server create openttd', CREATE_OPENTTD);
      const create = command('create', { game: 'openttd', name: 'lab' });
      const text = await outcome(
        create,
        (t) => t.includes('lab is running') || t.includes('failed'),
        deadline,
      );
      timings.push(`create → running ${took(started, deadline)}`);
      expect(text).toContain('lab is running');
      expect(text).toMatch(/Address: `play\.example\.net:\d+` — GuildServer does not forward its ports here/);
      const server = (await serverNamed('lab'))!;
      expect(server.ipv4).toMatch(/^10\.77\.0\.\d+$/);
      const answer = await answersQuery(server.ipv4!);
      expect(answer.name).toBe('lab');
      expect(answer.players?.max).toBeGreaterThan(0);
    },
    testTimeoutMs(CREATE_OPENTTD),
  );

  it(
    "an operator's by-hand run of the playbook through the dynamic inventory changes nothing (--check --diff)",
    async () => {
      // As ansible/README.md tells operators: from ansible/, the API's inventory, limited by the server's name.
      const run = await runPlaybook('playbooks/openttd.yml', {
        inventory: 'inventories/guildserver.py',
        check: true,
        diff: true,
        args: ['--limit', 'name_lab'],
        env: {
          API_URL: stack.apiUrl,
          API_TOKEN: stack.adminToken,
          ANSIBLE_PRIVATE_KEY_FILE: stack.privateKeyFile,
        },
      });
      timings.push(`operator's --check --diff run ${run.seconds} s`);
      expect(run.recap, run.output.slice(-4000)).toMatchObject({ failed: 0, unreachable: 0 });
      expect(run.recap!.ok).toBeGreaterThan(0);
      expect(run.recap!.changed, `changed: ${changedTasks(run.output).join(', ')}`).toBe(0);
      expect(run.code).toBe(0);
    },
    testTimeoutMs(OPERATOR_CHECK_RUN),
  );

  it(
    'stop ends the VM; start brings it and the game back',
    async () => {
      const server = (await serverNamed('lab'))!;
      const stop = command('stop', { name: 'lab' });
      const stopped = startDeadline('/server stop', SHUTDOWN);
      expect(
        await outcome(stop, (t) => t.includes('lab is stopped') || t.includes('failed'), stopped),
      ).toContain('lab is stopped');
      expect(await qemuProcessesOf(stack, server.vmid!)).toEqual([]);
      const started = Date.now();
      const deadline = startDeadline('/server start', START_OPENTTD);
      const start = command('start', { name: 'lab' });
      expect(
        await outcome(start, (t) => t.includes('lab is running') || t.includes('failed'), deadline),
      ).toContain('lab is running');
      timings.push(`start → running ${took(started, deadline)}`);
      const again = (await serverNamed('lab'))!;
      expect((await answersQuery(again.ipv4!)).name).toBe('lab');
    },
    testTimeoutMs(SHUTDOWN, START_OPENTTD),
  );

  it(
    'delete from Discord (the Delete button) removes the QEMU process and the disk overlay and frees the ports',
    async () => {
      const server = (await serverNamed('lab'))!;
      expect(await vmLeftovers(server.vmid!)).toHaveLength(2);
      const ask = command('delete', { name: 'lab' });
      const prompt = startDeadline('the delete prompt', BOT_REPLY);
      expect(await outcome(ask, (t) => t.includes('Delete lab?'), prompt)).toContain('cannot be undone');
      const del = buttons(ask.original()!).find((b) => b.label === 'Delete')!;
      const deleted = startDeadline('the Delete button', SHUTDOWN);
      discord.clickButton({ message: ask.original()!, customId: del.customId!, userId: ALICE });
      await waitUntil(deleted, () => textOf(ask.original()).includes('lab was deleted') || undefined);
      await expectGone(server);
    },
    testTimeoutMs(BOT_REPLY, SHUTDOWN),
  );

  it(
    'OpenArena and Luanti, created at once by two gamers, both answer from the host; deleted by typing the name',
    async () => {
      const started = Date.now();
      const creates = (
        [
          { game: 'openarena', name: 'arena', user: ALICE, expected: CREATE_OPENARENA },
          { game: 'luanti', name: 'blocks', user: BOB, expected: CREATE_LUANTI },
        ] satisfies { game: GameId; name: string; user: string; expected: Expected }[]
      ).map(({ game, name, user, expected }) => ({
        game,
        name,
        user,
        deadline: startDeadline(`/server create ${game} (alongside another)`, expected),
        handle: command('create', { game, name }, user),
      }));
      const outcomes = await Promise.all(
        creates.map(async ({ game, name, handle, deadline }) => {
          const text = await outcome(
            handle,
            (t) => t.includes(`${name} is running`) || (t.includes(name) && t.includes('failed')),
            deadline,
          );
          timings.push(`${game} (created alongside) → running ${took(started, deadline)}`);
          return { name, text };
        }),
      );
      for (const { name, text } of outcomes) {
        expect(text).toContain(`${name} is running`);
        expect(text).toMatch(
          /Address: `play\.example\.net:\d+` — GuildServer does not forward its ports here/,
        );
      }
      const arena = (await serverNamed('arena'))!;
      const blocks = (await serverNamed('blocks'))!;
      expect(arena.vmid).not.toBe(blocks.vmid);
      const arenaAnswer = await answersQuery(arena.ipv4!, 'openarena');
      expect(arenaAnswer.name).toBe('arena');
      expect(arenaAnswer.players?.online).toBe(0);
      await expect(answersQuery(blocks.ipv4!, 'luanti')).resolves.toBeDefined();

      for (const { name, user } of creates) {
        const server = name === 'arena' ? arena : blocks;
        const ask = command('delete', { name }, user);
        await outcome(
          ask,
          (t) => t.includes(`Delete ${name}?`),
          startDeadline('the delete prompt', BOT_REPLY),
        );
        const typeIt = buttons(ask.original()!).find((b) => b.label === 'Type the name to delete…')!;
        const opened = discord.clickButton({
          message: ask.original()!,
          customId: typeIt.customId!,
          userId: user,
        });
        const modalId = (await opened.response()).data?.custom_id as string;
        const deleted = startDeadline(`deleting ${name}`, SHUTDOWN);
        discord.submitModal({ customId: modalId, fields: { name }, userId: user });
        await waitUntil(deleted, () => textOf(ask.original()).includes(`${name} was deleted`) || undefined);
        await expectGone(server);
      }
    },
    // The two creates run at the same time: the slower one's wait bounds both.
    testTimeoutMs(CREATE_OPENARENA, BOT_REPLY, SHUTDOWN, BOT_REPLY, SHUTDOWN),
  );

  it(
    'a VM whose cloud-init never starts the agent fails at the agent deadline, and is removed',
    async () => {
      const snippets = stack.lab.snippetsDir;
      mkdirSync(snippets, { recursive: true });
      const { publicKey } = stack;
      writeFileSync(
        join(snippets, 'no-agent.yaml'),
        `#cloud-config\nusers:\n  - name: gameserver\n    sudo: "ALL=(ALL) NOPASSWD:ALL"\n    ssh_authorized_keys: ["${publicKey}"]\nbootcmd:\n  - [systemctl, mask, --now, qemu-guest-agent]\n`,
      );
      const side = await stack.startSideStack('noagent', {
        PROXMOX_CI_CUSTOM_USER_DATA: 'local:snippets/no-agent.yaml',
        PROXMOX_TIMEOUT_AGENT: String(AGENT_TIMEOUT_SECONDS),
        PROXMOX_VMID_RANGE: '30000-30099',
        GAME_PORT_RANGE: '31000-31999',
      });
      const { server, jobId } = await api<{ server: Server; jobId: string }>(
        'POST',
        '/v1/servers',
        { game: 'openttd', name: 'silent', guildId: GUILD, ownerId: ALICE, channelId: GENERAL },
        side.apiUrl,
        side.adminToken,
      );
      const job = await waitForJob(
        jobId,
        startDeadline('a create whose agent never starts', AGENT_NEVER_STARTS),
        side.apiUrl,
        side.adminToken,
      );
      expect(job.state).toBe('failed');
      expect(job.error?.step).toBe('wait_network');
      expect(job.error?.message).toMatch(`reported no IPv4 address within ${AGENT_TIMEOUT_SECONDS} s`);
      const vmid = (
        await api<Server>('GET', `/v1/servers/${server.id}`, undefined, side.apiUrl, side.adminToken)
      ).vmid;
      expect(stack.sim.state.vms.filter((vm) => vm.vmid >= 30000 && vm.vmid <= 30099)).toEqual([]);
      if (vmid !== null) expect(await qemuProcessesOf(stack, vmid)).toEqual([]);
      await side.close();
    },
    testTimeoutMs(AGENT_NEVER_STARTS),
  );

  it(
    'a worker killed during the Ansible step is replaced and finishes without a second VM',
    async () => {
      const clonesBefore = stack.sim.calls.get('POST /nodes/{node}/qemu/{vmid}/clone') ?? 0;
      const { server, jobId } = await api<{ server: Server; jobId: string }>('POST', '/v1/servers', {
        game: 'openttd',
        name: 'resume',
        guildId: GUILD,
        ownerId: ALICE,
        channelId: GENERAL,
      });
      await waitUntil(startDeadline('the create reaching Ansible', BOOT_TO_AGENT), async () => {
        const job = await api<Job>('GET', `/v1/jobs/${jobId}`);
        if (job.state === 'failed') throw new Error(`the create failed first: ${job.error?.message}`);
        return job.steps.find((s) => s.name === 'setup_game')?.state === 'running' || undefined;
      });
      await new Promise((r) => setTimeout(r, 15_000));
      stack.killWorker();
      await stack.startWorker();
      const job = await waitForJob(jobId, startDeadline('the resumed create', CREATE_OPENTTD));
      expect(job.state, job.error?.message).toBe('succeeded');
      expect((stack.sim.calls.get('POST /nodes/{node}/qemu/{vmid}/clone') ?? 0) - clonesBefore).toBe(1);
      const resumed = await api<Server>('GET', `/v1/servers/${server.id}`);
      expect(
        stack.sim.state.vms.filter((vm) => vm.config.name === resumed.name || vm.vmid === resumed.vmid),
      ).toHaveLength(1);
      expect((await answersQuery(resumed.ipv4!)).name).toBe('resume');
    },
    testTimeoutMs(BOOT_TO_AGENT, CREATE_OPENTTD),
  );
});
