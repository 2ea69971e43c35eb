// Values a responder hands a peer and must recognise later (A2S challenges, Luanti peer ids), derived from the
// peer's address with a key of this process: the same peer always gets the same value, and nothing is stored.
import { createHmac, randomBytes } from 'node:crypto';
import type { Peer } from './types.js';

const PROCESS_KEY = randomBytes(32);

/** `length` bytes (at most 32) that only this process derives for `purpose` and this peer. */
export function peerToken(purpose: string, from: Peer | undefined, length: number): Buffer {
  const peer = from === undefined ? '' : `${from.address}|${from.port}`;
  return createHmac('sha256', PROCESS_KEY).update(`${purpose}\n${peer}`).digest().subarray(0, length);
}
