// The ports a service on the edge host itself listens on: a DNAT of such a port from the edge's addresses would
// take it from that service (ssh, a web server, …), so the edge does not forward it and says so. Read from
// /proc/net/{tcp,tcp6,udp,udp6} of the edge's network namespace.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { portKey } from './ruleset.js';

const execFileAsync = promisify(execFile);

const TCP_LISTEN = '0A';
/** An unconnected UDP socket (a server's) is in TCP_CLOSE; a connected one (a client's) in ESTABLISHED. */
const UDP_UNCONNECTED = '07';

/** `tcp/22`-style keys of the ports something listens on, except on loopback addresses only. */
export function parseProcNet(protocol: 'tcp' | 'udp', text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, , state] = [fields[1], fields[2], fields[3]];
    if (!local || !state) continue;
    if (state !== (protocol === 'tcp' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
    const [address, portHex] = local.split(':');
    if (!address || !portHex || isLoopback(address)) continue;
    const port = Number.parseInt(portHex, 16);
    if (port > 0) keys.add(portKey(protocol, port));
  }
  return keys;
}

/** 127.0.0.0/8 (stored little-endian: the first octet is the last byte) or ::1 or ::ffff:127.x. */
function isLoopback(hex: string): boolean {
  if (hex.length === 8) return hex.slice(6, 8).toUpperCase() === '7F';
  if (hex === '00000000000000000000000001000000') return true;
  return (
    hex.length === 32 &&
    hex.slice(0, 24).toUpperCase() === '0000000000000000FFFF0000' &&
    hex.slice(30, 32).toUpperCase() === '7F'
  );
}

const FILES = [
  ['tcp', 'tcp'],
  ['tcp', 'tcp6'],
  ['udp', 'udp'],
  ['udp', 'udp6'],
] as const;

/** Every port a local service listens on, in the edge's namespace (`netns`, else this process's). */
export async function localListeners(netns?: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const [protocol, file] of FILES) {
    const path = `/proc/net/${file}`;
    let text: string;
    try {
      text = netns
        ? (await execFileAsync('ip', ['netns', 'exec', netns, 'cat', path], { maxBuffer: 64 * 1024 * 1024 }))
            .stdout
        : await readFile(path, 'utf8');
    } catch {
      continue; // no IPv6 on this host, for one
    }
    for (const key of parseProcNet(protocol, text)) keys.add(key);
  }
  return keys;
}
