// A game image built on the lab the way an operator builds one by hand (ansible/README.md): a full clone of the
// base template booted with GuildServer's key, the game's playbook run with `--tags install`, the VM sealed with
// playbooks/seal.yml and shut down, marked with the recipe `GET /v1/images` gives, and made a template.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageList } from '../../packages/contracts/src/index';
import { getGame } from '../../packages/games/src/index';
import { createProxmoxClient } from '../../packages/proxmox/src/index';
import { DEFAULT_SIM_TOKEN } from '../../packages/pve-sim/src/index';
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

export async function buildImageByHand(stack: LabStack, gameId: string, vmid: number): Promise<ImageBuild> {
  const game = getGame(gameId);
  if (!game) throw new Error(`no game '${gameId}' in the catalog`);
  const listed = await fetch(`${stack.apiUrl}/v1/images`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  const recipe = ((await listed.json()) as ImageList).recipes.find((r) => r.game === game.id);
  if (!recipe) throw new Error(`GET /v1/images gave no recipe for ${game.id}`);
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
