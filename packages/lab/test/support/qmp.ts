// A minimal QMP client: one connection, capabilities negotiated, commands answered in order.
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';

export interface Qmp {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

export async function connectQmp(socketPath: string): Promise<Qmp> {
  const socket = createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
  type Reply = { event?: string; return?: unknown; error?: { desc: string } };
  const nextReply = async (): Promise<Reply> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error('QMP connection closed');
      const message = JSON.parse(value) as Reply;
      if (!message.event) return message;
    }
  };
  await nextReply(); // the greeting
  const execute = async (command: string, args?: Record<string, unknown>) => {
    socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    const reply = await nextReply();
    if (reply.error) throw new Error(`QMP ${command}: ${reply.error.desc}`);
    return reply.return;
  };
  await execute('qmp_capabilities');
  return { execute, close: () => socket.destroy() };
}
