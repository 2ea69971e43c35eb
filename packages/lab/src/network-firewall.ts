// The namespace's nftables rules. The namespace is the VMs' only way out, so this is where "the VMs reach
// nothing but what the lab provides" is enforced; the host's own firewall is left alone. The namespace also
// plays the edge host: players reach whatever listens on its public address (the edge's responders for
// sleeping servers), and the kernel itself refuses a port nobody listens on.
import { LAB_BRIDGE, LAB_HOST_ADDRESS, LAB_NETNS_VETH, LAB_PUBLIC_VETH, LAB_SUBNET } from './addresses.js';

export function labFirewall(allowedHostPorts: number[]): string {
  return `table inet gslab {
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
    iifname "${LAB_BRIDGE}" udp dport 67 accept comment "DHCP"
    meta l4proto { icmp, ipv6-icmp } accept
    iifname "${LAB_NETNS_VETH}" accept comment "the host reaches the edge running here (its metrics)"
    iifname "${LAB_PUBLIC_VETH}" meta l4proto { tcp, udp } accept comment "players reach the edge's own listeners"
    iifname "${LAB_PUBLIC_VETH}" reject with icmpx type admin-prohibited comment "anything else players send"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "${LAB_NETNS_VETH}" oifname "${LAB_BRIDGE}" accept comment "the host reaches the VMs on any port"
    iifname "${LAB_PUBLIC_VETH}" oifname "${LAB_BRIDGE}" ct status dnat accept comment "players reach only what the edge publishes"
    ip saddr ${LAB_SUBNET} ip daddr ${LAB_SUBNET} accept comment "VM to VM (bridged, seen here via br_netfilter)"
    iifname "${LAB_BRIDGE}" ip daddr ${LAB_HOST_ADDRESS} tcp dport { ${allowedHostPorts.join(', ')} } accept
    reject with icmpx type admin-prohibited comment "fail fast instead of timing out"
  }
}
`;
}
