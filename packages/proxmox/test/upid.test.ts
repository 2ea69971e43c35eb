import { describe, expect, it } from 'vitest';
import { isUpid, parseUpid } from '../src/index';

describe('parseUpid', () => {
  it('reads every field, numbers in hex', () => {
    const upid = 'UPID:pve:000A3F2C:00B1C3D4:6650A1B2:qmclone:9000:root@pam!guildserver:';
    expect(parseUpid(upid)).toEqual({
      raw: upid,
      node: 'pve',
      pid: 0x000a3f2c,
      pstart: 0x00b1c3d4,
      starttime: 0x6650a1b2,
      type: 'qmclone',
      id: '9000',
      user: 'root@pam!guildserver',
    });
  });

  it('accepts an empty id and a 9-digit pstart', () => {
    const parsed = parseUpid('UPID:pve-2:00001234:1234ABCDE:6650A1B2:vzdump::root@pam:');
    expect(parsed.node).toBe('pve-2');
    expect(parsed.id).toBe('');
    expect(parsed.pstart).toBe(0x1234abcde);
  });

  it('rejects anything else', () => {
    expect(() => parseUpid('UPID:pve:123:456:789:qmstart:100:root@pam:')).toThrow(/UPID/);
    expect(() => parseUpid('UPID:pve:000A3F2C:00B1C3D4:6650A1B2:qmstart:100:root@pam')).toThrow(/UPID/);
    expect(isUpid(null)).toBe(false);
    expect(isUpid('UPID:pve:000A3F2C:00B1C3D4:6650A1B2:qmstart:100:root@pam:')).toBe(true);
  });
});
