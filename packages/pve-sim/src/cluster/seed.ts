import { createHash } from 'node:crypto';
import type { ClusterState, SimVm } from './model.js';

const GiB = 1024 ** 3;

function fakeFingerprint(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

/** The template every GuildServer VM is cloned from: cloud-init drive, agent on, scsi0 on linked-clone storage. */
export function templateVm(vmid: number, node: string): SimVm {
  return {
    vmid,
    node,
    status: 'stopped',
    pending: {},
    pendingDelete: [],
    snapshots: [],
    config: {
      name: 'debian-12-cloudinit',
      template: '1',
      ostype: 'l26',
      machine: 'q35',
      bios: 'seabios',
      cpu: 'x86-64-v2-AES',
      cores: '2',
      sockets: '1',
      memory: '2048',
      agent: '1',
      scsihw: 'virtio-scsi-single',
      scsi0: `local-lvm:base-${vmid}-disk-0,discard=on,iothread=1,size=4G`,
      ide2: `local-lvm:vm-${vmid}-cloudinit,media=cdrom`,
      boot: 'order=scsi0',
      serial0: 'socket',
      vga: 'serial0',
      net0: 'virtio=BC:24:11:00:23:28,bridge=vmbr0',
      ipconfig0: 'ip=dhcp',
      ciuser: 'debian',
      tags: 'template',
      smbios1: 'uuid=6f1c0d46-4a4c-4bb4-8a39-5f6a0d6c9000',
      vmgenid: '0b1a7f0e-2c1f-4f7a-9a64-3c9e5d7e9000',
      digest: '',
    },
  };
}

export function seedCluster(templateVmid = 9000): ClusterState {
  return {
    clusterName: 'guildlab',
    nodes: [
      {
        name: 'pve',
        online: true,
        maxcpu: 16,
        maxmem: 128 * GiB,
        sslFingerprint: fakeFingerprint('pve'),
        index: 1,
      },
      {
        name: 'pve2',
        online: true,
        maxcpu: 16,
        maxmem: 128 * GiB,
        sslFingerprint: fakeFingerprint('pve2'),
        index: 2,
      },
    ],
    storages: [
      {
        id: 'local',
        type: 'dir',
        content: ['iso', 'vztmpl', 'backup', 'snippets'],
        shared: false,
        total: 100 * GiB,
        nodes: ['pve', 'pve2'],
      },
      {
        id: 'local-lvm',
        type: 'lvmthin',
        content: ['images', 'rootdir'],
        shared: false,
        total: 1024 * GiB,
        nodes: ['pve', 'pve2'],
      },
      {
        id: 'lvm-thick',
        type: 'lvm',
        content: ['images', 'rootdir'],
        shared: false,
        total: 512 * GiB,
        nodes: ['pve', 'pve2'],
      },
    ],
    vms: [templateVm(templateVmid, 'pve')],
    tasks: [],
    backups: [],
  };
}

/** Extra ordinary VMs, for benchmarks of listing endpoints. */
export function seedVms(state: ClusterState, count: number, firstVmid = 20000): void {
  for (let i = 0; i < count; i++) {
    const vmid = firstVmid + i;
    const node = state.nodes[i % state.nodes.length]!.name;
    state.vms.push({
      vmid,
      node,
      status: i % 3 === 0 ? 'stopped' : 'running',
      startedAt: Date.now(),
      pending: {},
      pendingDelete: [],
      snapshots: [],
      config: {
        name: `seed-${vmid}`,
        cores: '2',
        memory: '4096',
        agent: '1',
        scsi0: `local-lvm:vm-${vmid}-disk-0,size=16G`,
        net0: 'virtio=BC:24:11:AA:00:01,bridge=vmbr0',
        tags: 'seed',
      },
    });
  }
}
