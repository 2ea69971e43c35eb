// `gs up` with the fake Discord and the bot, and `gs discord say|click` typing into it from another process.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');
const CLI = join(REPO, 'apps', 'cli', 'src', 'main.ts');
const BASE_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
const UP_ARGS = ['--api-port', '0', '--sim-port', '0', '--time-scale', '0.02'];

async function gs(args: string[], env: Record<string, string | undefined>, timeout = 120_000) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO,
      timeout,
      env: { ...BASE_ENV, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gs up --smoke with the fake Discord and the bot', () => {
  it('starts the fake Discord and the bot, types /server list, and leaves nothing running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-up-discord-'));
    try {
      const { code, stdout, stderr } = await gs(['up', '--smoke', '--data-dir', dir, ...UP_ARGS], {});
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /Discord {5}fake Discord at http:\/\/127\.0\.0\.1:\d+\/api \(guild "GuildServer Demo"/,
      );
      expect(stdout).toMatch(/✓ Discord: \/server list answered "Your servers"/);
      expect(stdout).toMatch(/✓ smoke check passed/);
      const state = JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8'));
      expect(state.discord).toMatchObject({ mode: 'fake', users: ['demo', 'friend'] });
      expect(state.pid).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('gs discord against a started stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-discord-say-'));
  const env = { GS_STATE_FILE: join(dir, 'stack.json') };
  let up: ChildProcess;
  let output = '';

  beforeAll(async () => {
    up = spawn(process.execPath, ['--import', 'tsx', CLI, 'up', '--data-dir', dir, ...UP_ARGS], {
      cwd: REPO,
      env: { ...BASE_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    up.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const until = Date.now() + 120_000;
    while (!output.includes('Press Ctrl-C')) {
      if (up.exitCode !== null || Date.now() > until) throw new Error(`gs up did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 150_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((r) => up.once('exit', r));
      up.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('prints how to type commands', () => {
    expect(output).toContain('pnpm discord say "/server create game:minecraft-java name:survival"');
  });

  it('say /server create follows the progress to the join address', async () => {
    const { code, stdout, stderr } = await gs(
      ['discord', 'say', '/server create game:minecraft-java name:survival'],
      env,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('demo typed: /server create game:minecraft-java name:survival');
    expect(stdout).toMatch(/Creating survival…/);
    expect(stdout).toMatch(/survival is running/);
    expect(stdout).toMatch(/Join at: `localhost:\d+`/);
  });

  it('say as another user, status with buttons, and a click', async () => {
    const list = await gs(['discord', 'say', '/server list', '--as', 'friend'], env);
    expect(list.stdout).toContain('friend typed: /server list');
    expect(list.stdout).toContain('You have no servers yet');

    const status = await gs(['discord', 'say', '/server status name:survival', '--json'], env);
    expect(status.code).toBe(0);
    const result = JSON.parse(status.stdout) as {
      message: { id: string; buttons: { label: string; customId: string }[] };
    };
    const stop = result.message.buttons.find((b) => b.label === 'Stop');
    expect(stop?.customId).toMatch(/stop/);
    const clicked = await gs(['discord', 'click', result.message.id, stop!.customId], env);
    expect(clicked.stderr).toBe('');
    expect(clicked.code).toBe(0);
    expect(clicked.stdout).toContain(`demo clicked ${stop!.customId}`);
  });

  it('a mistake is one sentence and exit code 1', async () => {
    const { code, stderr } = await gs(['discord', 'say', '/server explode'], env);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^gs: Discord would not send that: \/server has no subcommand 'explode'/);
  });

  it('without a stack: says how to start one', async () => {
    const { code, stderr } = await gs(['discord', 'say', '/server list'], {
      GS_STATE_FILE: join(dir, 'nothing.json'),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/There is no local stack .*bash scripts\/start\.sh/);
  });
});
