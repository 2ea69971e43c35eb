import { createTicketHandler } from './access.js';
import { vzdump } from './backup.js';
import { clusterResources, listNodes, listStorage, nextId, nodeStatus, version } from './cluster.js';
import type { Handler } from './context.js';
import { agentCommand, agentPing, networkGetInterfaces } from './guest-agent.js';
import { cloneVm } from './qemu-clone.js';
import {
  getConfig,
  getPending,
  regenerateCloudInit,
  updateConfigAsync,
  updateConfigSync,
} from './qemu-config.js';
import { destroyVm, listVms, resizeDisk } from './qemu-lifecycle.js';
import { currentStatus, rebootVm, resetVm, shutdownVm, startVm, stopVm } from './qemu-power.js';
import { restoreVm } from './qemu-restore.js';
import { resumeVm, suspendVm } from './qemu-suspend.js';
import { templateVm } from './qemu-template.js';
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshots,
  rollbackSnapshot,
  snapshotConfig,
} from './snapshot.js';
import {
  deleteVolume,
  listContent,
  pruneBackups,
  pruneDryRun,
  updateVolumeAttributes,
  volumeAttributes,
} from './storage-content.js';
import { listTasks, taskLog, taskStatus } from './tasks.js';

const QEMU = '/nodes/{node}/qemu/{vmid}';
const STORAGE = '/nodes/{node}/storage/{storage}';

/** What the simulator implements, keyed by `METHOD <schema path template>`; anything else answers 501. */
export function buildRoutes(ticket: ReturnType<typeof createTicketHandler>): Map<string, Handler> {
  return new Map<string, Handler>([
    ['GET /version', version],
    ['POST /access/ticket', ticket],
    ['GET /cluster/resources', clusterResources],
    ['GET /cluster/nextid', nextId],
    ['GET /nodes', listNodes],
    ['GET /nodes/{node}/status', nodeStatus],
    ['GET /nodes/{node}/storage', listStorage],
    [`GET ${STORAGE}/content`, listContent],
    [`GET ${STORAGE}/content/{volume}`, volumeAttributes],
    [`PUT ${STORAGE}/content/{volume}`, updateVolumeAttributes],
    [`DELETE ${STORAGE}/content/{volume}`, deleteVolume],
    [`GET ${STORAGE}/prunebackups`, pruneDryRun],
    [`DELETE ${STORAGE}/prunebackups`, pruneBackups],
    ['GET /nodes/{node}/tasks', listTasks],
    ['GET /nodes/{node}/tasks/{upid}/status', taskStatus],
    ['GET /nodes/{node}/tasks/{upid}/log', taskLog],
    ['POST /nodes/{node}/vzdump', vzdump],
    ['GET /nodes/{node}/qemu', listVms],
    ['POST /nodes/{node}/qemu', restoreVm],
    [`POST ${QEMU}/clone`, cloneVm],
    [`GET ${QEMU}/config`, getConfig],
    [`POST ${QEMU}/config`, updateConfigAsync],
    [`PUT ${QEMU}/config`, updateConfigSync],
    [`GET ${QEMU}/pending`, getPending],
    [`PUT ${QEMU}/cloudinit`, regenerateCloudInit],
    [`PUT ${QEMU}/resize`, resizeDisk],
    [`POST ${QEMU}/template`, templateVm],
    [`DELETE ${QEMU}`, destroyVm],
    [`GET ${QEMU}/status/current`, currentStatus],
    [`POST ${QEMU}/status/start`, startVm],
    [`POST ${QEMU}/status/stop`, stopVm],
    [`POST ${QEMU}/status/shutdown`, shutdownVm],
    [`POST ${QEMU}/status/reboot`, rebootVm],
    [`POST ${QEMU}/status/reset`, resetVm],
    [`POST ${QEMU}/status/suspend`, suspendVm],
    [`POST ${QEMU}/status/resume`, resumeVm],
    [`POST ${QEMU}/agent`, agentCommand],
    [`POST ${QEMU}/agent/ping`, agentPing],
    [`GET ${QEMU}/agent/network-get-interfaces`, networkGetInterfaces],
    [`GET ${QEMU}/snapshot`, listSnapshots],
    [`POST ${QEMU}/snapshot`, createSnapshot],
    [`GET ${QEMU}/snapshot/{snapname}/config`, snapshotConfig],
    [`POST ${QEMU}/snapshot/{snapname}/rollback`, rollbackSnapshot],
    [`DELETE ${QEMU}/snapshot/{snapname}`, deleteSnapshot],
  ]);
}

export { createTicketHandler };
