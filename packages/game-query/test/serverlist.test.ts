// The server-list receiver with real HTTP: the body is built the way Luanti 5.6 sends it (libcurl's
// curl_formadd: one multipart part named "json", no filename, no part content type; `Expect: 100-continue`
// once the body passes 1 KiB).
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnnounceError,
  normalizeAddress,
  parseLuantiAnnounce,
  type ServerListReceiver,
  startServerListReceiver,
} from '../src/index.js';

const START = {
  action: 'start',
  port: 30000,
  name: 'Guild Blocks',
  description: 'A GuildServer Luanti server',
  version: '5.6.1',
  proto_min: 37,
  proto_max: 41,
  url: 'https://minetest.net',
  creative: false,
  damage: true,
  password: false,
  pvp: true,
  uptime: 0,
  game_time: 0,
  clients: 0,
  clients_max: 15,
  clients_list: [],
  gameid: 'minetest',
  dedicated: true,
  rollback: false,
  mapgen: 'v7',
  privs: 'interact, shout',
  can_see_far_names: false,
  mods: Array.from({ length: 40 }, (_, i) => `mod_number_${i}`),
};

/** POSTs like libcurl's formadd: `--------------------------<hex>` boundaries, CRLF, one `json` part. */
function postLikeLuanti(
  url: string,
  path: string,
  json: unknown,
): Promise<{ status: number; body: string; continued: boolean }> {
  const boundary = '------------------------d74496d66958873e';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${JSON.stringify(json)}\r\n--${boundary}--\r\n`,
  );
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'user-agent': 'Minetest/5.6.1 (Linux/6.1.0-13-amd64 x86_64)',
          accept: '*/*',
          'content-length': body.length,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          ...(body.length > 1024 ? { expect: '100-continue' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, continued }));
      },
    );
    req.on('error', reject);
    if (body.length > 1024) {
      // Like curl: the body goes only after the server's `100 Continue`.
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
    } else req.end(body);
  });
}

let receiver: ServerListReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('the server-list receiver', () => {
  it('keeps the latest announce per sender address and announced port', async () => {
    receiver = await startServerListReceiver({ host: '127.0.0.1' });
    expect(receiver.url).toBe(`http://127.0.0.1:${receiver.port}`);
    const started = await postLikeLuanti(receiver.url, '/announce', START);
    expect(started).toMatchObject({ status: 200, continued: true });
    const first = receiver.latest('127.0.0.1', 30000);
    expect(first?.source).toBe('127.0.0.1');
    expect(first?.announce).toMatchObject({
      action: 'start',
      port: 30000,
      name: 'Guild Blocks',
      version: '5.6.1',
      clients: 0,
      clientsMax: 15,
      gameid: 'minetest',
      mapgen: 'v7',
    });
    expect(first?.announce.mods).toHaveLength(40);

    const next = receiver.waitFor('127.0.0.1', 30000, {
      accept: (r) => r.announce.action === 'update',
      timeoutMs: 5_000,
    });
    const update = {
      action: 'update',
      port: 30000,
      name: 'Guild Blocks',
      clients: 2,
      clients_max: 15,
      clients_list: ['alice', 'bob'],
      uptime: 300,
      game_time: 1234,
      lag: 0.1,
    };
    expect((await postLikeLuanti(receiver.url, '/v1/serverlist/announce', update)).status).toBe(200);
    const updated = await next;
    expect(updated.announce).toMatchObject({ action: 'update', clients: 2, clientsList: ['alice', 'bob'] });
    expect(receiver.latest('127.0.0.1', 30000)?.announce.clients).toBe(2);
    expect(receiver.latest('127.0.0.1', 30001)).toBeUndefined();
    expect(receiver.latest('127.0.0.2', 30000)).toBeUndefined();

    expect((await postLikeLuanti(receiver.url, '/announce', { action: 'delete', port: 30000 })).status).toBe(
      200,
    );
    expect(receiver.latest('127.0.0.1', 30000)?.announce).toEqual({
      action: 'delete',
      port: 30000,
      raw: { action: 'delete', port: 30000 },
    });
  });

  it('takes an announce sent through fetch with FormData too, and emits it', async () => {
    receiver = await startServerListReceiver({ host: '127.0.0.1' });
    const seen: string[] = [];
    receiver.on('announce', (r) => seen.push(`${r.source}:${r.announce.port} ${r.announce.action}`));
    const form = new FormData();
    form.set('json', JSON.stringify({ ...START, port: 30005, mods: [] }));
    const res = await fetch(`${receiver.url}/announce`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(seen).toEqual(['127.0.0.1:30005 start']);
  });

  it('refuses what is not an announce with a sentence, and other paths and methods', async () => {
    receiver = await startServerListReceiver({ host: '127.0.0.1' });
    const bad = await postLikeLuanti(receiver.url, '/announce', { action: 'start' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      error: 'The announce\'s "port" must be a port number from 1 to 65535.',
    });
    const plain = await fetch(`${receiver.url}/announce`, { method: 'POST', body: '{}' });
    expect(plain.status).toBe(400);
    expect((await fetch(`${receiver.url}/announce`)).status).toBe(405);
    expect((await fetch(`${receiver.url}/list`, { method: 'POST', body: '' })).status).toBe(404);
  });

  it('refuses bodies over the limit', async () => {
    receiver = await startServerListReceiver({ host: '127.0.0.1', maxBodyBytes: 2_000 });
    const big = await postLikeLuanti(receiver.url, '/announce', { ...START, description: 'x'.repeat(5_000) });
    expect(big.status).toBe(413);
  });

  it('gives up waiting after the time given', async () => {
    receiver = await startServerListReceiver({ host: '127.0.0.1' });
    await expect(receiver.waitFor('127.0.0.1', 30000, { timeoutMs: 100 })).rejects.toThrow(
      'No announce from 127.0.0.1 for port 30000 arrived within 100 ms.',
    );
  });
});

describe('parseLuantiAnnounce', () => {
  it('reads the fields of luanti src/serverlist.cpp into camelCase, keeping the raw object', () => {
    const parsed = parseLuantiAnnounce(
      JSON.stringify({ ...START, clients: 3, clients_list: ['a', 'b', 'c'] }),
    );
    expect(parsed).toMatchObject({
      action: 'start',
      port: 30000,
      description: 'A GuildServer Luanti server',
      clients: 3,
      clientsMax: 15,
      clientsList: ['a', 'b', 'c'],
      uptime: 0,
      gameTime: 0,
    });
    expect(parsed.raw.proto_max).toBe(41);
  });

  it('refuses anything else in one sentence', () => {
    expect(() => parseLuantiAnnounce('not json')).toThrow(AnnounceError);
    expect(() => parseLuantiAnnounce('[]')).toThrow('must hold a JSON object');
    expect(() => parseLuantiAnnounce('{"action":"list","port":30000}')).toThrow(
      'The announce\'s "action" must be start, update or delete.',
    );
    expect(() => parseLuantiAnnounce('{"action":"update","port":30000,"clients":-1}')).toThrow(
      'The announce\'s "clients" must be a number of 0 or more.',
    );
  });

  it('reads IPv4-mapped IPv6 sender addresses as IPv4', () => {
    expect(normalizeAddress('::ffff:10.20.0.7')).toBe('10.20.0.7');
    expect(normalizeAddress('10.20.0.7')).toBe('10.20.0.7');
    expect(normalizeAddress('::1')).toBe('::1');
  });
});
