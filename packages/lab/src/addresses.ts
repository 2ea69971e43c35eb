// The lab's fixed names and addresses. There is one lab per host: the template bakes LAB_APT_PROXY in.
//
//   host ── gslab-h 10.77.255.1/30 ══ veth ══ gslab-n 10.77.255.2/30 ── [netns gslab] ── bridge gslab-br
//                                                                           │      10.77.0.1/24, dnsmasq DHCP
//   [netns gsplayer] 198.51.100.2/24 ══ veth ══ gslab-x 198.51.100.1/24 ─────┘      ├── tap (VM 10.77.0.x)
//                                                                                  └── tap (VM 10.77.0.y)
//
// The lab namespace plays the Proxmox host: the VMs' gateway, and the edge host whose public address
// (HOST_EXTERNAL in the lab) the player namespace, standing for the internet, reaches.

export const LAB_NETNS = 'gslab';
export const LAB_BRIDGE = 'gslab-br';
export const LAB_HOST_VETH = 'gslab-h';
export const LAB_NETNS_VETH = 'gslab-n';

/** The VMs' subnet, behind the namespace's bridge; the host routes it via LAB_NETNS_ADDRESS. */
export const LAB_SUBNET = '10.77.0.0/24';
export const LAB_GATEWAY = '10.77.0.1';
export const LAB_PREFIX_LENGTH = 24;
/** DHCP hands out addresses from this range; 10.77.0.2–99 are free for static network configs. */
export const LAB_DHCP_RANGE = { first: '10.77.0.100', last: '10.77.0.199' } as const;

/** The host's end of the veth pair: the only address outside their subnet the VMs can reach. */
export const LAB_HOST_ADDRESS = '10.77.255.1';
export const LAB_NETNS_ADDRESS = '10.77.255.2';
export const LAB_LINK_PREFIX_LENGTH = 30;

export const LAB_APT_PROXY_PORT = 3142;
/** `address:port` of the caching apt proxy; the template's apt uses it (`Acquire::http::Proxy`). */
export const LAB_APT_PROXY = `${LAB_HOST_ADDRESS}:${LAB_APT_PROXY_PORT}`;

/** The players' side: a namespace standing for the internet, wired to the lab namespace only. */
export const LAB_PLAYER_NETNS = 'gsplayer';
/** The lab namespace's public leg (toward the players) and the player namespace's end of it. */
export const LAB_PUBLIC_VETH = 'gslab-x';
export const LAB_PLAYER_VETH = 'gsplayer-x';
/** The edge's public address: HOST_EXTERNAL in the lab (a TEST-NET-2 address, never routed on the internet). */
export const LAB_EDGE_PUBLIC_ADDRESS = '198.51.100.1';
export const LAB_PLAYER_ADDRESS = '198.51.100.2';
export const LAB_PUBLIC_PREFIX_LENGTH = 24;
