// A small internet in network namespaces, made and removed by the test: a player (198.51.100.2) reaches the
// edge's public address (198.51.100.1); the edge routes to a VM (10.77.0.2, its gateway 10.77.0.1) that runs
// a real TCP and a real UDP service on 25565, each answering "hello <the address it saw>".
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PLAYER_ADDRESS = '198.51.100.2';
export const EDGE_PUBLIC_ADDRESS = '198.51.100.1';
export const EDGE_VM_SIDE_ADDRESS = '10.77.0.1';
export const VM_ADDRESS = '10.77.0.2';
export const GAME_PORT = 25565;

/** What the test needs and lacks: root, `ip` and `nft`. */
export async function missingForNetns(): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  const packages: Record<string, string> = { ip: 'iproute2', nft: 'nftables', conntrack: 'conntrack' };
  for (const [tool, pkg] of Object.entries(packages)) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      missing.push(pkg);
    }
  }
  return missing;
}

const SERVICE = `
const net = require('node:net'), dgram = require('node:dgram');
const seen = (a) => a.replace(/^::ffff:/, '');
net.createServer((c) => c.once('data', () => c.end('hello ' + seen(c.remoteAddress)))).listen(${GAME_PORT}, '0.0.0.0', () => {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send('hello ' + r.address, r.port, r.address));
  u.bind(${GAME_PORT}, '0.0.0.0', () => console.log('ready'));
});`;

const CLIENT = `
const [host, port, proto, source] = process.argv.slice(1);
const done = (text) => { process.stdout.write(text); process.exit(0); };
setTimeout(() => done('timeout'), 1500);
if (proto === 'tcp') {
  const s = require('node:net').connect(Number(port), host, () => s.write('hi'));
  s.on('data', (d) => done(String(d)));
  s.on('error', (e) => done('error ' + e.code));
} else {
  const s = require('node:dgram').createSocket('udp4');
  s.on('message', (m) => done(String(m)));
  s.on('error', (e) => done('error ' + e.code));
  const send = () => s.send('hi', Number(port), host);
  if (source) s.bind(Number(source), send); else send();
}`;

export interface NetnsWorldOptions {
  /** The VM's address (default VM_ADDRESS), e.g. the one the simulator gave a real API's server. */
  vmAddress?: string;
  /** The VM network's prefix length (default 24). */
  prefix?: number;
  /** The edge's address on the VM network, the VM's gateway (default EDGE_VM_SIDE_ADDRESS). */
  edgeVmSideAddress?: string;
}

export interface NetnsWorld {
  player: string;
  edge: string;
  vm: string;
  vmAddress: string;
  edgeVmSideAddress: string;
  /**
   * What the player gets from `EDGE_PUBLIC_ADDRESS:port`: "hello <address>", "timeout" or "error <code>";
   * UDP from `sourcePort` when given (the same flow as an earlier play from it).
   */
  play(port: number, protocol: 'tcp' | 'udp', sourcePort?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startNetnsWorld(options: NetnsWorldOptions = {}): Promise<NetnsWorld> {
  const vmAddress = options.vmAddress ?? VM_ADDRESS;
  const edgeVmSideAddress = options.edgeVmSideAddress ?? EDGE_VM_SIDE_ADDRESS;
  const prefix = options.prefix ?? 24;
  const tag = `gse${process.pid % 100_000}`;
  const player = `${tag}-player`;
  const edge = `${tag}-edge`;
  const vm = `${tag}-vm`;
  const ip = (...args: string[]) => run('ip', args);
  const inNs = (ns: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);
  let service: ChildProcess | undefined;
  const close = async () => {
    service?.kill('SIGKILL');
    for (const ns of [player, edge, vm]) await ip('netns', 'del', ns).catch(() => {});
  };
  await close();
  try {
    for (const ns of [player, edge, vm]) {
      await ip('netns', 'add', ns);
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    await ip(
      'link',
      'add',
      `${tag}p`,
      'netns',
      player,
      'type',
      'veth',
      'peer',
      'name',
      `${tag}pe`,
      'netns',
      edge,
    );
    await ip(
      'link',
      'add',
      `${tag}v`,
      'netns',
      vm,
      'type',
      'veth',
      'peer',
      'name',
      `${tag}ve`,
      'netns',
      edge,
    );
    await inNs(player, 'ip', 'addr', 'add', `${PLAYER_ADDRESS}/24`, 'dev', `${tag}p`);
    await inNs(player, 'ip', 'link', 'set', `${tag}p`, 'up');
    await inNs(edge, 'ip', 'addr', 'add', `${EDGE_PUBLIC_ADDRESS}/24`, 'dev', `${tag}pe`);
    await inNs(edge, 'ip', 'addr', 'add', `${edgeVmSideAddress}/${prefix}`, 'dev', `${tag}ve`);
    await inNs(edge, 'ip', 'link', 'set', `${tag}pe`, 'up');
    await inNs(edge, 'ip', 'link', 'set', `${tag}ve`, 'up');
    await inNs(edge, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    await inNs(vm, 'ip', 'addr', 'add', `${vmAddress}/${prefix}`, 'dev', `${tag}v`);
    await inNs(vm, 'ip', 'link', 'set', `${tag}v`, 'up');
    await inNs(vm, 'ip', 'route', 'add', 'default', 'via', edgeVmSideAddress);
    service = spawn('ip', ['netns', 'exec', vm, process.execPath, '-e', SERVICE], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      service!.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      service!.once('exit', (code) => reject(new Error(`the VM's service exited (${code})`)));
    });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    player,
    edge,
    vm,
    vmAddress,
    edgeVmSideAddress,
    async play(port, protocol, sourcePort) {
      const { stdout } = await inNs(
        player,
        process.execPath,
        '-e',
        CLIENT,
        EDGE_PUBLIC_ADDRESS,
        String(port),
        protocol,
        ...(sourcePort === undefined ? [] : [String(sourcePort)]),
      );
      return stdout;
    },
    close,
  };
}
