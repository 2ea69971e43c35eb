import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Deadline, waitUntil } from '../../src/deadline.js';
import { run } from '../../src/run.js';

export interface SshKey {
  privateKey: string;
  publicKey: string;
}

/** ssh's own exit status when it could not connect, log in or keep the connection (as opposed to the command's). */
const SSH_FAILED = 255;
/** `timeout`'s exit status when it stopped the command. */
const TIMED_OUT = 124;

export async function makeSshKey(dir: string): Promise<SshKey> {
  const privateKey = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'guildserver-lab-test', '-f', privateKey]);
  return { privateKey, publicKey: await readFile(`${privateKey}.pub`, 'utf8') };
}

interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sshRun(key: SshKey, ip: string, command: string, timeoutMs: number): Promise<SshResult> {
  const args = [
    ...['-i', key.privateKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
    ...['-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'],
    ...['-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=6'],
    `gameserver@${ip}`,
    command,
  ];
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : SSH_FAILED) : 0;
      resolve({ code, stdout, stderr: error?.killed ? `killed after ${timeoutMs / 1000} s` : stderr });
    });
  });
}

/** Runs `command` on the VM as gameserver; rejects on a non-zero exit. */
export async function ssh(key: SshKey, ip: string, command: string, timeoutMs = 120_000): Promise<string> {
  const result = await sshRun(key, ip, command, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`ssh gameserver@${ip} '${command}' exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export interface CloudInitDone {
  /** `cloud-init status --long` once it had finished (done or not). */
  status: string;
  /** Connections refused or dropped after the first login: sshd restarting under cloud-init. */
  refusedAfterLogin: number;
}

/**
 * Waits, over SSH, until cloud-init has finished the first boot. sshd lets us in before cloud-init is done and
 * is restarted later in the same boot (set_passwords rewrites its config), so until then a refused or dropped
 * connection means "not yet", as it does for the product's Ansible runner. Each try waits in the guest for up to
 * 30 s, so the deadline is looked at in between.
 */
export async function waitForCloudInit(key: SshKey, ip: string, deadline: Deadline): Promise<CloudInitDone> {
  let loggedIn = false;
  let refusedAfterLogin = 0;
  const status = await waitUntil(
    deadline,
    async () => {
      const result = await sshRun(key, ip, 'timeout 30 cloud-init status --long --wait', 60_000);
      if (result.code === SSH_FAILED) {
        if (loggedIn) refusedAfterLogin++;
        throw new Error(`ssh to ${ip}: ${result.stderr.trim()}`);
      }
      loggedIn = true;
      return result.code === TIMED_OUT ? undefined : result.stdout;
    },
    { pollMs: 2000, retryErrors: true },
  );
  return { status, refusedAfterLogin };
}
