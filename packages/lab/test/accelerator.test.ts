import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseAccel, probeKvm } from '../src/accelerator.js';

const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `gs-${name}-`));

describe('the accelerator', () => {
  it('chooses the accelerator from /dev/kvm unless told', () => {
    const usable = { usable: true, reason: '/dev/kvm is usable' };
    const pvm = { usable: false, reason: '/dev/kvm is PVM, which cannot run a stock kernel' };
    expect(chooseAccel('auto', usable, undefined)).toEqual({ accel: 'kvm', reason: '/dev/kvm is usable' });
    expect(chooseAccel('auto', pvm, undefined)).toEqual({ accel: 'tcg', reason: pvm.reason });
    expect(chooseAccel('tcg', usable).accel).toBe('tcg');
    expect(chooseAccel('kvm', pvm).accel).toBe('kvm');
  });

  it('sees PVM and an unopenable device as no KVM', () => {
    const dir = tempDir('kvm');
    const device = join(dir, 'kvm');
    writeFileSync(device, '');
    expect(probeKvm(device, join(dir, 'no-pvm')).usable).toBe(true);
    expect(probeKvm(device, dir)).toEqual({
      usable: false,
      reason: `${device} is PVM, which cannot run a stock kernel`,
    });
    expect(probeKvm(join(dir, 'missing'), join(dir, 'no-pvm')).usable).toBe(false);
  });

  it('GUILDSERVER_LAB_ACCEL overrides the probe, an explicit choice overrides both', () => {
    const usable = { usable: true, reason: '/dev/kvm is usable' };
    expect(chooseAccel('auto', usable, 'tcg')).toEqual({ accel: 'tcg', reason: 'GUILDSERVER_LAB_ACCEL=tcg' });
    expect(chooseAccel('kvm', usable, 'tcg').accel).toBe('kvm');
  });
});
