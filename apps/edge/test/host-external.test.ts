// HOST_EXTERNAL as the edge judges it: a name that does not resolve, or resolves to the player's own machine,
// is one sentence saying what to set; anything else (and a DNS server that is only away) is no problem.
import { describe, expect, it } from 'vitest';
import { hostExternalProblem, resolveHost } from '../src/host-external.js';

const notFound = (name: string) =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });

describe("HOST_EXTERNAL's check", () => {
  it('names a name that does not resolve, and what to do', () => {
    expect(hostExternalProblem('play.exmaple.net', notFound('play.exmaple.net'))).toBe(
      "HOST_EXTERNAL play.exmaple.net does not resolve (ENOTFOUND), so players cannot find the address the bot posts: give it a DNS record pointing to your router's public address, or set HOST_EXTERNAL to that address.",
    );
  });

  it('names a name that sends players to their own machine (the default, localhost)', async () => {
    const resolved = await resolveHost('localhost');
    expect(resolved).toContain('127.0.0.1');
    expect(hostExternalProblem('localhost', resolved)).toMatch(
      /^HOST_EXTERNAL localhost resolves to .*127\.0\.0\.1.*, which sends every player to their own machine: set HOST_EXTERNAL to the name or address players reach your router at\.$/,
    );
    expect(hostExternalProblem('::1', ['::1'])).not.toBeNull();
  });

  it('accepts public and private addresses, and a DNS server that is only away', async () => {
    expect(hostExternalProblem('203.0.113.7', await resolveHost('203.0.113.7'))).toBeNull();
    expect(hostExternalProblem('play.lan', ['192.168.1.20'])).toBeNull();
    expect(hostExternalProblem('mixed.example', ['127.0.0.1', '203.0.113.7'])).toBeNull();
    const away = Object.assign(new Error('getaddrinfo EAI_AGAIN play.example.net'), { code: 'EAI_AGAIN' });
    expect(hostExternalProblem('play.example.net', away)).toBeNull();
  });
});
