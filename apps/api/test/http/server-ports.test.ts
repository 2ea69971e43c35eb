// A server's ports as allocation stores them and the API and its playbook variables give them out: each of the
// game's published ports named by purpose and index, its protocols on one external number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createBody, type Harness, startApi } from '../support/api-harness.js';

let api: Harness;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  api = await startApi({ env: { GAME_PORT_RANGE: '20000-20099' } });
  admin = client(api.url, api.token(['admin']));
});
afterAll(() => api.close());

async function create(name: string, game: string): Promise<string> {
  const created = await admin<{ server: { id: string } }>('POST', '/v1/servers', createBody(name, { game }));
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return created.body.server.id;
}

describe("a server's ports", () => {
  it('numbers the ports of one purpose from 1 and gives every protocol of a port the same number', async () => {
    const satisfactory = await create('satisfactory-ports', 'satisfactory');
    const ark = await create('ark-ports', 'ark');
    const servers = await admin<{ servers: { id: string; ports: unknown[] }[] }>('GET', '/v1/servers');
    const portsOf = (id: string) => servers.body.servers.find((s) => s.id === id)?.ports;
    expect(portsOf(satisfactory)).toEqual([
      { purpose: 'game', index: 1, protocol: 'tcp', port: 20000, guestPort: 7777 },
      { purpose: 'game', index: 1, protocol: 'udp', port: 20000, guestPort: 7777 },
      { purpose: 'game', index: 2, protocol: 'tcp', port: 20001, guestPort: 8888 },
    ]);
    // ARK's second game port is always its first + 1: one block of UDP ports; RCON is never published.
    expect(portsOf(ark)).toEqual([
      { purpose: 'game', index: 1, protocol: 'udp', port: 20001, guestPort: 7777 },
      { purpose: 'game', index: 2, protocol: 'udp', port: 20002, guestPort: 7778 },
      { purpose: 'query', index: 1, protocol: 'udp', port: 20003, guestPort: 27015 },
    ]);

    // The playbook gets them by catalog purpose, and the unpublished RCON port with no external number.
    const inventory = await admin<{ _meta: { hostvars: Record<string, Record<string, unknown>> } }>(
      'GET',
      '/v1/inventory',
    );
    expect(inventory.body._meta.hostvars[ark]?.guildserver_ports).toEqual([
      { purpose: 'game', protocol: 'udp', port: 20001, guest_port: 7777 },
      { purpose: 'game', protocol: 'udp', port: 20002, guest_port: 7778 },
      { purpose: 'query', protocol: 'udp', port: 20003, guest_port: 27015 },
      { purpose: 'rcon', protocol: 'tcp', port: null, guest_port: 27020 },
    ]);
  });
});
