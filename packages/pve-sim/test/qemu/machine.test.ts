import { describe, expect, it } from 'vitest';
import { type MachineSpec, memoryMiB, qemuArgs, qemuCommand } from '../../src/qemu/machine.js';
import { vmPaths } from '../../src/qemu/paths.js';

const paths = vmPaths('/var/lib/gs-sim', 101);

function spec(overrides: Partial<MachineSpec> = {}, config: Record<string, string> = {}): MachineSpec {
  return {
    vmid: 101,
    accel: 'kvm',
    paths,
    boot: { kernel: '/lab/vmlinuz', initrd: '/lab/initrd.img', append: 'root=LABEL=root console=ttyS0' },
    diskFile: (volume) => `/var/lib/gs-sim/images/${volume.split('/').pop()}.qcow2`,
    seedIso: paths.seedIso,
    config: {
      machine: 'q35',
      cores: '2',
      memory: '2048',
      agent: '1',
      scsi0: 'local-lvm:base-9000-disk-0/vm-101-disk-0,discard=on,iothread=1,size=4G',
      ide2: 'local-lvm:vm-101-cloudinit,media=cdrom',
      net0: 'virtio=BC:24:11:12:34:56,bridge=vmbr0',
      ...config,
    },
    ...overrides,
  };
}

/** The value following `flag` (each occurrence). */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
}

describe('qemu argv', () => {
  it('uses KVM with the host CPU, or TCG with `max`', () => {
    const kvm = qemuArgs(spec());
    expect(valuesOf(kvm, '-accel')).toEqual(['kvm']);
    expect(valuesOf(kvm, '-cpu')).toEqual(['host']);
    const tcg = qemuArgs(spec({ accel: 'tcg' }));
    expect(valuesOf(tcg, '-accel')).toEqual(['tcg']);
    expect(valuesOf(tcg, '-cpu')).toEqual(['max']);
  });

  it('reads memory as an integer or as the PVE 8.1 property string', () => {
    expect(memoryMiB('2048')).toBe(2048);
    expect(memoryMiB('current=4096')).toBe(4096);
    expect(memoryMiB('current=8192,max=65536')).toBe(8192);
    expect(memoryMiB(undefined)).toBe(512);
    expect(valuesOf(qemuArgs(spec({}, { memory: 'current=4096' })), '-m')).toEqual(['4096']);
  });

  it('gives cores, sockets, machine type and no default devices', () => {
    const args = qemuArgs(spec({}, { cores: '4', sockets: '2' }));
    expect(valuesOf(args, '-smp')).toEqual(['8,sockets=2,cores=4,maxcpus=8']);
    expect(valuesOf(args, '-machine')).toEqual(['q35']);
    expect(args).toContain('-nodefaults');
    expect(valuesOf(args, '-display')).toEqual(['none']);
    expect(valuesOf(qemuArgs(spec({}, { machine: 'pc-i440fx-8.1' })), '-machine')).toEqual(['pc']);
  });

  it('boots the template kernel directly and keeps pid, serial, QMP and agent under the VM state dir', () => {
    const args = qemuArgs(spec());
    expect(valuesOf(args, '-kernel')).toEqual(['/lab/vmlinuz']);
    expect(valuesOf(args, '-initrd')).toEqual(['/lab/initrd.img']);
    expect(valuesOf(args, '-append')).toEqual(['root=LABEL=root console=ttyS0']);
    expect(valuesOf(args, '-pidfile')).toEqual(['/var/lib/gs-sim/vms/101/qemu.pid']);
    expect(valuesOf(args, '-chardev')).toEqual([
      'socket,id=qmp,path=/var/lib/gs-sim/vms/101/qmp.sock,server=on,wait=off',
      'file,id=serial0,path=/var/lib/gs-sim/vms/101/serial.log',
      'socket,id=qga0,path=/var/lib/gs-sim/vms/101/qga.sock,server=on,wait=off',
    ]);
    expect(valuesOf(args, '-mon')).toEqual(['chardev=qmp,mode=control']);
    expect(valuesOf(args, '-serial')).toEqual(['chardev:serial0']);
    expect(valuesOf(args, '-device')).toContain('virtserialport,chardev=qga0,name=org.qemu.guest_agent.0');
    expect(valuesOf(qemuArgs(spec({}, { agent: '0' })), '-chardev')).toHaveLength(2);
  });

  it('attaches the data disk as virtio-blk and the cloud-init seed as a virtio-scsi cdrom', () => {
    const args = qemuArgs(spec());
    expect(valuesOf(args, '-drive')).toEqual([
      'if=none,id=drive-scsi0,format=qcow2,discard=unmap,file=/var/lib/gs-sim/images/vm-101-disk-0.qcow2',
      'if=none,id=drive-ide2,media=cdrom,format=raw,readonly=on,file=/var/lib/gs-sim/vms/101/cloudinit.iso',
    ]);
    expect(valuesOf(args, '-device')).toEqual(
      expect.arrayContaining([
        'virtio-blk-pci,drive=drive-scsi0,id=scsi0,bootindex=100',
        'virtio-scsi-pci,id=cloudinit-scsi',
        'scsi-cd,bus=cloudinit-scsi.0,drive=drive-ide2,id=ide2',
      ]),
    );
  });

  it('doubles commas in file names, which QEMU would read as option separators', () => {
    const args = qemuArgs(spec({ diskFile: () => '/odd,dir/disk.qcow2' }));
    expect(valuesOf(args, '-drive')[0]).toBe(
      'if=none,id=drive-scsi0,format=qcow2,discard=unmap,file=/odd,,dir/disk.qcow2',
    );
  });

  it('puts the NIC on tap<vmid>i<n> inside the lab namespace, with the MAC from net0', () => {
    const command = qemuCommand(spec({ netns: 'gslab' }, { net1: 'e1000=BC:24:11:00:00:02,bridge=vmbr0' }));
    expect(command.command).toBe('ip');
    expect(command.args.slice(0, 4)).toEqual(['netns', 'exec', 'gslab', 'qemu-system-x86_64']);
    expect(valuesOf(command.args, '-netdev')).toEqual([
      'tap,id=net0,ifname=tap101i0,script=no,downscript=no',
      'tap,id=net1,ifname=tap101i1,script=no,downscript=no',
    ]);
    expect(valuesOf(command.args, '-device')).toEqual(
      expect.arrayContaining([
        'virtio-net-pci,netdev=net0,mac=BC:24:11:12:34:56,id=net0',
        'e1000,netdev=net1,mac=BC:24:11:00:00:02,id=net1',
      ]),
    );
  });

  it('falls back to user networking without a lab network', () => {
    const command = qemuCommand(spec());
    expect(command.command).toBe('qemu-system-x86_64');
    expect(valuesOf(command.args, '-netdev')).toEqual(['user,id=net0']);
  });
});
