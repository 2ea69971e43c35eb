import { disksOf } from '../cluster/vm-config.js';
import { PveHttpError, paramError } from '../errors.js';
import { type Handler, num, type SimContext, str } from './context.js';

const MiB = 1024 * 1024;

function vmResources(sim: SimContext): Record<string, unknown>[] {
  return sim.cluster.state.vms.map((vm) => {
    const online = sim.cluster.node(vm.node)?.online ?? false;
    const running = vm.status === 'running';
    const maxmem = Number(/(\d+)/.exec(vm.config.memory ?? '512')?.[1] ?? 512) * MiB;
    const maxdisk = disksOf(vm.config).find((d) => !d.isCloudInit)?.sizeBytes ?? 0;
    const entry: Record<string, unknown> = {
      id: `qemu/${vm.vmid}`,
      type: 'qemu',
      vmid: vm.vmid,
      node: vm.node,
      name: vm.config.name,
      status: online ? vm.status : 'unknown',
      template: vm.config.template === '1' ? 1 : 0,
      maxcpu: Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1),
      cpu: running ? 0.02 : 0,
      maxmem,
      mem: running ? Math.floor(maxmem * 0.35) : 0,
      maxdisk,
      disk: 0,
      uptime: running && vm.startedAt ? Math.floor((Date.now() - vm.startedAt) / 1000) : 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
    };
    if (vm.config.tags) entry.tags = vm.config.tags;
    if (vm.config.lock) entry.lock = vm.config.lock;
    return entry;
  });
}

function nodeResources(sim: SimContext): Record<string, unknown>[] {
  return sim.cluster.state.nodes.map((node) => ({
    id: `node/${node.name}`,
    type: 'node',
    node: node.name,
    status: node.online ? 'online' : 'offline',
    maxcpu: node.maxcpu,
    cpu: node.online ? 0.05 : 0,
    maxmem: node.maxmem,
    mem: node.online ? Math.floor(node.maxmem * 0.2) : 0,
    uptime: node.online ? 86_400 : 0,
    level: '',
  }));
}

export function storageEntries(sim: SimContext, nodeName: string): Record<string, unknown>[] {
  const used = (storageId: string) =>
    sim.cluster.state.vms
      .filter((vm) => vm.node === nodeName)
      .flatMap((vm) => disksOf(vm.config))
      .filter((d) => d.storage === storageId)
      .reduce((sum, d) => sum + d.sizeBytes, 0) +
    sim.cluster.state.backups
      .filter((b) => b.storage === storageId && (!b.node || b.node === nodeName))
      .reduce((sum, b) => sum + b.size, 0);
  return sim.cluster.state.storages
    .filter((s) => s.nodes.includes(nodeName))
    .map((s) => ({
      storage: s.id,
      type: s.type,
      content: s.content.join(','),
      shared: s.shared ? 1 : 0,
      enabled: 1,
      active: 1,
      total: s.total,
      used: used(s.id),
      avail: s.total - used(s.id),
      used_fraction: used(s.id) / s.total,
    }));
}

function storageResources(sim: SimContext): Record<string, unknown>[] {
  return sim.cluster.state.nodes.flatMap((node) =>
    storageEntries(sim, node.name).map((s) => ({
      id: `storage/${node.name}/${s.storage}`,
      type: 'storage',
      storage: s.storage,
      node: node.name,
      status: node.online ? 'available' : 'unknown',
      plugintype: s.type,
      content: s.content,
      shared: s.shared,
      maxdisk: s.total,
      disk: s.used,
    })),
  );
}

/** GET /cluster/resources — `type` is vm, node or storage (others answer an empty list). */
export const clusterResources: Handler = ({ sim, params }) => {
  switch (str(params, 'type')) {
    case 'vm':
      return vmResources(sim);
    case 'node':
      return nodeResources(sim);
    case 'storage':
      return storageResources(sim);
    case undefined:
      return [...nodeResources(sim), ...storageResources(sim), ...vmResources(sim)];
    default:
      return [];
  }
};

/** GET /cluster/nextid — reserves nothing; the id comes back as a string, as PVE sends it. */
export const nextId: Handler = ({ sim, params }) => {
  const wanted = num(params, 'vmid');
  if (wanted === undefined) return String(sim.cluster.nextFreeVmid());
  if (sim.cluster.findVm(wanted)) throw paramError({ vmid: `VM ${wanted} already exists` });
  return String(wanted);
};

export const listNodes: Handler = ({ sim }) =>
  sim.cluster.state.nodes.map((node) => ({
    node: node.name,
    id: `node/${node.name}`,
    type: 'node',
    status: node.online ? 'online' : 'offline',
    ssl_fingerprint: node.sslFingerprint,
    ...(node.online
      ? {
          maxcpu: node.maxcpu,
          cpu: 0.05,
          maxmem: node.maxmem,
          mem: Math.floor(node.maxmem * 0.2),
          uptime: 86_400,
          level: '',
        }
      : {}),
  }));

export const listStorage: Handler = ({ sim, params }) => {
  const node = str(params, 'node')!;
  const content = str(params, 'content');
  const storage = str(params, 'storage');
  return storageEntries(sim, node).filter(
    (s) =>
      (content === undefined || String(s.content).split(',').includes(content)) &&
      (storage === undefined || s.storage === storage),
  );
};

export const version: Handler = ({ sim }) => {
  const full = { '7.4': '7.4-2', '8.4': '8.4.0', '9.1': '9.1.3' }[sim.version];
  return { version: full, release: sim.version, repoid: 'a1b2c3d4' };
};

export const nodeStatus: Handler = ({ sim, params }) => {
  const node = sim.cluster.node(str(params, 'node')!);
  if (!node) throw new PveHttpError(500, 'no such node');
  return {
    uptime: 86_400,
    cpu: 0.05,
    memory: { total: node.maxmem, used: Math.floor(node.maxmem * 0.2), free: Math.floor(node.maxmem * 0.8) },
    cpuinfo: { cpus: node.maxcpu, sockets: 1, model: 'Simulated CPU' },
    pveversion: `pve-manager/${sim.version}`,
  };
};
