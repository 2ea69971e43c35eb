import { checkPruneOptions, type PruneOptions, pruneMarks } from '@guildserver/proxmox/retention';
import { sleep } from '@guildserver/timing';
import { archiveFormat, archiveInfo, archivePath } from '../cluster/backups.js';
import type { SimBackup, SimStorage } from '../cluster/model.js';
import { disksOf } from '../cluster/vm-config.js';
import { vmstateSizeBytes } from '../cluster/vmstate.js';
import { PveHttpError, paramError } from '../errors.js';
import { parsePropertyString } from '../schema/property-string.js';
import { flag, type Handler, num, type SimContext, str } from './context.js';

const CLOUDINIT_SIZE = 4 * 1024 * 1024;

function storageOn(sim: SimContext, node: string, id: string): SimStorage {
  const storage = sim.cluster.storage(id);
  if (!storage?.nodes.includes(node)) throw new PveHttpError(500, `storage '${id}' does not exist`);
  return storage;
}

/** Archives on this storage as seen from `node` (a non-shared storage is a different directory per node). */
function backupsOn(sim: SimContext, node: string, storage: SimStorage): SimBackup[] {
  return sim.cluster.state.backups
    .filter((b) => b.storage === storage.id && (storage.shared || !b.node || b.node === node))
    .sort((a, b) => a.volid.localeCompare(b.volid));
}

interface ImageVolume {
  volid: string;
  vmid: number;
  size: number;
}

/**
 * VM disk volumes on this storage, from the configs of the node's VMs (LV names, as list_images shows), and the
 * state volumes of hibernated VMs.
 */
function imagesOn(sim: SimContext, node: string, storage: SimStorage): ImageVolume[] {
  return sim.cluster.state.vms
    .filter((vm) => vm.node === node || storage.shared)
    .flatMap((vm) => {
      const images = disksOf(vm.config)
        .filter((d) => d.storage === storage.id)
        .map((d) => ({
          volid: `${storage.id}:${d.volume.slice(d.volume.lastIndexOf('/') + 1)}`,
          vmid: vm.vmid,
          size: d.isCloudInit ? CLOUDINIT_SIZE : d.sizeBytes,
        }));
      const state = vm.config.vmstate;
      if (state?.startsWith(`${storage.id}:`))
        images.push({ volid: state, vmid: vm.vmid, size: vmstateSizeBytes(vm.config) });
      return images;
    })
    .sort((a, b) => a.volid.localeCompare(b.volid));
}

function backupEntry(backup: SimBackup): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    volid: backup.volid,
    format: archiveFormat(backup),
    size: backup.size,
    ctime: backup.ctime,
    vmid: backup.vmid,
    content: 'backup',
    subtype: backup.subtype ?? archiveInfo(backup.volid).type,
  };
  // The listing shows only the first line of the notes (GET …/content/{volume} has them all).
  if (backup.notes !== undefined) entry.notes = backup.notes.split('\n')[0];
  if (backup.protected) entry.protected = 1;
  return entry;
}

/** GET /nodes/{node}/storage/{storage}/content — backups and VM disk images; other content types are empty. */
export const listContent: Handler = ({ sim, params }) => {
  const node = str(params, 'node')!;
  const storage = storageOn(sim, node, str(params, 'storage')!);
  const content = str(params, 'content');
  const vmid = num(params, 'vmid');
  const wanted = (type: string) =>
    storage.content.includes(type) && (content === undefined || content === type);
  const entries: Record<string, unknown>[] = [];
  if (wanted('backup')) entries.push(...backupsOn(sim, node, storage).map(backupEntry));
  if (wanted('images'))
    entries.push(
      ...imagesOn(sim, node, storage).map((image) => ({ ...image, format: 'raw', content: 'images' })),
    );
  return vmid === undefined ? entries : entries.filter((e) => e.vmid === vmid);
};

