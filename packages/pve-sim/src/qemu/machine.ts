// The qemu-system-x86_64 command line for a VM config, and the process running it.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Accel } from '@guildserver/lab';
import { disksOf } from '../cluster/vm-config.js';
import type { VmPaths } from './paths.js';

export const QEMU_BINARY = 'qemu-system-x86_64';

export interface DirectBoot {
  kernel: string;
  initrd: string;
  append: string;
}

export interface MachineSpec {
  vmid: number;
  config: Record<string, string>;
  accel: Accel;
  paths: VmPaths;
  boot: DirectBoot;
  /** File of a disk volume (see DiskImages.fileOf). */
  diskFile(volume: string): string;
  /** The cloud-init seed ISO, when the VM has a cloud-init drive. */
  seedIso?: string;
  /** Network namespace holding the taps; without it, QEMU's user networking (tests only). */
  netns?: string;
  /** Start paused, waiting for a saved state (`migrate-incoming`) instead of booting. */
  incoming?: boolean;
}

export interface Nic {
  index: number;
  model: string;
  mac: string | undefined;
}

const NIC_DEVICES: Record<string, string> = {
  virtio: 'virtio-net-pci',
  e1000: 'e1000',
  e1000e: 'e1000e',
  rtl8139: 'rtl8139',
  vmxnet3: 'vmxnet3',
};

/** PVE's host-side interface name for a VM's NIC. */
export function tapName(vmid: number, index: number): string {
  return `tap${vmid}i${index}`;
}

/** `memory` is an integer (MiB) or, from PVE 8.1, a property string `current=4096,...`. */
export function memoryMiB(value: string | undefined): number {
  const match = /(?:^|current=)(\d+)/.exec(value ?? '');
  return match ? Number(match[1]) : 512;
}

export function nicsOf(config: Record<string, string>): Nic[] {
  return Object.keys(config)
    .filter((key) => /^net\d+$/.test(key))
    .map((key) => {
      const [first = 'virtio', ...rest] = config[key]!.split(',');
      const [model = 'virtio', inlineMac] = first.split('=');
      const mac = inlineMac ?? rest.find((part) => part.startsWith('macaddr='))?.slice(8);
      return { index: Number(key.slice(3)), model, mac };
    })
    .sort((a, b) => a.index - b.index);
}

export function agentEnabled(config: Record<string, string>): boolean {
  const agent = config.agent;
  return agent !== undefined && !/^(0|enabled=0)(,|$)/.test(agent);
}

export function cpuModel(accel: Accel): string {
  return accel === 'kvm' ? 'host' : 'max';
}

/** QEMU option values separate on commas; a literal comma is written twice. */
const optionValue = (value: string) => value.replaceAll(',', ',,');

function diskOrder(key: string): number {
  const kinds = ['scsi', 'virtio', 'sata', 'ide'];
  const kind = kinds.findIndex((k) => key.startsWith(k));
  return kind * 100 + Number(/\d+$/.exec(key)?.[0] ?? 0);
}

function diskArgs(spec: MachineSpec): string[] {
  const args: string[] = [];
  const disks = disksOf(spec.config).sort((a, b) => diskOrder(a.key) - diskOrder(b.key));
  let bootIndex = 100;
  for (const disk of disks) {
    const value = spec.config[disk.key]!;
    if (disk.isCloudInit) {
      if (!spec.seedIso) continue;
      // A cdrom on virtio-scsi whatever the bus in the config: Debian's cloud kernel has no AHCI driver, so an
      // IDE cdrom on q35 (where PVE puts ide2) would be invisible to the guest.
      args.push(
        '-device',
        'virtio-scsi-pci,id=cloudinit-scsi',
        '-drive',
        `if=none,id=drive-${disk.key},media=cdrom,format=raw,readonly=on,file=${optionValue(spec.seedIso)}`,
        '-device',
        `scsi-cd,bus=cloudinit-scsi.0,drive=drive-${disk.key},id=${disk.key}`,
      );
      continue;
    }
    if (
      /(^|,)media=cdrom(,|$)/.test(value) ||
      disk.key.startsWith('efidisk') ||
      disk.key.startsWith('tpmstate')
    )
      continue;
    const discard = /(^|,)discard=on(,|$)/.test(value) ? ',discard=unmap' : '';
    // virtio-blk whatever the bus in the config: the guest finds its root by label, not by device name.
    args.push(
      '-drive',
      `if=none,id=drive-${disk.key},format=qcow2${discard},file=${optionValue(spec.diskFile(disk.volume))}`,
      '-device',
      `virtio-blk-pci,drive=drive-${disk.key},id=${disk.key},bootindex=${bootIndex++}`,
    );
  }
  return args;
}

