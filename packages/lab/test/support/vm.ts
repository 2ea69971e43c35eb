// Boots the template the way the lab's QEMU backend does: inside the lab namespace, on a tap, from a qcow2
// overlay of the template disk, with the template's kernel and initrd, a NoCloud seed on the IDE CD-ROM, the
// guest agent on a virtio-serial port and QMP on a unix socket.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Accelerator } from '../../src/accelerator.js';
import type { LabNetwork } from '../../src/network.js';
import { run } from '../../src/run.js';
import type { TemplateImage } from '../../src/template.js';

export interface BootOptions {
  network: LabNetwork;
  template: TemplateImage;
  accelerator: Accelerator;
  name: string;
  /** Holds the overlay, the sockets and the serial log. */
  dir: string;
  tap: string;
  mac: string;
  seedIso: string;
  diskSizeBytes: number;
  memoryMiB?: number;
  cpus?: number;
}

export interface LabVm {
  process: ChildProcess;
  overlay: string;
  qgaSocket: string;
  qmpSocket: string;
  serialLog: string;
  running(): boolean;
  exited: Promise<void>;
}

export async function bootVm(options: BootOptions): Promise<LabVm> {
  const overlay = join(options.dir, `${options.name}.qcow2`);
  // The template is only ever a backing file: the guest writes to its overlay.
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', options.template.disk, overlay]);
  await run('qemu-img', ['resize', '-q', overlay, String(options.diskSizeBytes)]);
  await options.network.addTap(options.tap);
  const qgaSocket = join(options.dir, `${options.name}-qga.sock`);
  const qmpSocket = join(options.dir, `${options.name}-qmp.sock`);
  const serialLog = join(options.dir, `${options.name}-serial.log`);
  const argv = [
    'qemu-system-x86_64',
    ...['-name', options.name, '-nodefaults', '-no-user-config', '-display', 'none'],
    // i440fx, Proxmox's default: the cloud kernel has the PIIX IDE driver for the CD-ROM, but no AHCI.
    ...['-machine', 'pc', ...options.accelerator.qemuArgs],
    ...['-m', String(options.memoryMiB ?? 1024), '-smp', String(options.cpus ?? 2)],
    ...[
      '-kernel',
      options.template.kernel,
      '-initrd',
      options.template.initrd,
      '-append',
      options.template.append,
    ],
    ...['-drive', `file=${overlay},if=none,id=disk0,format=qcow2,discard=unmap`],
    ...['-device', 'virtio-blk-pci,drive=disk0'],
    ...['-drive', `file=${options.seedIso},if=none,id=cidata,media=cdrom,readonly=on`],
    ...['-device', 'ide-cd,drive=cidata,bus=ide.1'],
    ...['-netdev', `tap,id=net0,ifname=${options.tap},script=no,downscript=no`],
    ...['-device', `virtio-net-pci,netdev=net0,mac=${options.mac}`],
    ...['-chardev', `socket,id=qga0,path=${qgaSocket},server=on,wait=off`],
    ...['-device', 'virtio-serial-pci', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0'],
    ...['-qmp', `unix:${qmpSocket},server=on,wait=off`],
    ...['-serial', `file:${serialLog}`],
  ];
  const [command, ...args] = options.network.command(argv);
  const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  // QEMU creates its sockets before the guest starts; a bad argument ends it at once.
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (!running()) throw new Error(`QEMU exited at start: ${stderr.trim()}`);
    const ready = await run('test', ['-S', qmpSocket]).then(
      () => true,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { process: child, overlay, qgaSocket, qmpSocket, serialLog, running, exited };
}
