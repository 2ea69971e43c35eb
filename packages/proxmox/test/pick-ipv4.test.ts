import { describe, expect, it } from 'vitest';
import { type GuestInterface, isGlobalUnicastIpv4, pickIpv4 } from '../src/index';

const v4 = (ip: string, prefix = 24) => ({ 'ip-address': ip, 'ip-address-type': 'ipv4', prefix });
const v6 = (ip: string) => ({ 'ip-address': ip, 'ip-address-type': 'ipv6', prefix: 64 });

describe('pickIpv4', () => {
  it('skips loopback, docker, veth, link-local and IPv6 to find the real NIC', () => {
    const interfaces: GuestInterface[] = [
      { name: 'lo', 'ip-addresses': [v4('127.0.0.1', 8), v6('::1')] },
      { name: 'docker0', 'ip-addresses': [v4('172.17.0.1', 16)] },
      { name: 'veth12ab', 'ip-addresses': [v4('172.17.0.2', 16)] },
      { name: 'br-5f2a', 'ip-addresses': [v4('172.18.0.1', 16)] },
      { name: 'tailscale0', 'ip-addresses': [v4('100.101.102.103', 32)] },
      { name: 'eth1', 'ip-addresses': [v4('169.254.10.2', 16), v6('fe80::1')] },
      { name: 'eth0', 'ip-addresses': [v6('2001:db8::5'), v4('10.0.0.5')] },
    ];
    expect(pickIpv4(interfaces)).toEqual({ ip: '10.0.0.5', interface: 'eth0', prefix: 24 });
  });

  it('returns undefined while DHCP runs (no ip-addresses)', () => {
    expect(
      pickIpv4([{ name: 'lo', 'ip-addresses': [v4('127.0.0.1', 8)] }, { name: 'ens18' }]),
    ).toBeUndefined();
    expect(pickIpv4([])).toBeUndefined();
  });

  it('classifies IPv4 ranges', () => {
    for (const ip of ['10.1.2.3', '192.168.1.10', '172.16.0.1', '8.8.8.8'])
      expect(isGlobalUnicastIpv4(ip)).toBe(true);
    for (const ip of [
      '0.0.0.0',
      '127.0.0.1',
      '169.254.1.1',
      '224.0.0.1',
      '255.255.255.255',
      'fe80::1',
      'x',
    ]) {
      expect(isGlobalUnicastIpv4(ip)).toBe(false);
    }
  });
});
