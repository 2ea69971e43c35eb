// A game image built on the lab the way an operator builds one by hand (ansible/README.md): a full clone of the
// base template booted with GuildServer's key, the game's playbook run with `--tags install`, the VM sealed with
// playbooks/seal.yml and shut down, marked with the recipe `GET /v1/images` gives, and made a template.
// `gameImageOnLab` has the API build one (`gs image build`) and keeps it, keyed by its recipe and the lab template,
// so a later lab run starts on a cluster that already holds the current image, as a real one does between builds.
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GameRecipe, ImageBuildsQueued, ImageList } from '../../packages/contracts/src/index';
import { getGame } from '../../packages/games/src/index';
import { cacheDir } from '../../packages/lab/src/index';
import { createProxmoxClient } from '../../packages/proxmox/src/index';
import { DEFAULT_SIM_TOKEN, type SimVm } from '../../packages/pve-sim/src/index';
import { type PlaybookRun, runPlaybook } from './ansible-run';
import type { LabStack } from './lab-stack';

const NODE = 'pve';
const BASE_TEMPLATE = 9000;

export interface ImageBuild {
  vmid: number;
  recipe: string;
  /** Seconds per stage: clone, boot (to the guest agent's address), install, seal, template. */
  seconds: Record<'clone' | 'boot' | 'install' | 'seal' | 'template', number>;
}

const since = (started: number) => Math.round((performance.now() - started) / 100) / 10;

