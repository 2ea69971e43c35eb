// Where the qemu backend keeps things under its state directory.
import { join } from 'node:path';

export interface VmPaths {
  dir: string;
  qmpSocket: string;
  qgaSocket: string;
  pidFile: string;
  /** Where a VM's saved state passes between QEMU and its file (QEMU's end of a `unix:` migration). */
  stateSocket: string;
  serialLog: string;
  /** QEMU's own stdout/stderr, kept so a failed start can say why. */
  qemuLog: string;
  seedIso: string;
}

/** Linux refuses unix socket paths longer than this (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;

export function vmsDir(stateDir: string): string {
  return join(stateDir, 'vms');
}

export function vmPaths(stateDir: string, vmid: number): VmPaths {
  const dir = join(vmsDir(stateDir), String(vmid));
  const paths = {
    dir,
    qmpSocket: join(dir, 'qmp.sock'),
    qgaSocket: join(dir, 'qga.sock'),
    pidFile: join(dir, 'qemu.pid'),
    stateSocket: join(dir, 'state.sock'),
    serialLog: join(dir, 'serial.log'),
    qemuLog: join(dir, 'qemu.log'),
    seedIso: join(dir, 'cloudinit.iso'),
  };
  if (Buffer.byteLength(paths.qmpSocket) > MAX_SOCKET_PATH) {
    throw new Error(`state directory '${stateDir}' is too long for unix sockets; choose a shorter one`);
  }
  return paths;
}
