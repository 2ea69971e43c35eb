// The steps of a game image's build, in order: a full clone of the base template into the build's VM id, the
// VM configured as servers' are (so Ansible reaches it the same way), booted, the game installed with
// `--tags install`, started once to check it answers, sealed, shut down, marked with its recipe and made a template. Each reads what exists
// first and remembers the Proxmox task it started, so a build resumed after a crash picks up where it was.
import { type GameDefinition, gamePorts } from '@guildserver/games';
import { decodeTags, type VmRef } from '@guildserver/proxmox';
import type { Logger } from 'pino';
import type { ImageBuildRow } from '../db/schema.js';
import { type CloneOnceMemo, cloneOnce } from '../pipeline/clone-once.js';
import type { VmTaskContext } from '../pipeline/context.js';
import { StepFailure } from '../pipeline/failures.js';
import { waitForGameAnswer } from '../pipeline/game/game-answer.js';
import { guestQueryPort } from '../pipeline/game/game-probe.js';
import { GameSetupError } from '../pipeline/game/game-runner.js';
import { type ShutdownStepMemo, stopVm } from '../pipeline/steps/shutdown-vm.js';
import { gameReadyTimeoutMs } from '../pipeline/steps/wait-game.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from '../pipeline/task-memo.js';
import { readConfig, waitTask } from '../pipeline/vm-adapter.js';
import { bootVm, waitForAddress } from '../pipeline/vm-lifecycle.js';
import { configChanges, type DesiredVm, diskBytes, reachableVm } from '../pipeline/vm-spec.js';
import { type ImageBuildStepName, readBuild, recordIpv4 } from './image-build-store.js';
import { describeImage, gameTag, IMAGE_TAG, imageTags, recipeOf } from './image-marks.js';

/** What an image build's step is given: the build, its game and VM, and the adapters it acts through. */
export interface BuildStepContext<M extends object = object> extends VmTaskContext<M> {
  build: ImageBuildRow;
  game: GameDefinition;
  vm: VmRef;
  log: Logger;
}

export interface BuildStep<M extends object = object> {
  /** The code of a Proxmox failure (a failed task, a refusal) while it runs. */
  failure: string;
  run(ctx: BuildStepContext<M>): Promise<string>;
}

/** In the description of a VM while its image is built: nothing else ever carries it. */
export const buildMarker = (buildId: string) => `guildserver-image-build:${buildId}`;

function describeBuild(game: GameDefinition, buildId: string): string {
  return [
    `GuildServer game image of ${game.name}, being built: not a server. If the build fails, GuildServer removes it.`,
    buildMarker(buildId),
  ].join('\n');
}

/** The build's VM, recognised by its marker (before the template step) or as its game's image at its id. */
export function isBuildVm(
  ctx: Pick<BuildStepContext, 'build' | 'game'>,
  config: { tags?: string; description?: string | number } | undefined,
): boolean {
  if (!config) return false;
  if (String(config.description ?? '').includes(buildMarker(ctx.build.id))) return true;
  const tags = decodeTags(config.tags);
  return tags.includes(IMAGE_TAG) && tags.includes(gameTag(ctx.game.id));
}

const cloneTimeoutMs = (ctx: BuildStepContext) =>
  ctx.options.cloneTimeoutMs ?? ctx.deps.config.proxmox.cloneTimeoutSeconds * 1000;

const clone: BuildStep<CloneOnceMemo> = {
  failure: 'clone_failed',
  async run(ctx) {
    const { vm, game, build } = ctx;
    const { proxmox } = ctx.deps.config;
    await cloneOnce(ctx, {
      template: { node: proxmox.node, vmid: proxmox.baseImageVmid },
      vm,
      full: true,
      name: `gs-image-${game.id}`,
      description: describeBuild(game, build.id),
      ...(proxmox.storage ? { storage: proxmox.storage } : {}),
      timeoutMs: cloneTimeoutMs(ctx),
      isMine: (config) => isBuildVm(ctx, config),
      conflict: `VM ${vm.vmid} exists and is not this build's (no ${buildMarker(build.id)} in its description); it is left untouched. Build again to use another VM id.`,
    });
    return `Copied template ${proxmox.baseImageVmid} into VM ${vm.vmid} (gs-image-${game.id}).`;
  },
};

/** As servers' VMs are (vm-spec.ts), at the game's smallest size, tagged as its image. */
function desiredImageVm(ctx: BuildStepContext): DesiredVm {
  const size = ctx.game.resources.minimum;
  return {
    cores: size.cores,
    memory: Math.max(size.memory, ctx.game.resources.default.memory),
    balloon: 0,
    cpu: ctx.game.cpu,
    ...reachableVm(ctx.deps.config.proxmox),
    tags: imageTags(ctx.game.id),
    description: describeBuild(ctx.game, ctx.build.id),
  };
}

const configure: BuildStep<TaskMemo> = {
  failure: 'configure_failed',
  async run(ctx) {
    const { vm } = ctx;
    await resumeStartedTask(ctx);
    const current = await readConfig(ctx, vm);
    if (!isBuildVm(ctx, current))
      throw new StepFailure('vm_missing', `VM ${vm.vmid} of this build is gone from Proxmox.`);
    const desired = desiredImageVm(ctx);
    const update = configChanges(current!, desired);
    if (update) {
      const upid = await ctx.deps.proxmox.qemu.updateConfigAsync(vm, update);
      if (upid) await awaitStartedTask(ctx, upid);
    }
    // Clones of the image start from its disk: at least the game's smallest, so every server's fits.
    const gib = ctx.game.resources.minimum.disk;
    const bytes = diskBytes(current!.scsi0);
    if (bytes !== undefined && bytes < gib * 1024 ** 3) {
      const upid = await ctx.deps.proxmox.qemu.resize(vm, 'scsi0', `${gib}G`);
      if (upid) await waitTask(ctx, upid);
    }
    return `${desired.cores} cores, ${desired.memory} MiB, ${gib} GiB disk, DHCP on ${desired.bridge}, tagged ${desired.tags.join(';')}.`;
  },
};

