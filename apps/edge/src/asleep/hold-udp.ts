// One UDP port of a sleeping server: each datagram goes to the responder of whoever the port answers for now;
// its replies go back to the sender, within the sender's reply budget (a spoofed sender would otherwise turn
// the edge into an amplifier).
import { createSocket } from 'node:dgram';
import type { ReplyBudget } from './limits.js';
import type { HeldSocket, PortHooks } from './targets.js';
import { judge } from './verdict.js';

export async function holdUdp(
  port: number,
  address: string,
  hooks: PortHooks,
  budget: ReplyBudget,
): Promise<HeldSocket> {
  const socket = createSocket({ type: 'udp4' });
  socket.on('message', (packet, from) => {
    const target = hooks.target();
    const responder = target.responder;
    if (responder.transport !== 'udp') return;
    const verdict = judge(() =>
      responder.onDatagram(packet, target.info, { address: from.address, port: from.port }),
    );
    if (verdict.kind !== 'status' && verdict.kind !== 'join') return;
    if (verdict.kind === 'join') hooks.joined(target, from.address);
    for (const reply of verdict.replies) {
      if (!budget.take(from.address)) return;
      socket.send(reply, from.port, from.address, () => {});
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    try {
      socket.close();
    } catch {
      // never bound: nothing to close
    }
    throw error;
  }
  // Sends report their errors to their callback; nothing else is expected once bound.
  socket.on('error', () => {});
  return { close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
