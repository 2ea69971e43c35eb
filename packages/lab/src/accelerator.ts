// KVM when it can run an unmodified Debian kernel, otherwise TCG (QEMU's emulator: slower, always works).
// The lab's own tests and pve-sim's QEMU backend both choose here.
import { closeSync, constants, existsSync, openSync } from 'node:fs';

export type Accel = 'kvm' | 'tcg';
export type AccelChoice = Accel | 'auto';

export interface KvmProbe {
  usable: boolean;
  /** Why KVM can or cannot be used, for the log. */
  reason: string;
}

export interface Accelerator {
  kind: Accel;
  /** Why this one was chosen, for the log. */
  reason: string;
  /** QEMU arguments selecting it (accelerator and CPU model). */
  qemuArgs: string[];
}

/**
 * KVM is usable when /dev/kvm opens read-write (existing is not enough) and is not PVM: PVM ("pagetable-based
 * VM", found on cloud machines without nested virtualization) runs only kernels built as PVM guests; it
 * emulates a stock kernel's privileged code, crawling, and stops at instructions it cannot emulate (seen:
 * xrstor, cmpxchg16b).
 */
export function probeKvm(device = '/dev/kvm', pvmModule = '/sys/module/kvm_pvm'): KvmProbe {
  try {
    closeSync(openSync(device, constants.O_RDWR));
  } catch {
    return { usable: false, reason: `${device} cannot be opened read-write` };
  }
  if (existsSync(pvmModule))
    return { usable: false, reason: `${device} is PVM, which cannot run a stock kernel` };
  return { usable: true, reason: `${device} is usable` };
}

/** `auto` follows GUILDSERVER_LAB_ACCEL=kvm|tcg when set, else the probe. */
export function chooseAccel(
  choice: AccelChoice,
  kvm: KvmProbe = probeKvm(),
  forced = process.env.GUILDSERVER_LAB_ACCEL,
): { accel: Accel; reason: string } {
  if (choice === 'tcg') return { accel: 'tcg', reason: 'TCG was asked for' };
  if (choice === 'kvm') return { accel: 'kvm', reason: 'KVM was asked for' };
  if (forced === 'kvm' || forced === 'tcg')
    return { accel: forced, reason: `GUILDSERVER_LAB_ACCEL=${forced}` };
  return kvm.usable ? { accel: 'kvm', reason: kvm.reason } : { accel: 'tcg', reason: kvm.reason };
}

/** The automatic choice with its QEMU arguments, for VMs started outside the simulator. */
export function detectAccelerator(): Accelerator {
  const { accel, reason } = chooseAccel('auto');
  return {
    kind: accel,
    reason,
    qemuArgs:
      accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max'],
  };
}