const startVm: BuildStep<TaskMemo> = {
  failure: 'start_failed',
  async run(ctx) {
    await bootVm(ctx, ctx.vm);
    return `VM ${ctx.vm.vmid} is running.`;
  },
};

const waitNetwork: BuildStep = {
  failure: 'network_timeout',
  async run(ctx) {
    const picked = await waitForAddress(ctx, ctx.vm);
    recordIpv4(ctx.deps.db, ctx.build.id, picked.ip);
    return `The VM has IPv4 ${picked.ip} (${picked.interface}).`;
  },
};

/** A playbook run on the build's VM through the game runner; its failure keeps Ansible's log on the build. */
function playbookStep(code: string, part: 'install' | 'seal'): BuildStep {
  return {
    failure: code,
    async run(ctx) {
      const ipv4 = readBuild(ctx.deps.db, ctx.build.id)?.row.ipv4;
      if (!ipv4) throw new StepFailure('network_timeout', 'The VM has no known IPv4 address.');
      const request = {
        game: ctx.game,
        ipv4,
        signal: ctx.signal,
        onProgress: (note: string) => ctx.progress(note),
      };
      return (await failingAs(code, () => ctx.deps.gameRunner[part](request))).detail;
    },
  };
}

/** A game runner's failure as the step's, with Ansible's log kept on the build. */
async function failingAs<T>(code: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GameSetupError) throw new StepFailure(code, error.message, error.log);
    throw error;
  }
}

/** The name the check's server goes by (its configuration is removed by seal.yml with the rest). */
const IMAGE_CHECK_SERVER_NAME = 'image-check';

/**
 * Before sealing: the installed game is configured as a server of the catalog's default ports and size would be
 * (`--tags configure`) and must answer its query, so an image whose game no longer starts is never made;
 * seal.yml then stops it and removes all that run wrote (the role's `<role>_seal_paths`).
 */
const checkGame: BuildStep = {
  failure: 'game_unresponsive',
  async run(ctx) {
    const { game, build, deps } = ctx;
    const ipv4 = readBuild(deps.db, build.id)?.row.ipv4;
    if (!ipv4) throw new StepFailure('network_timeout', 'The VM has no known IPv4 address.');
    const server = { id: build.id, name: IMAGE_CHECK_SERVER_NAME, guildId: 'image' };
    const ports = gamePorts(game)
      .filter((p) => p.published)
      .map((p) => ({ ...p, port: p.guestPort }));
    await failingAs('game_setup_failed', () =>
      deps.gameRunner.setup({
        server,
        game,
        ipv4,
        ports,
        size: game.resources.minimum,
        part: 'configure',
        signal: ctx.signal,
        onProgress: (note) => ctx.progress(note),
      }),
    );
    const port = guestQueryPort(game, ports);
    const answer = await waitForGameAnswer({
      probe: deps.gameProbe,
      game,
      server,
      ipv4,
      port,
      limitMs: gameReadyTimeoutMs(ctx),
      pollMs: ctx.options.gamePollMs,
      signal: ctx.signal,
      onWaiting: (note) => ctx.progress(note),
    });
    const how = deps.gameProbe.kind === 'simulated' ? ' (simulated)' : '';
    const named = answer.name ? ` as "${answer.name}"` : '';
    return `${game.name} started from the install and answered${how}${named} on port ${port}/${game.query.transport}.`;
  },
};

const shutdownVm: BuildStep<ShutdownStepMemo> = {
  failure: 'stop_failed',
  run: (ctx) =>
    stopVm(
      ctx,
      ctx.vm,
      (status) => isBuildVm(ctx, { tags: status.tags }),
      `the ${ctx.game.name} image's tags`,
    ),
};

const makeTemplate: BuildStep<TaskMemo> = {
  failure: 'template_failed',
  async run(ctx) {
    const { vm, game, build } = ctx;
    await resumeStartedTask(ctx);
    const current = await readConfig(ctx, vm);
    if (!isBuildVm(ctx, current))
      throw new StepFailure('vm_missing', `VM ${vm.vmid} of this build is gone from Proxmox.`);
    if (Number(current!.template ?? 0) === 1 && recipeOf(current!.description)?.recipe === build.recipe)
      return `VM ${vm.vmid} is the ${game.name} image, recipe ${build.recipe}.`;
    // Marked first: once it is a template, creates of the game clone it.
    await ctx.deps.proxmox.qemu.updateConfig(vm, {
      tags: imageTags(game.id),
      description: describeImage(game, build.recipe),
    });
    await awaitStartedTask(ctx, await ctx.deps.proxmox.qemu.convertToTemplate(vm));
    return `VM ${vm.vmid} is the ${game.name} image, recipe ${build.recipe}: creates of ${game.name} clone it from now on.`;
  },
};

export const BUILD_STEPS: Record<ImageBuildStepName, BuildStep<object>> = {
  clone,
  configure,
  start_vm: startVm,
  wait_network: waitNetwork,
  install_game: playbookStep('game_setup_failed', 'install'),
  check_game: checkGame,
  seal: playbookStep('image_seal_failed', 'seal'),
  shutdown_vm: shutdownVm,
  make_template: makeTemplate,
};