/** The full volume id a `…/content/{volume}` call addresses (`backup/…` or `local:backup/…`). */
function volumeId(params: Record<string, unknown>): string {
  const storage = str(params, 'storage')!;
  const volume = str(params, 'volume')!;
  const colon = volume.indexOf(':');
  if (colon < 0) return `${storage}:${volume}`;
  const own = volume.slice(0, colon);
  if (own !== storage) throw new PveHttpError(500, `storage ID mismatch (${own} != ${storage})`);
  return volume;
}

function findBackup(sim: SimContext, params: Record<string, unknown>): SimBackup | undefined {
  const node = str(params, 'node')!;
  const storage = storageOn(sim, node, str(params, 'storage')!);
  const volid = volumeId(params);
  return backupsOn(sim, node, storage).find((b) => b.volid === volid);
}

// What PVE answers when volume_size_info finds no file for the volume.
const noSuchVolume = (volid: string) =>
  new PveHttpError(500, `volume_size_info on '${volid}' failed - no format`);

/** GET …/content/{volume}: path, size, used, format, and for backups notes (all lines) and protected. */
export const volumeAttributes: Handler = ({ sim, params }) => {
  const node = str(params, 'node')!;
  const storage = storageOn(sim, node, str(params, 'storage')!);
  const volid = volumeId(params);
  const backup = backupsOn(sim, node, storage).find((b) => b.volid === volid);
  if (backup) {
    return {
      path: archivePath(storage.type, volid),
      size: backup.size,
      used: backup.size,
      format: archiveFormat(backup),
      ...(backup.notes !== undefined ? { notes: backup.notes } : {}),
      protected: backup.protected ? 1 : 0,
    };
  }
  const image = imagesOn(sim, node, storage).find((i) => i.volid === volid);
  if (!image) throw noSuchVolume(volid);
  return { path: `/dev/pve/${volid.split(':')[1]}`, size: image.size, used: 0, format: 'raw' };
};

/** PUT …/content/{volume}: `notes` (empty removes them) and `protected`; backups only. */
export const updateVolumeAttributes: Handler = ({ sim, params }) => {
  const backup = findBackup(sim, params);
  const storage = sim.cluster.storage(str(params, 'storage')!)!;
  for (const attribute of ['notes', 'protected']) {
    if (params[attribute] === undefined) continue;
    if (!backup) {
      throw new PveHttpError(
        500,
        storage.type === 'dir'
          ? `only backups support attribute '${attribute}'`
          : `attribute '${attribute}' is not supported for storage type '${storage.type}'`,
      );
    }
    if (attribute === 'notes') {
      const notes = str(params, 'notes')!;
      if (notes === '') delete backup.notes;
      else backup.notes = notes;
    } else if (flag(params, 'protected')) {
      backup.protected = true;
    } else {
      delete backup.protected;
    }
  }
  sim.changed();
  return null;
};

/** Waits up to `seconds` for a task; true once it has stopped. */
async function waitFor(sim: SimContext, upid: string, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (sim.tasks.find(upid)?.status === 'stopped') return true;
    await sleep(10);
  }
  return sim.tasks.find(upid)?.status === 'stopped';
}

/**
 * DELETE …/content/{volume}: an `imgdel` task (UPID); a protected backup fails inside it. With `delay`, PVE
 * waits that long and answers null when the task ended well, its error as a 500 when not, the UPID otherwise.
 */
