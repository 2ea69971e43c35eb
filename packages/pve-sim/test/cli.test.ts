import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
const CLI = join(REPO, 'packages', 'pve-sim', 'src', 'cli.ts');

async function failingRun(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  try {
    await run(TSX, [CLI, ...args], { cwd: REPO, timeout: 30_000 });
  } catch (error) {
    const e = error as { code: number; stderr: string; stdout: string };
    return { code: e.code, stderr: e.stderr, stdout: e.stdout };
  }
  throw new Error('the CLI did not fail');
}

describe('pnpm pve-sim', () => {
  it.each([
    [
      ['--pve-version', '6.0'],
      "option '--pve-version <version>' argument '6.0' is invalid. it must be one of 7.4, 8.4, 9.1.",
    ],
    [
      ['--port', 'http'],
      "option '--port <port>' argument 'http' is invalid. it must be a whole number from 0 to 65535.",
    ],
    [
      ['--profile', 'slow'],
      "option '--profile <profile>' argument 'slow' is invalid. it must be fast or realistic.",
    ],
    [['--frobnicate'], "unknown option '--frobnicate'"],
  ])('refuses %j with one sentence and no stack trace', async (args, sentence) => {
    const { code, stderr, stdout } = await failingRun(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(sentence);
    expect(stderr).toContain("Run 'pnpm pve-sim --help'");
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('never echoes a malformed token secret', async () => {
    const { stderr } = await failingRun(['--token', 'no-realm=TOPSECRETVALUE']);
    expect(stderr).toContain("it must look like 'user@realm!tokenid=secret'");
    expect(stderr).not.toContain('TOPSECRETVALUE');
  });

  it('serves TLS, prints the fingerprint and writes the CA, then stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sim-cli-'));
    const caFile = join(dir, 'ca.pem');
    const child = spawn(
      TSX,
      [CLI, '--port', '0', '--tls', '--ca-out', caFile, '--profile', 'fast', '--state', join(dir, 's.json')],
      {
        cwd: REPO,
      },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('faults:')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    expect(out).toMatch(/PROXMOX_TLS_FINGERPRINT=([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(out).toMatch(/PROXMOX_HOST=https:\/\/127\.0\.0\.1:\d+/);
    expect(readFileSync(caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).vms[0].vmid).toBe(9000);
  });

  it('names a port in use in one sentence', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { stderr, code } = await failingRun(['--port', String(port)]);
    blocker.close();
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `pve-sim: port ${port} on 127.0.0.1 is already in use: pass another --port (0 picks a free one).`,
    );
  });
});
