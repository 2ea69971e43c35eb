import type { SimVm } from '../cluster/model.js';
import { baseVolumeFor, parseDisk } from '../cluster/vm-config.js';
import { PveHttpError } from '../errors.js';
import type { SimContext } from './context.js';
import { type Handler, str, vmOf } from './context.js';

/** Storage types whose volumes can become base volumes (PVE's `template` storage feature). */
const TEMPLATE_TYPES = new Set(['lvmthin', 'dir', 'zfspool', 'rbd']);

/** qemu-server's checks, made before the task starts and again inside it (the config may have changed). */
function refusal(sim: SimContext, vm: SimVm, disk: string | undefined): string | undefined {
  if (vm.config.lock) return `VM is locked (${vm.config.lock})`;
  if (vm.snapshots.length > 0) return 'unable to create template, because VM contains snapshots';
  if (sim.cluster.isTemplate(vm) && disk === undefined) return "you can't convert a template to a template";
  if (vm.status === 'running') return "you can't convert a VM to template if VM is running";
  return undefined;
}

/**
 * POST /nodes/{node}/qemu/{vmid}/template — a `qmtemplate` task. Refusals before the task are 500s; inside it,
 * `template: 1` is set and each non-CD-ROM drive (only `disk` when given) on storage with the template feature
 * becomes a base volume (`vm-<vmid>-disk-N` → `base-<vmid>-disk-N`). PVE holds the config file lock meanwhile,
 * not a `lock` in the config, so the config shows no lock while it runs.
 */
export const templateVm: Handler = (call) => {
  const { sim, params, user } = call;
  const vm = vmOf(call);
  const disk = str(params, 'disk');
  const refused = refusal(sim, vm, disk);
  if (refused) throw new PveHttpError(500, refused);
  return sim.tasks.start({
    node: vm.node,
    type: 'qmtemplate',
    id: String(vm.vmid),
    user,
    run: async (log) => {
      await sim.work(sim.durations.template);
      const again = refusal(sim, vm, disk);
      if (again) throw new Error(again);
      const injected = sim.faults.takeTaskError('qmtemplate');
      if (injected) throw new Error(injected);
      vm.config.template = '1';
      sim.changed();
      for (const [key, value] of Object.entries(vm.config)) {
        const drive = parseDisk(key, value);
        if (!drive || value.includes('media=cdrom')) continue;
        if (disk !== undefined && key !== disk) continue;
        if (!TEMPLATE_TYPES.has(sim.cluster.storage(drive.storage)?.type ?? '')) continue;
        const base = baseVolumeFor(drive.volume);
        if (!base) continue;
        await sim.backend.makeBase(vm, drive.volume, base, log);
        vm.config[key] = [`${drive.storage}:${base}`, ...value.split(',').slice(1)].join(',');
        sim.changed();
      }
    },
  });
};
