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
import { missingLabTools } from '../packages/pve-sim/src/index';
import { type LabStack, startLabStack } from './support/lab-stack';

const run = promisify(execFile);
const MINUTES = 60_000;
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
  const outcome = async (
    handle: ReturnType<typeof command>,
    predicate: (text: string) => boolean,
    timeoutMs: number,
  ) => {
    await discord.waitFor(
      () =>
        predicate(textOf(handle.original())) ||
        discord.channelMessages(GENERAL).some((m) => predicate(textOf(m))),
      timeoutMs,
    );
    const original = textOf(handle.original());
    return predicate(original)
      ? original
      : textOf(discord.channelMessages(GENERAL).find((m) => predicate(textOf(m))));
  };
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
  async function waitForJob(jobId: string, url = stack.apiUrl, token = stack.adminToken): Promise<Job> {
    for (;;) {
      const job = await api<Job>('GET', `/v1/jobs/${jobId}`, undefined, url, token);
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      await new Promise((r) => setTimeout(r, 1_000));
    }
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
  }, 20 * MINUTES);

  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(stack?.logs());
  });

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await stack?.close();
    console.log(`[lab e2e] ${timings.join('; ')}`);
  }, 5 * MINUTES);

  it(
    '/server create ends with the address in Discord, and the game answers its query',
    async () => {
      const started = Date.now();
      const create = command('create', { game: 'openttd', name: 'lab' });
      const text = await outcome(
        create,
        (t) => t.includes('lab is running') || t.includes('failed'),
        30 * MINUTES,
      );
      timings.push(`create → running ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(text).toContain('lab is running');
      expect(text).toMatch(/Join at: `play\.example\.net:\d+`/);
      const server = (await serverNamed('lab'))!;
      expect(server.ipv4).toMatch(/^10\.77\.0\.\d+$/);
      const answer = await answersQuery(server.ipv4!);
      expect(answer.name).toBe('lab');
      expect(answer.players?.max).toBeGreaterThan(0);
    },
    35 * MINUTES,
  );

  it(
    'stop ends the VM; start brings it and the game back',
    async () => {
      const server = (await serverNamed('lab'))!;
      const stop = command('stop', { name: 'lab' });
      expect(
        await outcome(stop, (t) => t.includes('lab is stopped') || t.includes('failed'), 10 * MINUTES),
      ).toContain('lab is stopped');
      expect(await qemuProcessesOf(stack, server.vmid!)).toEqual([]);
      const started = Date.now();
      const start = command('start', { name: 'lab' });
      expect(
        await outcome(start, (t) => t.includes('lab is running') || t.includes('failed'), 20 * MINUTES),
      ).toContain('lab is running');
      timings.push(`start → running ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const again = (await serverNamed('lab'))!;
      expect((await answersQuery(again.ipv4!)).name).toBe('lab');
    },
    30 * MINUTES,
  );

  it(
    'delete from Discord (the Delete button) removes the QEMU process and the disk overlay and frees the ports',
    async () => {
      const server = (await serverNamed('lab'))!;
      expect(await vmLeftovers(server.vmid!)).toHaveLength(2);
      const ask = command('delete', { name: 'lab' });
      expect(await outcome(ask, (t) => t.includes('Delete lab?'), 60_000)).toContain('cannot be undone');
      const del = buttons(ask.original()!).find((b) => b.label === 'Delete')!;
      discord.clickButton({ message: ask.original()!, customId: del.customId!, userId: ALICE });
      await discord.waitFor(() => textOf(ask.original()).includes('lab was deleted'), 10 * MINUTES);
      await expectGone(server);
    },
    15 * MINUTES,
  );

  it(
    'OpenArena and Luanti, created at once by two gamers, both answer from the host; deleted by typing the name',
    async () => {
      const started = Date.now();
      const creates = (
        [
          { game: 'openarena', name: 'arena', user: ALICE },
          { game: 'luanti', name: 'blocks', user: BOB },
        ] satisfies { game: GameId; name: string; user: string }[]
      ).map(({ game, name, user }) => ({
        game,
        name,
        user,
        handle: command('create', { game, name }, user),
      }));
      const outcomes = await Promise.all(
        creates.map(async ({ game, name, handle }) => {
          const text = await outcome(
            handle,
            (t) => t.includes(`${name} is running`) || (t.includes(name) && t.includes('failed')),
            40 * MINUTES,
          );
          timings.push(
            `${game} (created alongside) → running ${((Date.now() - started) / 1000).toFixed(1)} s`,
          );
          return { name, text };
        }),
      );
      for (const { name, text } of outcomes) {
        expect(text).toContain(`${name} is running`);
        expect(text).toMatch(/Join at: `play\.example\.net:\d+`/);
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
        await outcome(ask, (t) => t.includes(`Delete ${name}?`), 60_000);
        const typeIt = buttons(ask.original()!).find((b) => b.label === 'Type the name to delete…')!;
        const opened = discord.clickButton({
          message: ask.original()!,
          customId: typeIt.customId!,
          userId: user,
        });
        const modalId = (await opened.response()).data?.custom_id as string;
        discord.submitModal({ customId: modalId, fields: { name }, userId: user });
        await discord.waitFor(() => textOf(ask.original()).includes(`${name} was deleted`), 10 * MINUTES);
        await expectGone(server);
      }
    },
    50 * MINUTES,
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
        PROXMOX_TIMEOUT_AGENT: '120',
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
      const job = await waitForJob(jobId, side.apiUrl, side.adminToken);
      expect(job.state).toBe('failed');
      expect(job.error?.step).toBe('wait_network');
      expect(job.error?.message).toMatch(/reported no IPv4 address within 120 s/);
      const vmid = (
        await api<Server>('GET', `/v1/servers/${server.id}`, undefined, side.apiUrl, side.adminToken)
      ).vmid;
      expect(stack.sim.state.vms.filter((vm) => vm.vmid >= 30000 && vm.vmid <= 30099)).toEqual([]);
      if (vmid !== null) expect(await qemuProcessesOf(stack, vmid)).toEqual([]);
      await side.close();
    },
    20 * MINUTES,
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
      for (;;) {
        const job = await api<Job>('GET', `/v1/jobs/${jobId}`);
        if (job.steps.find((s) => s.name === 'setup_game')?.state === 'running') break;
        if (job.state === 'failed') throw new Error(`the create failed first: ${job.error?.message}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
      await new Promise((r) => setTimeout(r, 15_000));
      stack.killWorker();
      await stack.startWorker();
      const job = await waitForJob(jobId);
      expect(job.state, job.error?.message).toBe('succeeded');
      expect((stack.sim.calls.get('POST /nodes/{node}/qemu/{vmid}/clone') ?? 0) - clonesBefore).toBe(1);
      const resumed = await api<Server>('GET', `/v1/servers/${server.id}`);
      expect(
        stack.sim.state.vms.filter((vm) => vm.config.name === resumed.name || vm.vmid === resumed.vmid),
      ).toHaveLength(1);
      expect((await answersQuery(resumed.ipv4!)).name).toBe('resume');
    },
    40 * MINUTES,
  );
});
