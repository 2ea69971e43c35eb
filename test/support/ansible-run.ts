// Runs ansible-playbook from ansible/ (its ansible.cfg) as an operator would, and reads the play recap.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ANSIBLE_DIR = join(import.meta.dirname, '..', '..', 'ansible');

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

export interface PlaybookRun {
  code: number;
  recap: Recap | undefined;
  seconds: number;
  output: string;
}

export interface PlaybookOptions {
  inventory: string;
  /** Extra variables, written to a file and passed as @file, as the API does. */
  vars?: Record<string, unknown>;
  varsFile?: string;
  check?: boolean;
  diff?: boolean;
  args?: string[];
  /** Added to this process's environment (an operator's API_URL and API_TOKEN, their SSH key…). */
  env?: Record<string, string>;
}

export async function runPlaybook(playbook: string, options: PlaybookOptions): Promise<PlaybookRun> {
  const args = ['-i', options.inventory, playbook];
  if (options.vars) {
    const file = options.varsFile ?? `${options.inventory}.vars.json`;
    await writeFile(file, JSON.stringify(options.vars), { mode: 0o600 });
    args.push('--extra-vars', `@${file}`);
  }
  if (options.check) args.push('--check');
  if (options.diff) args.push('--diff');
  args.push(...(options.args ?? []));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', args, {
      cwd: ANSIBLE_DIR,
      env: {
        ...process.env,
        ...options.env,
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_FORCE_COLOR: '0',
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code: code ?? -1,
        recap: parseRecap(output),
        seconds: Math.round((Date.now() - started) / 100) / 10,
        output,
      }),
    );
  });
}

/** The numbers of the (single host's) PLAY RECAP line. */
export function parseRecap(output: string): Recap | undefined {
  const line = /^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/m.exec(
    output.slice(output.lastIndexOf('PLAY RECAP')),
  );
  if (!line) return undefined;
  const [ok, changed, unreachable, failed, skipped] = line.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return { ok, changed, unreachable, failed, skipped };
}

/** The tasks that reported `changed`, for a readable failure when a second run is not idempotent. */
export function changedTasks(output: string): string[] {
  const tasks: string[] = [];
  let task = '';
  for (const line of output.split('\n')) {
    const name = /^TASK \[(.+?)\]/.exec(line);
    if (name) task = name[1]!;
    else if (/^changed: /.test(line)) tasks.push(task);
  }
  return tasks;
}
