// A real Debian 12 machine for Ansible to work on, made on this machine without a hypervisor:
//   - a bookworm root from debootstrap, built once and cached in GUILDSERVER_CACHE_DIR under a key of its
//     inputs, then put in the state our cloud-init user data leaves a fresh VM in (the `gameserver` login
//     with passwordless sudo, password logins off, the baseline nftables firewall);
//   - each target boots a throwaway overlay of that root with systemd-nspawn --boot, so systemd is PID 1
//     and services, units and journald behave as on a VM;
//   - in a network namespace of its own, reached from the host through a veth pair (10.231.N.2, the host
//     being 10.231.N.1), with no route anywhere else: apt goes through a caching proxy on the host that
//     reaches only Debian's archive;
//   - Ansible reaches it over SSH as `gameserver` with a key made for the run — as the worker reaches a VM.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { playbookHosts } from '../../apps/api/src/pipeline/game/playbook-vars';
import { GAMES } from '../../packages/games/src/index';
import { type AptCacheProxy, startAptCacheProxy } from './apt-cache-proxy';
import { loadYaml } from './yaml';

const exec = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const MIRROR = 'http://deb.debian.org/debian';
/** What a Debian genericcloud image has that Ansible and our roles rely on; cloud-init adds nftables. */
const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'python3',
  'python3-apt',
  'sudo',
  'ca-certificates',
  'iproute2',
  'nftables',
  'netbase',
];
/** Bump when the way the root is prepared changes, so cached roots are rebuilt. */
const ROOT_RECIPE_VERSION = 1;

export function cacheDir(): string {
  return (
    process.env.GUILDSERVER_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'guildserver')
  );
}

/** The tools a target needs, with the Debian package for each one that is missing. */
export async function missingTargetTools(): Promise<string[]> {
  const tools: [string, string][] = [
    ['debootstrap', 'debootstrap'],
    ['systemd-nspawn', 'systemd-container'],
    ['ip', 'iproute2'],
    ['ansible-playbook', 'ansible'],
    ['ssh', 'openssh-client'],
  ];
  const missing: string[] = [];
  for (const [tool, pkg] of tools) {
    try {
      await exec('sh', ['-c', `command -v ${tool}`]);
    } catch {
      missing.push(pkg);
    }
  }
  if (process.getuid?.() !== 0) missing.push('(root: namespaces and debootstrap need it)');
  return missing;
}

interface BaseRoot {
  path: string;
  /** Seconds spent building it now; 0 when it came from the cache. */
  builtInSeconds: number;
}