/** The game's recipe today, as an admin reads it (`GET /v1/images`, what `gs image list --recipes` prints). */
async function recipeOf(stack: LabStack, gameId: string): Promise<GameRecipe> {
  const listed = await fetch(`${stack.apiUrl}/v1/images`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  const recipe = ((await listed.json()) as ImageList).recipes.find((r) => r.game === gameId);
  if (!recipe) throw new Error(`GET /v1/images gave no recipe for ${gameId}`);
  return recipe;
}

export async function buildImageByHand(stack: LabStack, gameId: string, vmid: number): Promise<ImageBuild> {
  const game = getGame(gameId);
  if (!game) throw new Error(`no game '${gameId}' in the catalog`);
  const recipe = await recipeOf(stack, game.id);
  const proxmox = createProxmoxClient({
    baseUrl: stack.sim.url,
    auth: { kind: 'token', tokenId: DEFAULT_SIM_TOKEN.id, secret: DEFAULT_SIM_TOKEN.secret },
  });
  const vm = { node: NODE, vmid };
  const seconds = {} as ImageBuild['seconds'];
  try {
    let started = performance.now();
    await proxmox.waitForTask(
      await proxmox.qemu.clone(
        { node: NODE, vmid: BASE_TEMPLATE },
        { newid: vmid, full: true, name: `image-${game.id}` },
      ),
      { timeoutMs: 600_000 },
    );
    // qm set: the game's smallest size, DHCP, the agent, and the key GuildServer signs in with.
    await proxmox.qemu.updateConfig(vm, {
      cores: game.resources.minimum.cores,
      memory: game.resources.default.memory,
      net0: { model: 'virtio', bridge: 'vmbr0' },
      ipconfig0: 'ip=dhcp',
      ciuser: 'gameserver',
      sshkeys: [stack.publicKey],
      agent: true,
    });
    seconds.clone = since(started);

    started = performance.now();
    await proxmox.waitForTask(await proxmox.power.start(vm), { timeoutMs: 120_000 });
    const { ip: ipv4 } = await proxmox.waitForIpv4(vm, { timeoutMs: 900_000 });
    seconds.boot = since(started);

    const dir = mkdtempSync(join(tmpdir(), 'gs-lab-image-'));
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(
      inventory,
      `[game_${game.id.replace(/[^a-z0-9_]/g, '_')}]\n${ipv4} ansible_user=gameserver ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n`,
    );
    const env = { ANSIBLE_PRIVATE_KEY_FILE: stack.privateKeyFile };
    started = performance.now();
    // sshd starts after cloud-init made its host keys: a refused first connection means "still booting".
    let install: PlaybookRun;
    for (let attempt = 1; ; attempt++) {
      install = await runPlaybook(game.playbook, { inventory, env, args: ['--tags', 'install'] });
      if (install.code === 0 || !install.recap?.unreachable || attempt === 30) break;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    if (install.code !== 0) throw new Error(`--tags install failed:\n${install.output.slice(-4000)}`);
    seconds.install = since(started);

    started = performance.now();
    const seal = await runPlaybook('playbooks/seal.yml', {
      inventory,
      env,
      vars: { guildserver_game: game.id },
    });
    if (seal.code !== 0) throw new Error(`seal.yml failed:\n${seal.output.slice(-4000)}`);
    seconds.seal = since(started);

    started = performance.now();
    await proxmox.waitForTask(await proxmox.power.shutdown(vm, { timeout: 120 }), { timeoutMs: 180_000 });
    await proxmox.qemu.updateConfig(vm, {
      tags: recipe.tags,
      description: `${game.name} image, built by hand on the lab.\n${recipe.descriptionLine}`,
    });
    await proxmox.waitForTask(await proxmox.qemu.convertToTemplate(vm), { timeoutMs: 300_000 });
    seconds.template = since(started);
    return { vmid, recipe: recipe.recipe, seconds };
  } finally {
    await proxmox.close();
  }
}

const CACHED_DISK = 'base-disk.qcow2';
const CACHED_VM = 'vm.json';
/** The image template's only disk: the base volume its linked clones read. */
const BASE_VOLUME = /^local-lvm:(base-\d+-disk-0)\b/;

export interface LabGameImage {
  /** The image template's VM id (where it was put back, or where the build made it). */
  vmid: number;
  recipe: string;
  /** Set when it was built in this run: seconds per step of the build (no image of today's recipe was kept). */
  built?: Record<string, number>;
}

/**
 * The game's current image on the lab: the one an earlier lab run built from the same recipe on the same lab
 * template (its base disk and config put back into the cluster at `putBackVmid`), or one built now the way an
 * admin builds it (`gs image build <game>`: the API's build job on the worker, with the real playbooks), then
 * kept for the next run.
 */
export async function gameImageOnLab(
  stack: LabStack,
  gameId: string,
  putBackVmid: number,
): Promise<LabGameImage> {
  const recipe = await recipeOf(stack, gameId);
  const key = createHash('sha256').update(`${recipe.recipe}\n${stack.lab.template.dir}`).digest('hex');
  const root = join(cacheDir(), 'lab-images');
  const kept = join(root, `${gameId}-${key.slice(0, 16)}`);
  if (existsSync(join(kept, CACHED_VM))) {
    putBack(stack, kept, putBackVmid);
    return { vmid: putBackVmid, recipe: recipe.recipe };
  }
  const asked = await stack.gsAsAdmin(['image', 'build', gameId, '--json']);
  const build = (JSON.parse(asked.stdout || '{"builds":[]}') as ImageBuildsQueued).builds[0];
  if (asked.code !== 0 || build?.state !== 'succeeded')
    throw new Error(
      `gs image build ${gameId} failed (${asked.code}): ${asked.stderr} ${asked.stdout.slice(-4000)}`,
    );
  keep(stack, root, kept, gameId, build.vmid);
  return {
    vmid: build.vmid,
    recipe: build.recipe,
    built: Object.fromEntries(build.steps.map((step) => [step.name, (step.durationMs ?? 0) / 1000])),
  };
}

/** The template's base disk (linked, not copied: it is read-only from now on) and its config, in the cache. */
function keep(stack: LabStack, root: string, kept: string, gameId: string, vmid: number): void {
  const vm = stack.sim.state.vms.find((v) => v.vmid === vmid);
  const volume = BASE_VOLUME.exec(vm?.config.scsi0 ?? '')?.[1];
  if (!vm || !volume)
    throw new Error(`the image VM ${vmid} has no base volume: ${JSON.stringify(vm?.config)}`);
  // One image per game is kept: earlier recipes' go.
  mkdirSync(root, { recursive: true });
  for (const entry of readdirSync(root, { withFileTypes: true }).filter((e) =>
    e.name.startsWith(`${gameId}-`),
  ))
    rmSync(join(root, entry.name), { recursive: true, force: true });
  const staging = `${kept}.building-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  linkSync(join(stack.lab.stateDir, 'images', `${volume}.qcow2`), join(staging, CACHED_DISK));
  writeFileSync(join(staging, CACHED_VM), JSON.stringify({ vmid, config: vm.config }));
  renameSync(staging, kept);
}

/** The kept image as Proxmox would still hold it: a stopped template whose base volume is the kept disk. */
function putBack(stack: LabStack, kept: string, vmid: number): void {
  const saved = JSON.parse(readFileSync(join(kept, CACHED_VM), 'utf8')) as Pick<SimVm, 'vmid' | 'config'>;
  const config = Object.fromEntries(
    Object.entries(saved.config).map(([k, v]) => [
      k,
      v.replace(new RegExp(`\\b(base|vm)-${saved.vmid}-`, 'g'), `$1-${vmid}-`),
    ]),
  );
  const volume = BASE_VOLUME.exec(config.scsi0 ?? '')?.[1];
  if (!volume) throw new Error(`the kept image in ${kept} has no base volume`);
  const images = join(stack.lab.stateDir, 'images');
  mkdirSync(images, { recursive: true });
  linkSync(join(kept, CACHED_DISK), join(images, `${volume}.qcow2`));
  stack.sim.state.vms.push({
    vmid,
    node: 'pve',
    config,
    pending: {},
    pendingDelete: [],
    status: 'stopped',
    snapshots: [],
  });
}
