import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../src/run.js';

export interface SshKey {
  privateKey: string;
  publicKey: string;
}

export async function makeSshKey(dir: string): Promise<SshKey> {
  const privateKey = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'guildserver-lab-test', '-f', privateKey]);
  return { privateKey, publicKey: await readFile(`${privateKey}.pub`, 'utf8') };
}

/** Runs `command` on the VM as gameserver; rejects on a non-zero exit. */
export function ssh(key: SshKey, ip: string, command: string, timeoutMs = 120_000): Promise<string> {
  return run(
    'ssh',
    [
      ...['-i', key.privateKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
      ...['-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'],
      `gameserver@${ip}`,
      command,
    ],
    { timeoutMs },
  );
}

export async function waitForSsh(key: SshKey, ip: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ssh(key, ip, 'true', 15_000);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`no SSH login to ${ip} within ${timeoutMs / 1000} s: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}
