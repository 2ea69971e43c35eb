// KVM when it can run an unmodified Debian kernel, otherwise TCG (QEMU's emulator: slower, always works).
import { accessSync, constants, existsSync } from 'node:fs';

export interface Accelerator {
  kind: 'kvm' | 'tcg';
  /** Why this one was chosen, for the log. */
  reason: string;
  /** QEMU arguments selecting it (accelerator and CPU model). */
  qemuArgs: string[];
}

const KVM_ARGS = ['-accel', 'kvm', '-cpu', 'host'];
const TCG_ARGS = ['-accel', 'tcg,thread=multi', '-cpu', 'max'];

/** GUILDSERVER_LAB_ACCEL=kvm|tcg overrides the detection. */
export function detectAccelerator(): Accelerator {
  const forced = process.env.GUILDSERVER_LAB_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') {
    return {
      kind: forced,
      reason: 'GUILDSERVER_LAB_ACCEL',
      qemuArgs: forced === 'kvm' ? KVM_ARGS : TCG_ARGS,
    };
  }
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { kind: 'tcg', reason: '/dev/kvm is missing or not usable', qemuArgs: TCG_ARGS };
  }
  // PVM ("pagetable-based VM") gives a /dev/kvm to machines without hardware virtualization. It runs only
  // kernels built as PVM guests: it emulates a stock kernel's privileged code, crawling, and stops at
  // instructions it cannot emulate (seen: xrstor, cmpxchg16b).
  if (existsSync('/sys/module/kvm_pvm')) {
    return {
      kind: 'tcg',
      reason: '/dev/kvm is PVM, which cannot run a stock Debian kernel',
      qemuArgs: TCG_ARGS,
    };
  }
  return { kind: 'kvm', reason: '/dev/kvm is usable', qemuArgs: KVM_ARGS };
}