/** The cached bookworm root, built when missing (about a minute). Safe to call from parallel test files. */
export async function baseRoot(): Promise<BaseRoot> {
  const userData = readFileSync(join(REPO, 'cloud-init', 'user-data.yaml'), 'utf8');
  const key = createHash('sha256')
    .update(JSON.stringify({ MIRROR, BASE_PACKAGES, ROOT_RECIPE_VERSION, userData }))
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheDir(), 'bookworm-target', key);
  const root = join(dir, 'root');
  if (existsSync(join(dir, 'ready'))) return { path: root, builtInSeconds: 0 };
  await mkdir(join(cacheDir(), 'bookworm-target'), { recursive: true });
  const lock = `${dir}.lock`;
  await acquireLock(lock);
  try {
    if (existsSync(join(dir, 'ready'))) return { path: root, builtInSeconds: 0 };
    const started = Date.now();
    const building = `${dir}.building`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { recursive: true });
    await exec(
      'debootstrap',
      [
        '--variant=minbase',
        `--include=${BASE_PACKAGES.join(',')}`,
        'bookworm',
        join(building, 'root'),
        MIRROR,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    await prepareLikeCloudInit(join(building, 'root'));
    await rm(dir, { recursive: true, force: true });
    await rename(building, dir);
    await writeFile(join(dir, 'ready'), new Date().toISOString());
    return { path: root, builtInSeconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function acquireLock(lock: string): Promise<void> {
  for (let waited = 0; ; waited += 1000) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      const pid = Number(safeRead(join(lock, 'pid')));
      if (pid && !alive(pid)) rmSync(lock, { recursive: true, force: true });
      if (waited > 15 * 60_000)
        throw new Error(`waited 15 min for ${lock}; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What cloud-init/user-data.yaml does on a VM's first boot (less the guest agent, which needs a VM). */
async function prepareLikeCloudInit(root: string): Promise<void> {
  const config = (await loadYaml(join(REPO, 'cloud-init', 'user-data.yaml'))) as {
    users: { name: string; shell: string; sudo: string; groups: string[] }[];
    write_files: { path: string; permissions: string; content: string }[];
  };
  const chroot = (...args: string[]) => exec('chroot', [root, ...args]);
  for (const user of config.users) {
    await chroot(
      'useradd',
      '--create-home',
      '--shell',
      user.shell,
      '--groups',
      user.groups.join(','),
      user.name,
    );
    await writeFile(join(root, 'etc/sudoers.d/90-cloud-init-users'), `${user.name} ${user.sudo}\n`, {
      mode: 0o440,
    });
  }
  for (const file of config.write_files) {
    await writeFile(join(root, file.path), file.content, { mode: Number.parseInt(file.permissions, 8) });
  }
  await chroot('systemctl', 'enable', 'nftables.service', 'ssh.service');
  // ssh_pwauth: false, disable_root: true
  await writeFile(
    join(root, 'etc/ssh/sshd_config.d/50-cloud-init.conf'),
    'PasswordAuthentication no\nPermitRootLogin no\n',
  );
  await writeFile(
    join(root, 'etc/apt/sources.list'),
    [
      `deb ${MIRROR} bookworm main`,
      `deb ${MIRROR} bookworm-updates main`,
      'deb http://deb.debian.org/debian-security bookworm-security main',
      '',
    ].join('\n'),
  );
  await writeFile(join(root, 'etc/hostname'), 'bookworm-target\n');
  await writeFile(join(root, 'etc/machine-id'), '');
  await chroot('apt-get', 'clean');
}

export interface Target {
  name: string;
  /** The target's own address, inside its namespace. */
  ip: string;
  /** The host's end of the veth pair: what the target reaches the host at. */
  hostIp: string;
  netns: string;
  /** An inventory file with this one host, `target`, in every game's group. */
  inventory: string;
  proxy: AptCacheProxy;
  /** Run a command on the target as root (over SSH, with sudo). */
  ssh(command: string): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Boots a fresh target. Always `stop()` it (test hooks): it holds a namespace, a mount and a container. */
export async function startTarget(name: string): Promise<Target> {
  const base = await baseRoot();
  const work = await mkdtemp(join(tmpdir(), `gs-target-${name}-`));
  const id = randomBytes(3).toString('hex');
  const netns = `gst-${id}`;
  const subnet = await reserveSubnet();
  const ip = `10.231.${subnet}.2`;
  const hostIp = `10.231.${subnet}.1`;
  const cleanups: (() => Promise<unknown>)[] = [];
  // Undone in reverse: the container, the mount, the proxy, the veth, the namespace, the files.
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
    cleanups.length = 0;
  };
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  try {
    await exec('ip', ['netns', 'add', netns]);
    cleanups.push(() => exec('ip', ['netns', 'del', netns]));
    await exec('ip', ['link', 'add', `gst${id}h`, 'type', 'veth', 'peer', 'name', `gst${id}g`]);
    cleanups.push(() => exec('ip', ['link', 'del', `gst${id}h`]));
    await exec('ip', ['link', 'set', `gst${id}g`, 'netns', netns]);
    await exec('ip', ['addr', 'add', `${hostIp}/24`, 'dev', `gst${id}h`]);
    await exec('ip', ['link', 'set', `gst${id}h`, 'up']);
    await exec('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    await exec('ip', ['-n', netns, 'link', 'set', `gst${id}g`, 'name', 'eth0']);
    await exec('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await exec('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);

    const proxy = await startAptCacheProxy(hostIp, join(cacheDir(), 'apt-archives'));
    cleanups.push(() => proxy.close());

    for (const sub of ['upper', 'work', 'merged']) await mkdir(join(work, sub));
    const merged = join(work, 'merged');
    await exec('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${base.path},upperdir=${join(work, 'upper')},workdir=${join(work, 'work')}`,
      merged,
    ]);
    cleanups.push(() => exec('umount', [merged]).catch(() => exec('umount', ['--lazy', merged])));

    const key = join(work, 'id_ed25519');
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `gs-target-${name}`, '-f', key]);
    const sshDir = join(merged, 'home/gameserver/.ssh');
    await mkdir(sshDir, { recursive: true, mode: 0o700 });
    await writeFile(join(sshDir, 'authorized_keys'), await readFile(`${key}.pub`), { mode: 0o600 });
    await exec('chroot', [merged, 'chown', '-R', 'gameserver:gameserver', '/home/gameserver/.ssh']);
    await writeFile(join(merged, 'etc/apt/apt.conf.d/01proxy'), `Acquire::http::Proxy "${proxy.url}";\n`);
    // Package lists more than an hour old, as a real base template's are: the install run refreshes them whatever
    // the cached root's age. (A root whose lists turned an hour old between two runs of a test once made only the
    // second run refresh.)
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(merged, 'var/lib/apt/lists'), twoHoursAgo, twoHoursAgo);
    await writeFile(join(merged, 'etc/hostname'), `${name}\n`);
    await writeFile(
      join(merged, 'etc/hosts'),
      `127.0.0.1 localhost\n127.0.1.1 ${name}\n::1 localhost ip6-localhost\n`,
    );

    const container = spawn(
      'systemd-nspawn',
      [
        '--quiet',
        '--boot',
        '--register=no',
        '--keep-unit',
        `--machine=${netns}`,
        `--directory=${merged}`,
        `--network-namespace-path=/run/netns/${netns}`,
        '--console=passive',
        // Its own network namespace: managing its firewall there touches nothing of the host's.
        '--capability=CAP_NET_ADMIN',
        '--link-journal=no',
        '--resolv-conf=off',
        '--timezone=off',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    container.stdout.on('data', (c: Buffer) => (output += c.toString()));
    container.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => container.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (container.exitCode === null) {
        container.kill('SIGTERM'); // nspawn asks the container's systemd to power off
        const timer = setTimeout(() => container.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    });

    await waitForSsh(ip, 60_000, () => (container.exitCode !== null ? output : undefined));

    const inventory = join(work, 'inventory.ini');
    // In every game's group: a playbook runs only on its own game's hosts, and the target stands in for any.
    const gameGroups = GAMES.map((game) => `[${playbookHosts(game)}:children]\ntargets\n`).join('\n');
    await writeFile(
      inventory,
      `[targets]\ntarget ansible_host=${ip} ansible_user=gameserver ansible_ssh_private_key_file=${key} ` +
        `ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'\n\n` +
        gameGroups,
    );
    const ssh = (command: string) =>
      exec(
        'ssh',
        [
          ...['-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
          ...[
            '-o',
            'LogLevel=ERROR',
            '-o',
            'BatchMode=yes',
            `gameserver@${ip}`,
            `sudo sh -c ${shellQuote(command)}`,
          ],
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    return { name, ip, hostIp, netns, inventory, proxy, ssh, stop: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A 10.231.N.0/24 that no interface of the host uses yet. */
async function reserveSubnet(): Promise<number> {
  const { stdout } = await exec('ip', ['-4', 'route', 'show']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = 1 + Math.floor(Math.random() * 254);
    if (!stdout.includes(`10.231.${n}.0/24`)) return n;
  }
  throw new Error('no free 10.231.N.0/24 subnet for a test target');
}

async function waitForSsh(
  ip: string,
  timeoutMs: number,
  exitedWith: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const died = exitedWith();
    if (died !== undefined) throw new Error(`the target's container exited while booting:\n${died}`);
    const banner = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: ip, port: 22 });
      socket.setTimeout(1000);
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (banner) return;
    if (Date.now() > deadline)
      throw new Error(`the target at ${ip} did not open SSH within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
