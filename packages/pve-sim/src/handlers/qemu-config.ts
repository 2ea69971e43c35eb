import { MASKED_CONFIG_KEYS, type SimVm } from '../cluster/model.js';
import { configDigest, isCloudInitKey, staysPending, uniqueTags, withMac } from '../cluster/vm-config.js';
import { clearSavedState } from '../cluster/vmstate.js';
import { PveHttpError } from '../errors.js';
import { type Call, flag, type Handler, num, type SimContext, str } from './context.js';

/** Parameters of the config endpoints that are instructions, not config keys. */
const CONTROL_PARAMS = new Set([
  'node',
  'vmid',
  'digest',
  'delete',
  'revert',
  'skiplock',
  'force',
  'background_delay',
  'current',
  'snapshot',
]);

const splitList = (value: string | undefined) => (value ? value.split(/[,;\s\0]+/).filter(Boolean) : []);

/** Config values as PVE's JSON output types them (integers as numbers, property strings as strings). */
export function typedConfig(sim: SimContext, config: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'lock' && value === '') continue;
    out[key] = MASKED_CONFIG_KEYS.has(key) ? '**********' : sim.typeConfigValue(key, value);
  }
  return out;
}

function memoryMiB(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /(?:^|current=)(\d+)/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/**
 * Deleting `vmstate` discards a hibernated VM's saved state: the `suspended` lock does not refuse that change
 * and goes with it (qemu-server's update_vm_api, "'suspended' lock should probably be a state").
 */
const discardsSuspendedState = (vm: SimVm, params: Record<string, unknown>) =>
  vm.config.lock === 'suspended' && splitList(str(params, 'delete')).includes('vmstate');

/** The semantic checks PVE makes before accepting a config change (after the schema's checks). */
function checkChange(sim: SimContext, vm: SimVm, params: Record<string, unknown>): void {
  if (params.skiplock === undefined && !discardsSuspendedState(vm, params)) sim.cluster.assertUnlocked(vm);
  const digest = str(params, 'digest');
  if (digest !== undefined && digest !== configDigest(vm.config)) {
    throw new PveHttpError(500, 'detected modified configuration - file changed by other user? Try again.');
  }
  const memory = memoryMiB(str(params, 'memory') ?? vm.pending.memory ?? vm.config.memory) ?? 512;
  const balloon = num(params, 'balloon');
  if (balloon !== undefined && balloon > memory) {
    throw new PveHttpError(500, 'balloon value too large (must be smaller than assigned memory)');
  }
  for (const key of splitList(str(params, 'delete'))) {
    if (params[key] !== undefined) throw new PveHttpError(500, `unable to delete '${key}' - duplicate key`);
  }
}

/**
 * Deleting `vmstate` frees the state volume at once, running or not, with the `running*` keys recorded beside
 * it (and a `suspended` lock). Returns the volume to free, if any.
 */
function discardState(vm: SimVm, params: Record<string, unknown>): string | undefined {
  if (!splitList(str(params, 'delete')).includes('vmstate')) return undefined;
  const state = vm.config.vmstate;
  if (state !== undefined && vm.config.protection === '1')
    throw new PveHttpError(500, `can't remove vmstate '${state}' - protection mode enabled`);
  if (vm.config.lock === 'suspended') delete vm.config.lock;
  clearSavedState(vm.config);
  return state;
}

/** Applies a checked change; returns a saved state it discarded (for the backend to free). */
function applyChange(vm: SimVm, params: Record<string, unknown>): string | undefined {
  const discarded = discardState(vm, params);
  for (const key of splitList(str(params, 'revert'))) {
    delete vm.pending[key];
    vm.pendingDelete = vm.pendingDelete.filter((k) => k !== key);
  }
  const live = vm.status === 'running';
  for (const key of splitList(str(params, 'delete'))) {
    if (key === 'vmstate') continue;
    if (live && staysPending(key)) {
      if (!vm.pendingDelete.includes(key)) vm.pendingDelete.push(key);
    } else {
      delete vm.config[key];
    }
  }
  for (const [key, raw] of Object.entries(params)) {
    if (CONTROL_PARAMS.has(key) || raw === undefined) continue;
    let value = String(raw);
    if (/^net\d+$/.test(key)) value = withMac(value);
    if (key === 'tags') value = uniqueTags(value);
    if (live && staysPending(key)) vm.pending[key] = value;
    else vm.config[key] = value;
  }
  return discarded;
}

export const getConfig: Handler = ({ sim, params }) => {
  const vm = sim.cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  const merged = flag(params, 'current') ? { ...vm.config } : { ...vm.config, ...vm.pending };
  if (!flag(params, 'current')) for (const key of vm.pendingDelete) delete merged[key];
  return { ...typedConfig(sim, merged), digest: configDigest(vm.config) };
};

/** POST .../config: checks now, applies in a `qmconfig` task. */
export const updateConfigAsync: Handler = ({ sim, params, user }: Call) => {
  const vm = sim.cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  checkChange(sim, vm, params);
  return sim.tasks.start({
    node: vm.node,
    type: 'qmconfig',
    id: String(vm.vmid),
    user,
    run: async (log) => {
      await sim.work(sim.durations.config);
      const injected = sim.faults.takeTaskError('qmconfig');
      if (injected) throw new Error(injected);
      const discarded = applyChange(vm, params);
      if (discarded) await sim.backend.removeState(vm, discarded);
      if (vm.status === 'running' && Object.keys(vm.pending).length > 0) {
        log.info(`pending changes: ${Object.keys(vm.pending).join(', ')} (applied at next start)`);
      }
      sim.changed();
    },
  });
};

/** PUT .../config: synchronous, answers null. */
export const updateConfigSync: Handler = async ({ sim, params }) => {
  const vm = sim.cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  checkChange(sim, vm, params);
  const discarded = applyChange(vm, params);
  sim.changed();
  if (discarded) await sim.backend.removeState(vm, discarded);
  return null;
};

export const getPending: Handler = ({ sim, params }) => {
  const vm = sim.cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  const keys = new Set([...Object.keys(vm.config), ...Object.keys(vm.pending), ...vm.pendingDelete]);
  return [...keys].sort().map((key) => {
    const entry: Record<string, unknown> = { key };
    const mask = (v: string) => (MASKED_CONFIG_KEYS.has(key) ? '**********' : sim.typeConfigValue(key, v));
    if (vm.config[key] !== undefined) entry.value = mask(vm.config[key]);
    if (vm.pending[key] !== undefined) entry.pending = mask(vm.pending[key]);
    if (vm.pendingDelete.includes(key)) entry.delete = 1;
    return entry;
  });
};

/** PUT .../cloudinit: regenerates the drive from the config, taking pending cloud-init values. */
export const regenerateCloudInit: Handler = ({ sim, params }) => {
  const vm = sim.cluster.vmOn(str(params, 'node')!, num(params, 'vmid')!);
  sim.cluster.assertUnlocked(vm);
  for (const [key, value] of Object.entries(vm.pending)) {
    if (!isCloudInitKey(key)) continue;
    vm.config[key] = value;
    delete vm.pending[key];
  }
  vm.pendingDelete = vm.pendingDelete.filter((key) => {
    if (!isCloudInitKey(key)) return true;
    delete vm.config[key];
    return false;
  });
  sim.changed();
  return null;
};
