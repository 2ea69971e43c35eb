// Closing a port for good: a new table stops new flows at once, but the kernel keeps forwarding the flows it
// already translated (conntrack remembers each DNAT: a UDP game client that keeps sending, an open TCP
// connection) until they time out. The edge forgets those flows of every port it closed or re-targeted, so a
// stopped or deleted server's players are never carried on to whatever VM gets its address next.
import { execFile } from 'node:child_process';
import type { NftTarget } from './nft.js';

/** A published port whose forward the new table dropped or sent elsewhere. */
export interface ClosedPort {
  protocol: 'tcp' | 'udp';
  port: number;
}

/** 'forgotten', or 'missing' when the conntrack tool is not installed (the flows then expire on their own). */
export type ForgetOutcome = 'forgotten' | 'missing';

/** Deletes the translated flows to these published ports (`conntrack -D … --dst-nat`); nothing else. */
export async function forgetFlows(
  closed: readonly ClosedPort[],
  target: NftTarget = {},
): Promise<ForgetOutcome> {
  for (const { protocol, port } of closed) {
    const args = ['-D', '-p', protocol, '--orig-port-dst', String(port), '--dst-nat'];
    const argv = target.netns
      ? ['ip', 'netns', 'exec', target.netns, 'conntrack', ...args]
      : ['conntrack', ...args];
    const outcome = await new Promise<'ok' | 'missing'>((resolve, reject) => {
      execFile(argv[0]!, argv.slice(1), (error, _stdout, stderr) => {
        if (!error) return resolve('ok');
        const code = (error as NodeJS.ErrnoException).code;
        // Not installed: execFile cannot find it, or `ip netns exec` cannot.
        if (code === 'ENOENT' || /exec of "conntrack" failed/.test(stderr)) return resolve('missing');
        // conntrack exits 1 when no flow matched: nothing to forget.
        if (/0 flow entries have been deleted/.test(stderr)) return resolve('ok');
        reject(new Error(`conntrack ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      });
    });
    if (outcome === 'missing') return 'missing';
  }
  return 'forgotten';
}

/** The ports of `before` that `after` no longer forwards to the same VM address and guest port. */
export function closedPorts(
  before: readonly {
    protocol: 'tcp' | 'udp';
    publishedPort: number;
    vmIpv4: string | null;
    guestPort: number;
  }[],
  after: readonly {
    protocol: 'tcp' | 'udp';
    publishedPort: number;
    vmIpv4: string | null;
    guestPort: number;
  }[],
): ClosedPort[] {
  const target = (e: (typeof before)[number]) => `${e.protocol}/${e.publishedPort}`;
  const kept = new Map(after.map((e) => [target(e), `${e.vmIpv4}:${e.guestPort}`]));
  return before
    .filter((e) => kept.get(target(e)) !== `${e.vmIpv4}:${e.guestPort}`)
    .map((e) => ({ protocol: e.protocol, port: e.publishedPort }));
}