function networkArgs(spec: MachineSpec): string[] {
  const args: string[] = [];
  for (const nic of nicsOf(spec.config)) {
    const id = `net${nic.index}`;
    const backend = spec.netns
      ? `tap,id=${id},ifname=${tapName(spec.vmid, nic.index)},script=no,downscript=no`
      : `user,id=${id}`;
    const mac = nic.mac ? `,mac=${nic.mac}` : '';
    args.push(
      '-netdev',
      backend,
      '-device',
      `${NIC_DEVICES[nic.model] ?? 'virtio-net-pci'},netdev=${id}${mac},id=${id}`,
    );
  }
  return args;
}

/** The arguments after the binary's name. */
export function qemuArgs(spec: MachineSpec): string[] {
  const { config, paths } = spec;
  const cores = Number(config.cores ?? 1) || 1;
  const sockets = Number(config.sockets ?? 1) || 1;
  const vcpus = cores * sockets;
  const args = [
    '-name',
    `vm${spec.vmid}`,
    '-no-user-config',
    '-nodefaults',
    '-display',
    'none',
    '-machine',
    /q35/.test(config.machine ?? '') ? 'q35' : 'pc',
    '-accel',
    spec.accel,
    '-cpu',
    cpuModel(spec.accel),
    '-smp',
    `${vcpus},sockets=${sockets},cores=${cores},maxcpus=${vcpus}`,
    '-m',
    String(memoryMiB(config.memory)),
    '-pidfile',
    paths.pidFile,
    '-chardev',
    `socket,id=qmp,path=${optionValue(paths.qmpSocket)},server=on,wait=off`,
    '-mon',
    'chardev=qmp,mode=control',
    '-chardev',
    `file,id=serial0,path=${optionValue(paths.serialLog)}`,
    '-serial',
    'chardev:serial0',
  ];
  if (agentEnabled(config)) {
    args.push(
      '-chardev',
      `socket,id=qga0,path=${optionValue(paths.qgaSocket)},server=on,wait=off`,
      '-device',
      'virtio-serial,id=qga0-bus',
      '-device',
      'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
    );
  }
  args.push('-kernel', spec.boot.kernel, '-initrd', spec.boot.initrd, '-append', spec.boot.append);
  args.push(...diskArgs(spec), ...networkArgs(spec));
  if (spec.incoming) args.push('-S', '-incoming', 'defer');
  return args;
}

/** The program and arguments to run: inside the lab namespace (`ip netns exec`, which execs in place). */
export function qemuCommand(spec: MachineSpec): { command: string; args: string[] } {
  const args = qemuArgs(spec);
  if (!spec.netns) return { command: QEMU_BINARY, args };
  return { command: 'ip', args: ['netns', 'exec', spec.netns, QEMU_BINARY, ...args] };
}

/** Starts QEMU as a child of this process (not daemonized), its output going to `paths.qemuLog`. */
export function launchQemu(command: { command: string; args: string[] }, paths: VmPaths): ChildProcess {
  const log = openSync(paths.qemuLog, 'w');
  try {
    return spawn(command.command, command.args, { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}
