import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentNotRunningError } from '../../src/backend.js';
import { GuestAgentClient } from '../../src/qemu/guest-agent.js';
import { tempDir } from './support/temp-dir.js';

const INTERFACES = [
  { name: 'lo', 'hardware-address': '00:00:00:00:00:00', 'ip-addresses': [] },
  {
    name: 'eth0',
    'hardware-address': 'bc:24:11:aa:0b:1c',
    'ip-addresses': [{ 'ip-address': '10.77.0.50', 'ip-address-type': 'ipv4', prefix: 24 }],
  },
];

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

type Behaviour = 'answers' | 'silent' | 'stale-then-answers';

/** A QGA look-alike on a unix socket: the channel a virtserialport gives the host. */
async function fakeAgent(behaviour: Behaviour): Promise<{ path: string; received: string[] }> {
  const path = join(tempDir('qga'), 'qga.sock');
  const received: string[] = [];
  const answer = (connection: Socket, line: string) => {
    const { execute, arguments: args } = JSON.parse(line) as { execute: string; arguments?: { id: number } };
    received.push(execute);
    if (behaviour === 'silent') return;
    if (execute === 'guest-sync-delimited') {
      if (behaviour === 'stale-then-answers') {
        // An answer to an earlier client's command, then a sync reply for someone else's id.
        connection.write('{"return": {"host-name": "stale"}}\n');
        connection.write(Buffer.concat([Buffer.from([0xff]), Buffer.from('{"return": 12345}\n')]));
      }
      connection.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`{"return": ${args!.id}}\n`)]));
    } else if (execute === 'guest-ping') connection.write('{"return": {}}\n');
    else if (execute === 'guest-network-get-interfaces')
      connection.write(`${JSON.stringify({ return: INTERFACES })}\n`);
    else if (execute === 'guest-get-host-name')
      connection.write('{"return": {"host-name": "mc-survival"}}\n');
    else if (execute === 'guest-shutdown') connection.end();
    else
      connection.write(
        `{"error": {"class": "CommandNotFound", "desc": "The command ${execute} has not been found"}}\n`,
      );
  };
  server = createServer((connection) => {
    let buffer = '';
    connection.on('data', (chunk) => {
      buffer += chunk.toString('latin1').replaceAll('\xff', '');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        answer(connection, buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    });
  });
  await new Promise<void>((done) => server!.listen(path, done));
  return { path, received };
}

describe('guest agent client', () => {
  it('synchronises, then passes QGA answers through as they are', async () => {
    const { path, received } = await fakeAgent('answers');
    const agent = new GuestAgentClient(path);
    expect(await agent.execute('guest-ping')).toEqual({});
    expect(await agent.execute('guest-network-get-interfaces')).toEqual(INTERFACES);
    expect(await agent.execute('guest-get-host-name')).toEqual({ 'host-name': 'mc-survival' });
    expect(received).toEqual([
      'guest-sync-delimited',
      'guest-ping',
      'guest-sync-delimited',
      'guest-network-get-interfaces',
      'guest-sync-delimited',
      'guest-get-host-name',
    ]);
  });

  it('skips stale answers and foreign sync replies until its own sync id comes back', async () => {
    const { path } = await fakeAgent('stale-then-answers');
    expect(await new GuestAgentClient(path).execute('guest-get-host-name')).toEqual({
      'host-name': 'mc-survival',
    });
  });

  it('says the agent is not running when nothing answers the sync in time, or nothing listens', async () => {
    const { path } = await fakeAgent('silent');
    const started = Date.now();
    await expect(
      new GuestAgentClient(path, { syncTimeoutMs: 300 }).execute('guest-ping'),
    ).rejects.toBeInstanceOf(AgentNotRunningError);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(new GuestAgentClient(join(tmpdir(), 'gs-none.sock')).execute('guest-ping')).rejects.toThrow(
      'QEMU guest agent is not running',
    );
  });

  it('reports an agent error as PVE does, and a shutdown without an answer as done', async () => {
    const { path } = await fakeAgent('answers');
    const agent = new GuestAgentClient(path);
    await expect(agent.execute('guest-no-such')).rejects.toThrow(
      'Agent error: The command guest-no-such has not been found',
    );
    await expect(agent.shutdown()).resolves.toBeUndefined();
  });

  it('runs concurrent calls one after the other on the single channel', async () => {
    const { path } = await fakeAgent('answers');
    const agent = new GuestAgentClient(path);
    const answers = await Promise.all([agent.execute('guest-ping'), agent.execute('guest-get-host-name')]);
    expect(answers).toEqual([{}, { 'host-name': 'mc-survival' }]);
  });
});
