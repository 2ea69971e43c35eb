// POST /v1/serverlist/announce over real HTTP: Luanti's announces, sent the way libcurl's formadd sends them,
// taken without a token but only from a server's own VM address about one of its guest ports.
import { request } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servers } from '../../src/db/schema.js';
import { client, createBody, type Harness, startApi } from '../support/api-harness.js';

let h: Harness;
let admin: ReturnType<typeof client>;
let serverId: string;

/** A multipart POST as Luanti 5.6 makes it, from `localAddress` (any 127/8 address reaches the API). */
function announce(
  json: unknown,
  options: { localAddress?: string; headers?: Record<string, string>; field?: string } = {},
): Promise<{ status: number; body: { error?: { code: string; message: string }; status?: string } }> {
  const boundary = '------------------------9c1f3e2a7b5d4c60';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'json'}"\r\n\r\n${JSON.stringify(json)}\r\n--${boundary}--\r\n`,
  );
  const url = new URL('/v1/serverlist/announce', h.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: options.localAddress ?? '127.0.0.1',
        headers: {
          'user-agent': 'Minetest/5.6.1 (Linux/6.1.0-13-amd64 x86_64)',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': body.length,
          ...(body.length > 1024 ? { expect: '100-continue' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    // libcurl asks first (`Expect: 100-continue`) when the body passes 1 KiB, and sends it on `100 Continue`.
    if (body.length > 1024) req.on('continue', () => req.end(body));
    else req.end(body);
  });
}

const players = async () =>
  (await admin<{ players: unknown }>('GET', `/v1/servers/${serverId}`)).body.players;

beforeAll(async () => {
  h = await startApi();
  admin = client(h.url, h.token(['admin'], 'admin'));
  const created = await admin<{ server: { id: string } }>(
    'POST',
    '/v1/servers',
    createBody('blocks', { game: 'luanti' }),
  );
  expect(created.status).toBe(202);
  serverId = created.body.server.id;
});
afterAll(async () => {
  await h?.close();
});

describe('POST /v1/serverlist/announce', () => {
  const start = { action: 'start', port: 30000, name: 'Guild Blocks', clients: 0, clients_max: 15 };

  it('refuses a sender that is no server of ours, without needing a token', async () => {
    expect(await announce(start)).toEqual({
      status: 403,
      body: {
        error: {
          code: 'forbidden',
          message: "Only GuildServer's game servers may report here, and 127.0.0.1 is the address of none.",
        },
      },
    });
  });

  it("records the players the server's VM announces about its own port", async () => {
    h.services.db.update(servers).set({ ipv4: '127.0.0.1' }).where(eq(servers.id, serverId)).run();
    expect(await announce(start)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await players()).toEqual({ online: 0, max: 15 });

    // A start with many mods is over 1 KiB: sent after the API's `100 Continue`, like libcurl does.
    const mods = Array.from({ length: 60 }, (_, i) => `guild_mod_${i}`);
    expect(await announce({ ...start, clients: 1, mods })).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await players()).toEqual({ online: 1, max: 15 });

    const update = { action: 'update', port: 30000, clients: 2, clients_max: 15, clients_list: ['a', 'b'] };
    expect((await announce(update)).status).toBe(200);
    expect(await players()).toEqual({ online: 2, max: 15 });

    // Shutting down: the count is unknown again.
    expect((await announce({ action: 'delete', port: 30000 })).status).toBe(200);
    expect(await players()).toBeNull();
  });

  it('refuses a port that is not one of the server’s guest ports', async () => {
    const answer = await announce({ ...start, port: 30001 });
    expect(answer).toEqual({
      status: 403,
      body: {
        error: {
          code: 'forbidden',
          message:
            'The server at 127.0.0.1 has no port 30001; only reports about its own game ports are taken.',
        },
      },
    });
  });

  it('trusts the connection, not a forwarding header', async () => {
    const answer = await announce(start, {
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error?.message).toMatch(/127\.0\.0\.2 is the address of none/);
  });

  it('says what is wrong with a body that is no announce', async () => {
    expect(await announce(start, { field: 'data' })).toEqual({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'The announce has no "json" field.' } },
    });
    expect(await announce({ action: 'start' })).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: 'The announce\'s "port" must be a port number from 1 to 65535.',
        },
      },
    });
  });

  it('is described in the API document', async () => {
    const doc = (await (await fetch(`${h.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/serverlist/announce']).toHaveProperty('post');
  });
});
