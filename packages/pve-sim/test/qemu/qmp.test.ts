import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseAccel } from '@guildserver/lab';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuModel, QEMU_BINARY } from '../../src/qemu/machine.js';
import { QmpClient, QmpError, type QmpEvent } from '../../src/qemu/qmp.js';
import { waitForPidGone } from '../../src/qemu/stale.js';
import { tempDir } from './support/temp-dir.js';

const { accel } = chooseAccel('auto');
let qemu: ChildProcess | undefined;

afterEach(() => {
  if (qemu?.exitCode === null) qemu.kill('SIGKILL');
  qemu = undefined;
});

/** A machine with no disk and no kernel, held before its first instruction (-S). */
async function pausedMachine(): Promise<{ client: QmpClient; process: ChildProcess }> {
  const socket = join(tempDir('qmp'), 'qmp.sock');
  qemu = spawn(
    QEMU_BINARY,
    [
      ...['-S', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '64'],
      ...['-accel', accel, '-cpu', cpuModel(accel)],
      ...['-chardev', `socket,id=qmp,path=${socket},server=on,wait=off`, '-mon', 'chardev=qmp,mode=control'],
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return { client: await QmpClient.connect(socket, 2_000), process: qemu };
    } catch (error) {
      if (Date.now() > deadline || qemu.exitCode !== null) throw error;
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}

function nextEvent(client: QmpClient, name: string): Promise<QmpEvent> {
  return new Promise((resolve) => {
    const off = client.onEvent((event) => {
      if (event.event !== name) return;
      off();
      resolve(event);
    });
  });
}

describe(`QMP against a real ${QEMU_BINARY} (${accel})`, () => {
  it('greets, answers query-status, reports POWERDOWN and RESET, and quits', async () => {
    const { client, process } = await pausedMachine();
    expect(await client.execute('query-status')).toMatchObject({ status: 'prelaunch', running: false });

    const powerdown = nextEvent(client, 'POWERDOWN');
    await client.execute('system_powerdown');
    expect((await powerdown).event).toBe('POWERDOWN');

    const reset = nextEvent(client, 'RESET');
    await client.execute('system_reset');
    expect((await reset).data).toMatchObject({ guest: false });

    const shutdown = nextEvent(client, 'SHUTDOWN');
    await client.execute('quit');
    expect((await shutdown).data).toMatchObject({ guest: false, reason: 'host-qmp-quit' });
    await client.closed;
    expect(await waitForPidGone(process.pid!, 5_000)).toBe(true);
    await expect(client.execute('query-status')).rejects.toThrow(/client closed connection/);
  });

  it('rejects an unknown command with QEMU error class', async () => {
    const { client } = await pausedMachine();
    const refused = await client.execute('no-such-command').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QmpError);
    expect(refused).toMatchObject({ errorClass: 'CommandNotFound' });
    expect(await client.execute('query-status')).toMatchObject({ status: 'prelaunch' });
    client.close();
  });

  it('times a command out, and gives a late answer to nobody', async () => {
    const socket = join(tempDir('qmp'), 'slow.sock');
    const held: string[] = [];
    const server = createServer((connection) => {
      connection.write('{"QMP": {"version": {}, "capabilities": []}}\r\n');
      connection.on('data', (chunk) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const { execute, id } = JSON.parse(line) as { execute: string; id: number };
          if (execute === 'slow') held.push(`{"return": "late", "id": ${id}}\r\n`);
          else connection.write(`${held.splice(0).join('')}{"return": "${execute}", "id": ${id}}\r\n`);
        }
      });
    });
    await new Promise<void>((done) => server.listen(socket, done));
    const client = await QmpClient.connect(socket);
    await expect(client.execute('slow', undefined, 100)).rejects.toThrow(
      "qmp command 'slow' failed - got timeout",
    );
    expect(await client.execute('query-status')).toBe('query-status');
    client.close();
    server.close();
  });

  it('fails the handshake when nothing listens', async () => {
    await expect(QmpClient.connect(join(tmpdir(), 'gs-no-such.sock'), 500)).rejects.toThrow(/ENOENT/);
  });
});
