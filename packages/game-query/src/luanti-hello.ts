// Luanti's (Minetest's) own UDP transport (src/network in luanti-org/luanti): a reliable "original" packet from
// peer 0 makes the server create a peer, answer with an ACK and a reliable SET_PEER_ID control packet carrying
// the new peer's id. Any datagram with Luanti's protocol id means the server is up; the peer is then dropped
// with a DISCO control packet from that id, so the probe leaves nothing behind on the server.
import { createSocket } from 'node:dgram';
import { GameQueryError } from './errors.js';
import { endpoint, type QueryTarget, withDeadline } from './target.js';
import type { GameAnswer } from './types.js';

export const LUANTI_PROTOCOL_ID = 0x4f457403;
const TYPE_CONTROL = 0x00;
const TYPE_RELIABLE = 0x03;
const CONTROLTYPE_SET_PEER_ID = 0x01;
const CONTROLTYPE_DISCO = 0x03;
/** After the first answer, how long to wait for the SET_PEER_ID when the ACK came first. */
const PEER_ID_GRACE_MS = 250;

/** The peer id a SET_PEER_ID packet (bare, or inside a reliable one) assigns; undefined for other packets. */
export function assignedPeerId(packet: Buffer): number | undefined {
  if (packet.length < 8 || packet.readUInt32BE(0) !== LUANTI_PROTOCOL_ID) return undefined;
  // Base header: protocol id (4), sender peer id (2), channel (1); then the packet type.
  let at = 7;
  if (packet[at] === TYPE_RELIABLE) at += 3; // type + seqnum (2), then the wrapped packet
  if (packet.length >= at + 4 && packet[at] === TYPE_CONTROL && packet[at + 1] === CONTROLTYPE_SET_PEER_ID) {
    return packet.readUInt16BE(at + 2);
  }
  return undefined;
}

/** `4f457403 <peer id> 00 00 03`: the peer says goodbye. */
export function disconnectPacket(peerId: number): Buffer {
  const packet = Buffer.alloc(9);
  packet.writeUInt32BE(LUANTI_PROTOCOL_ID, 0);
  packet.writeUInt16BE(peerId, 4);
  packet[6] = 0; // channel
  packet[7] = TYPE_CONTROL;
  packet[8] = CONTROLTYPE_DISCO;
  return packet;
}

export async function queryLuantiHello(target: QueryTarget, requestHex: string): Promise<GameAnswer> {
  const socket = createSocket('udp4');
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    socket.close();
  };
  const started = performance.now();
  const work = new Promise<GameAnswer>((resolve, reject) => {
    let answered: { pingMs: number } | undefined;
    let finished = false;
    let grace: NodeJS.Timeout | undefined;
    const send = (packet: Buffer, then: (error: Error | null) => void) => {
      if (closed) return then(new Error('closed'));
      try {
        socket.send(packet, then);
      } catch (error) {
        then(error as Error);
      }
    };
    const done = (peerId: number | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(grace);
      const finish = () => {
        close();
        resolve({ players: undefined, pingMs: answered?.pingMs ?? 0, raw: { peerId } });
      };
      // Tell the server to drop the peer it just made for us (otherwise it lingers until its time-out).
      if (peerId === undefined) finish();
      else send(disconnectPacket(peerId), finish);
    };
    // A connected UDP socket hears the ICMP "port unreachable" as ECONNREFUSED.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return done(undefined);
      reject(
        error.code === 'ECONNREFUSED'
          ? new GameQueryError(
              'refused',
              `${target.game.name} is not listening on ${endpoint(target)} yet: the host refused the datagram.`,
              { cause: error },
            )
          : new GameQueryError(
              'unreachable',
              `${target.game.name} could not be reached on ${endpoint(target)}: ${error.code ?? error.message}.`,
              { cause: error },
            ),
      );
    });
    socket.on('message', (packet) => {
      if (finished || packet.length < 4 || packet.readUInt32BE(0) !== LUANTI_PROTOCOL_ID) return;
      const peerId = assignedPeerId(packet);
      if (!answered) {
        answered = { pingMs: Math.max(1, Math.round(performance.now() - started)) };
        // The ACK may come before the SET_PEER_ID: wait a moment for the id, so the peer can be dropped.
        // Never past the deadline: an answer is an answer.
        const left = started + target.timeoutMs - performance.now() - 20;
        const wait = Math.max(0, Math.min(PEER_ID_GRACE_MS, left));
        if (peerId === undefined) grace = setTimeout(() => done(undefined), wait);
      }
      if (peerId !== undefined) done(peerId);
    });
    socket.connect(target.port, target.host, () => {
      send(Buffer.from(requestHex, 'hex'), (error) => {
        if (error && !closed) socket.emit('error', error);
      });
    });
  });
  return withDeadline(target, "Luanti's connection handshake", work, close);
}
