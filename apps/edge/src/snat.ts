// EDGE_SNAT=auto: source NAT is needed exactly when a VM's replies would not come back through the edge. The
// edge asks the kernel how it reaches each VM (`ip -j route get`): through a gateway, or out of the same
// interface as its own default route (the VMs then share the edge's router, which is their gateway), the
// replies go to that router, not the edge: masquerade. Out of an interface of its own (the VM network hangs
// off the edge, which is the VMs' gateway): the replies come back, and the game sees the player's address.
import { spawn } from 'node:child_process';

/** One route as `ip -j route get` prints it (the fields that matter here). */
export interface RouteInfo {
  dst: string;
  gateway?: string;
  dev?: string;
  type?: string;
}

/** How the edge reaches each VM, and the interfaces of its own default route(s). */
export interface RouteView {
  routes: ReadonlyMap<string, RouteInfo>;
  defaultDevs: readonly string[];
}

export interface SnatDecision {
  snat: boolean;
  /** Why, in a few words, for the log. */
  why: string;
}

/** The decision for one VM address from the route to it; pure. */
export function decideSnat(vm: string, view: RouteView): SnatDecision {
  const route = view.routes.get(vm);
  if (!route)
    return {
      snat: true,
      why: `the edge has no route to ${vm}; masquerading in case its replies take another way`,
    };
  if (route.type === 'local') return { snat: false, why: `${vm} is an address of the edge itself` };
  if (route.gateway) {
    return {
      snat: true,
      why: `the edge reaches ${vm} through the gateway ${route.gateway}, so its replies would not come back through the edge`,
    };
  }
  if (route.dev && view.defaultDevs.includes(route.dev)) {
    return {
      snat: true,
      why: `${vm} is on ${route.dev}, the network of the edge's own default route: its gateway is that router, not the edge`,
    };
  }
  return {
    snat: false,
    why: `${vm} hangs off the edge on ${route.dev ?? 'an interface'} of its own: the edge is its gateway, and the game sees the player's address`,
  };
}

/** Every line of `ip -force -j -batch -` with `route get` commands: one JSON array per address that has a route. */
export function parseRouteBatch(stdout: string): Map<string, RouteInfo> {
  const routes = new Map<string, RouteInfo>();
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('[')) continue;
    try {
      for (const route of JSON.parse(line) as RouteInfo[]) {
        if (route && typeof route.dst === 'string' && !routes.has(route.dst)) routes.set(route.dst, route);
      }
    } catch {
      // a line ip printed that is not a route
    }
  }
  return routes;
}

/** The interfaces of `ip -j route show default` (several with multipath or more than one default route). */
export function parseDefaultDevs(stdout: string): string[] {
  const devs = new Set<string>();
  try {
    const routes = JSON.parse(stdout || '[]') as { dev?: string; nexthops?: { dev?: string }[] }[];
    for (const route of routes) {
      if (route.dev) devs.add(route.dev);
      for (const hop of route.nexthops ?? []) if (hop.dev) devs.add(hop.dev);
    }
  } catch {
    // no default route is printed as nothing
  }
  return [...devs];
}

/** Asks the kernel (inside `netns` when set) how it reaches each address: one `ip` for all of them. */
export async function lookupRoutes(addresses: readonly string[], netns?: string): Promise<RouteView> {
  const ns = netns ? ['-n', netns] : [];
  const [batch, defaults] = await Promise.all([
    addresses.length === 0
      ? Promise.resolve('')
      : runIp([...ns, '-force', '-j', '-batch', '-'], addresses.map((a) => `route get ${a}\n`).join('')),
    runIp([...ns, '-j', 'route', 'show', 'default'], ''),
  ]);
  return { routes: parseRouteBatch(batch), defaultDevs: parseDefaultDevs(defaults) };
}

/** `ip` with `input` on stdin; its stdout even when some batch lines failed (no route is not an error here). */
function runIp(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? 'ip is not installed, so EDGE_SNAT=auto cannot tell which VMs need source NAT; install the iproute2 package or set EDGE_SNAT=always or never.'
            : `ip ${args.join(' ')} failed: ${error.message}`,
        ),
      ),
    );
    child.once('close', (code) => {
      if (code === 0 || stdout.trim() !== '' || args.includes('-batch')) resolve(stdout);
      else reject(new Error(`ip ${args.join(' ')} failed: ${stderr.trim().split('\n')[0]}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
