// HOST_EXTERNAL is what the bot tells players to join at. The edge cannot see the router in front of it, but it
// can tell a name no player could use: one that does not resolve at all, or that resolves to the player's own
// machine (`localhost`, the default).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Every address `name` resolves to (an address resolves to itself). */
export async function resolveHost(name: string): Promise<string[]> {
  return (await lookup(name, { all: true })).map((a) => a.address);
}

/** One sentence when players could not use HOST_EXTERNAL as resolved (or failed to resolve); else null. */
export function hostExternalProblem(name: string, resolved: readonly string[] | Error): string | null {
  if (resolved instanceof Error) {
    const code = (resolved as NodeJS.ErrnoException).code;
    // Only a definite "no such name": a DNS server that is down for now is not HOST_EXTERNAL's fault.
    if (code !== 'ENOTFOUND' && code !== 'ENODATA') return null;
    return `HOST_EXTERNAL ${name} does not resolve (${code}), so players cannot find the address the bot posts: give it a DNS record pointing to your router's public address, or set HOST_EXTERNAL to that address.`;
  }
  if (resolved.length > 0 && resolved.every(isOwnMachine)) {
    return `HOST_EXTERNAL ${name} resolves to ${resolved.join(', ')}, which sends every player to their own machine: set HOST_EXTERNAL to the name or address players reach your router at.`;
  }
  return null;
}

function isOwnMachine(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.') || address === '0.0.0.0';
  return address === '::1' || address === '::';
}
