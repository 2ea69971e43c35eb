// Making one warm-pool VM, resumably: a linked clone of its game's image, configured as a server's VM is (the
// game's size from PROXMOX_RESOURCES_<GAME>, the network, cloud-init) but tagged and described as a pool VM,
// its disk grown to the size, and in `booted` mode started until its first boot is over. Each phase
// reads what exists first and keeps its Proxmox task in the row's memo, so a maker that died is resumed.
import { type GameDefinition, getGame } from '@guildserver/games';
import type { QemuConfig, VmRef } from '@guildserver/proxmox';
import type { Logger } from 'pino';
import type { PoolVmRow } from '../db/schema.js';
import { type CloneOnceMemo, cloneOnce } from '../pipeline/clone-once.js';
import type { RunnerDeps, RunnerOptions, VmTaskContext } from '../pipeline/context.js';
import { StepFailure } from '../pipeline/failures.js';
import { canSkipFirstBootUpgrade } from '../pipeline/pve-features.js';
import { awaitStartedTask, resumeStartedTask, type TaskMemo } from '../pipeline/task-memo.js';
import { readConfig, waitTask } from '../pipeline/vm-adapter.js';
import { bootVm, discardVm, waitForAddress } from '../pipeline/vm-lifecycle.js';
import { configChanges, type DesiredVm, diskBytes, reachableVm } from '../pipeline/vm-spec.js';
import { describePoolVm, poolMarker, poolTags, poolVmName } from './pool-marks.js';
import { markPoolVmReady, savePoolMemo } from './pool-store.js';

type Phase = 'clone' | 'configure' | 'start';
type MakerMemo = Partial<Record<Phase, CloneOnceMemo & TaskMemo>>;

export interface PoolMakerContext {
  deps: RunnerDeps;
  options: RunnerOptions;
  signal: AbortSignal;
  log: Logger;
}

/** Is this the pool VM of `row` (its marker in the description)? */
export const isPoolVmOf = (row: Pick<PoolVmRow, 'id'>, config: QemuConfig | undefined) =>
  config !== undefined && String(config.description ?? '').includes(poolMarker(row.id));

function desiredPoolVm(ctx: PoolMakerContext, row: PoolVmRow, game: GameDefinition): DesiredVm {
  return {
    cores: row.cores,
    memory: row.memoryMiB,
    balloon: 0,
    cpu: game.cpu,
    ...reachableVm(ctx.deps.config.proxmox),
    tags: poolTags(game.id),
    description: describePoolVm(game, row.id),
    onboot: row.mode === 'booted',
  };
}

/** Makes the row's VM ready, then marks the row `ready`; throws (a StepFailure, or Proxmox's error) otherwise. */
export async function makePoolVm(ctx: PoolMakerContext, row: PoolVmRow): Promise<void> {
  const game = getGame(row.game);
  if (!game) throw new StepFailure('game_unknown', `The catalog has no game '${row.game}' any more.`);
  const memo = JSON.parse(row.memo) as MakerMemo;
  const vm: VmRef = { node: row.node, vmid: row.vmid };
  const phase = (name: Phase): VmTaskContext<CloneOnceMemo & TaskMemo> => ({
    deps: ctx.deps,
    options: ctx.options,
    signal: ctx.signal,
    memo: { ...memo[name] },
    remember(patch) {
      memo[name] = { ...memo[name], ...patch };
      Object.assign(this.memo, patch);
      savePoolMemo(ctx.deps.db, row.id, memo);
    },
    progress: (note) => ctx.log.info({ poolVm: row.id }, note),
  });

  await cloneOnce(phase('clone'), {
    template: { node: row.node, vmid: row.imageVmid },
    vm,
    full: false,
    name: poolVmName(row.id),
    description: describePoolVm(game, row.id),
    timeoutMs: ctx.options.cloneTimeoutMs ?? ctx.deps.config.proxmox.cloneTimeoutSeconds * 1000,
    isMine: (config) => isPoolVmOf(row, config),
    conflict: `VM ${vm.vmid} exists and is not pool VM ${row.id}; it is left untouched.`,
  });

  const configuring = phase('configure');
  await resumeStartedTask(configuring);
  const current = await readConfig(configuring, vm);
  if (!isPoolVmOf(row, current))
    throw new StepFailure('vm_missing', `Pool VM ${row.id} (VM ${vm.vmid}) is gone from Proxmox.`);
  const desired = desiredPoolVm(ctx, row, game);
  if (await canSkipFirstBootUpgrade(ctx.deps.proxmox)) desired.firstBootUpgrade = false;
  const update = configChanges(current!, desired);
  if (update) {
    const upid = await ctx.deps.proxmox.qemu.updateConfigAsync(vm, update);
    if (upid) await awaitStartedTask(configuring, upid);
  }
  const bytes = diskBytes(current!.scsi0);
  if (bytes !== undefined && bytes < row.diskGiB * 1024 ** 3) {
    const upid = await ctx.deps.proxmox.qemu.resize(vm, 'scsi0', `${row.diskGiB}G`);
    if (upid) await waitTask(configuring, upid);
  }

  if (row.mode === 'booted') {
    const starting = phase('start');
    await bootVm(starting, vm);
    const { ip } = await waitForAddress(starting, vm);
    // Ready once the first boot is over (cloud-init runs on after the agent answers; on PVE 7 its upgrade too).
    await ctx.deps.gameRunner.settle({
      game,
      ipv4: ip,
      signal: ctx.signal,
      onProgress: (note) => ctx.log.info({ poolVm: row.id }, note),
    });
  }
  markPoolVmReady(ctx.deps.db, row.id);
}

/** Removes the row's VM from Proxmox while it is still the pool's (its marker, not a template). */
export async function removePoolVmAtProxmox(ctx: PoolMakerContext, row: PoolVmRow): Promise<void> {
  const vm: VmRef = { node: row.node, vmid: row.vmid };
  const task: VmTaskContext = {
    deps: ctx.deps,
    options: ctx.options,
    signal: ctx.signal,
    memo: {},
    remember: () => {},
    progress: () => {},
  };
  const config = await readConfig(task, vm);
  if (config && isPoolVmOf(row, config) && Number(config.template ?? 0) !== 1) await discardVm(task, vm);
}
