// A look into a lab VM as an operator would take it: `ssh gameserver@<address>` with the key GuildServer put on
// the VM (the worker's ANSIBLE_PRIVATE_KEY_FILE), from this host, which routes to the lab network as the
// worker's Ansible does. New VMs' host keys are not checked (as ansible/ansible.cfg does not).
import { spawn } from 'node:child_process';

export interface SshTarget {
  ipv4: string;
  privateKeyFile: string;
  /** Default `gameserver`, the user cloud-init makes for GuildServer. */
  user?: string;
}

/** Runs `command` (a shell line) on the VM, `input` on its stdin; resolves with its stdout, rejects on failure. */
export function sshRun(target: SshTarget, command: string, input = '', timeoutMs = 60_000): Promise<string> {
  const args = [
    '-i',
    target.privateKeyFile,
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=15',
    `${target.user ?? 'gameserver'}@${target.ipv4}`,
    command,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `ssh ${target.ipv4} '${command}' failed (${code ?? signal}): ${stderr.trim() || stdout.trim()}`,
          ),
        );
    });
    child.stdin.end(input);
  });
}

/** Writes a file as root (`sudo tee`), as an operator changing a game's files by hand would. */
export async function sshWriteFile(target: SshTarget, path: string, content: string): Promise<void> {
  await sshRun(target, `sudo tee ${shellQuote(path)} >/dev/null`, content);
}

/** A file's content (read as root: game files belong to the game's own user). */
export function sshReadFile(target: SshTarget, path: string): Promise<string> {
  return sshRun(target, `sudo cat ${shellQuote(path)}`);
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
