// The edge host's own listening ports, from /proc/net: a published port among them is not forwarded.
import { describe, expect, it } from 'vitest';
import { localListeners, parseProcNet } from '../src/listeners.js';

const HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP = [
  HEADER,
  '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0', // *:22 listen
  '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0', // 127.0.0.1:8080 listen
  '   2: 0164A8C0:4E20 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0', // 192.168.100.1:20000 listen
  '   3: 0164A8C0:0016 0264A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0', // an ssh session
].join('\n');
const UDP6 = [
  HEADER,
  '  10: 00000000000000000000000000000000:4E21 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5 2 0', // [::]:20001
  '  11: 00000000000000000000000001000000:4E22 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 6 2 0', // [::1]:20002
  '  12: 00000000000000000000000000000000:A1B2 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 7 2 0', // connected
].join('\n');

describe('the edge host’s listening ports', () => {
  it('takes listening TCP and unconnected UDP sockets, except on loopback only', () => {
    expect([...parseProcNet('tcp', TCP)]).toEqual(['tcp/22', 'tcp/20000']);
    expect([...parseProcNet('udp', UDP6)]).toEqual(['udp/20001']);
  });

  it('reads this host’s own', async () => {
    const keys = await localListeners();
    expect(keys).toBeInstanceOf(Set);
    for (const key of keys) expect(key).toMatch(/^(tcp|udp)\/\d+$/);
  });
});
