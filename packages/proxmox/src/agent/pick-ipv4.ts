import { isIpv4 } from '../encoding/property-strings';

export interface GuestIpAddress {
  'ip-address': string;
  'ip-address-type': 'ipv4' | 'ipv6' | string;
  prefix?: number;
}

export interface GuestInterface {
  name: string;
  'hardware-address'?: string;
  /** Missing while DHCP has not answered yet. */
  'ip-addresses'?: GuestIpAddress[];
  statistics?: Record<string, number>;
}

/** Interfaces made by container runtimes, VPNs and bridges inside the guest: never the VM's own address. */
const VIRTUAL_INTERFACE =
  /^(lo|docker|veth|br-|virbr|cni|flannel|cali|cilium|vxlan|weave|kube|tailscale|zt|wg|tun|tap|lxcbr|lxdbr|podman|dummy|vnet)/i;

export function isVirtualInterface(name: string): boolean {
  return VIRTUAL_INTERFACE.test(name);
}

/**
 * Global unicast in the sense routers use (private ranges included): not unspecified (0/8), loopback (127/8),
 * link-local (169.254/16), multicast (224/4), reserved (240/4) or broadcast.
 */
export function isGlobalUnicastIpv4(address: string): boolean {
  if (!isIpv4(address)) return false;
  const [a, b] = address.split('.').map(Number) as [number, number];
  if (a === 0 || a === 127 || a >= 224) return false;
  return !(a === 169 && b === 254);
}

export interface PickedAddress {
  ip: string;
  interface: string;
  prefix: number | undefined;
}

/** The first global-unicast IPv4 on a real NIC, in the order the agent listed them. */
export function pickIpv4(interfaces: readonly GuestInterface[]): PickedAddress | undefined {
  for (const nic of interfaces) {
    if (isVirtualInterface(nic.name)) continue;
    for (const address of nic['ip-addresses'] ?? []) {
      if (address['ip-address-type'] !== 'ipv4') continue;
      if (isGlobalUnicastIpv4(address['ip-address'])) {
        return { ip: address['ip-address'], interface: nic.name, prefix: address.prefix };
      }
    }
  }
  return undefined;
}