export const deleteVolume: Handler = async ({ sim, params, user }) => {
  const node = str(params, 'node')!;
  const storage = storageOn(sim, node, str(params, 'storage')!);
  const volid = volumeId(params);
  const volname = volid.slice(volid.indexOf(':') + 1);
  if (!volname.startsWith('backup/'))
    throw new PveHttpError(501, 'deleting volumes other than backups is not implemented by the simulator');
  const owner = archiveInfo(volid).vmid;
  const upid = sim.tasks.start({
    node,
    type: 'imgdel',
    id: `${owner !== undefined ? `${owner}@` : ''}${storage.id}`,
    user,
    run: async (log) => {
      await sim.work(sim.durations.volumeDelete);
      const backup = backupsOn(sim, node, storage).find((b) => b.volid === volid);
      if (backup?.protected)
        throw new Error(`cannot remove protected volume '${volname}' on '${storage.id}'`);
      if (!backup) {
        log.warn(`disk image '${archivePath(storage.type, volid)}' does not exist`);
        return;
      }
      sim.cluster.state.backups = sim.cluster.state.backups.filter((b) => b !== backup);
      sim.changed();
      await sim.backend.removeBackup(backup, log);
      log.info(`Removed volume '${volid}'`);
    },
  });
  const delay = num(params, 'delay');
  if (delay === undefined || !(await waitFor(sim, upid, delay))) return upid;
  const status = sim.tasks.find(upid)!.exitstatus!;
  if (status === 'OK' || status.startsWith('WARNINGS')) return null;
  throw new PveHttpError(500, status);
};

function pruneOptions(sim: SimContext, params: Record<string, unknown>, storage: SimStorage): PruneOptions {
  const text = str(params, 'prune-backups');
  if (text === undefined) {
    // The simulated storages have no `prune-backups` in their configuration.
    throw new PveHttpError(500, `no prune-backups options configured for storage '${storage.id}'`);
  }
  const parsed = parsePropertyString('prune-backups', text, { version: sim.version });
  const keep: PruneOptions = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'keep-all') keep['keep-all'] = value === 1 || value === '1';
    else (keep as Record<string, number>)[key] = Number(value);
  }
  const error = checkPruneOptions(keep);
  if (error) throw paramError({ 'prune-backups': error });
  return keep;
}

/** Marks the storage's backups (for `vmid` and `type` when given) with the retention rules. */
function pruneList(sim: SimContext, params: Record<string, unknown>) {
  const node = str(params, 'node')!;
  const storage = storageOn(sim, node, str(params, 'storage')!);
  if (!storage.content.includes('backup'))
    throw new PveHttpError(500, `storage '${storage.id}' does not support backups`);
  const keep = pruneOptions(sim, params, storage);
  const vmid = num(params, 'vmid');
  const type = str(params, 'type');
  const candidates = backupsOn(sim, node, storage)
    .filter((b) => vmid === undefined || b.vmid === vmid)
    .map((b) => {
      const info = archiveInfo(b.volid);
      return {
        volid: b.volid,
        ctime: info.ctime ?? b.ctime,
        type: info.type,
        vmid: info.vmid ?? b.vmid,
        protected: b.protected === true,
        standardName: info.standardName,
      };
    })
    .filter((c) => type === undefined || c.type === type);
  return { node, storage, entries: pruneMarks(candidates, keep) };
}

/** GET …/prunebackups: the dry run, every backup with `keep`, `remove`, `protected` or `renamed`. */
export const pruneDryRun: Handler = ({ sim, params }) => pruneList(sim, params).entries;

/** DELETE …/prunebackups: a `prunebackups` task that removes what the dry run marks `remove`. */
export const pruneBackups: Handler = ({ sim, params, user }) => {
  const { node, storage } = pruneList(sim, params);
  const vmid = num(params, 'vmid');
  return sim.tasks.start({
    node,
    type: 'prunebackups',
    id: `${vmid !== undefined ? `${vmid}@` : ''}${storage.id}`,
    user,
    run: async (log) => {
      await sim.work(sim.durations.volumeDelete);
      const remove = new Set(
        pruneList(sim, params)
          .entries.filter((e) => e.mark === 'remove')
          .map((e) => e.volid),
      );
      const removed = backupsOn(sim, node, storage).filter((b) => remove.has(b.volid));
      for (const backup of removed) log.info(`info: removing backup '${backup.volid}'`);
      sim.cluster.state.backups = sim.cluster.state.backups.filter((b) => !removed.includes(b));
      sim.changed();
      for (const backup of removed) await sim.backend.removeBackup(backup, log);
    },
  });
};
