import { closeSync, constants, existsSync, openSync } from 'node:fs';

export type Accel = 'kvm' | 'tcg';
export type AccelChoice = Accel | 'auto';

export interface KvmProbe {
  usable: boolean;
  /** Why KVM can or cannot be used, for the log. */
  reason: string;
}

/**
 * KVM is usable when /dev/kvm opens read-write (existing is not enough) and is not PVM: PVM ("pagetable-based
 * VM", found on cloud machines without nested virtualization) runs only kernels built as PVM guests, so a stock
 * Debian kernel never gets to print a line.
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

export function chooseAccel(
  choice: AccelChoice,
  kvm: KvmProbe = probeKvm(),
): { accel: Accel; reason: string } {
  if (choice === 'tcg') return { accel: 'tcg', reason: 'TCG was asked for' };
  if (choice === 'kvm') return { accel: 'kvm', reason: 'KVM was asked for' };
  return kvm.usable ? { accel: 'kvm', reason: kvm.reason } : { accel: 'tcg', reason: kvm.reason };
}
