// Requests and their failures against a real local HTTP server.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useLocalHttp } from '../../../test/support/local-http.js';
import { ApiUnreachableError, createApiClient } from '../src/index.js';

const TOKEN = 'gs_test-token-1234567890';

const { listen } = useLocalHttp();

const answer = (res: ServerResponse, status: number, body: unknown, statusText?: string) => {
  res.writeHead(status, statusText, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

describe('the API client', () => {
  it('sends the token, whom it acts for and an Idempotency-Key on writes', async () => {
    const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
    const url = await listen((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      answer(res, 404, { error: { code: 'not_found', message: 'There is no server with that id.' } });
    });
    const client = createApiClient({ baseUrl: url, token: TOKEN });
    const acting = { userId: '200000000000000002', adminOfGuild: '100000000000000001' };
    await expect(client.getServer('srv_aaaaaaaaaaaa', { acting })).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
      message: 'There is no server with that id.',
    });
    await expect(client.act('srv_aaaaaaaaaaaa', 'start', { idempotencyKey: 'discord-1' })).rejects.toThrow();
    await expect(client.deleteServer('srv_aaaaaaaaaaaa')).rejects.toThrow();
    expect(seen[0]?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      'x-guildserver-user': acting.userId,
      'x-guildserver-guild-admin': acting.adminOfGuild,
    });
    expect(seen[0]?.headers['idempotency-key']).toBeUndefined();
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/v1/servers/srv_aaaaaaaaaaaa/start' });
    expect(seen[1]?.headers['idempotency-key']).toBe('discord-1');
    expect(seen[2]?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names what answered when it is not the API: internal for 5xx, bad_response otherwise', async () => {
    let status = 502;
    const url = await listen((_req, res) => answer(res, status, '<html>nginx</html>', 'Bad Gateway'));
    const client = createApiClient({ baseUrl: url, token: TOKEN });
    await expect(client.job('job_aaaaaaaaaaaa')).rejects.toMatchObject({
      code: 'internal',
      status: 502,
      message: `The API at ${url} answered GET /v1/jobs/job_aaaaaaaaaaaa with HTTP 502 Bad Gateway; is API_URL pointing at GuildServer's API?`,
    });
    status = 200;
    await expect(client.job('job_aaaaaaaaaaaa')).rejects.toMatchObject({ code: 'bad_response', status: 200 });
  });

  it('says why the API cannot be reached, and retries writes only as often as configured', async () => {
    let requests = 0;
    const url = await listen((req) => {
      requests++;
      req.socket.destroy();
    });
    const once = createApiClient({ baseUrl: url, token: TOKEN });
    await expect(once.getServer('srv_aaaaaaaaaaaa')).rejects.toBeInstanceOf(ApiUnreachableError);
    expect(requests).toBe(1);
    const thrice = createApiClient({
      baseUrl: url,
      token: TOKEN,
      writeAttempts: 3,
      unreachableAdvice: 'start it',
    });
    await expect(thrice.act('srv_aaaaaaaaaaaa', 'stop')).rejects.toMatchObject({
      code: 'api_unreachable',
      message: `Cannot reach the GuildServer API at ${url} (API_URL): the connection was cut; start it.`,
    });
    expect(requests).toBe(4);
  });

  it('gives up after the time-out with api_timeout', async () => {
    const url = await listen(() => {}); // never answers
    const client = createApiClient({ baseUrl: url, token: TOKEN });
    await expect(client.games({ timeoutMs: 200 })).rejects.toMatchObject({
      code: 'api_timeout',
      message: `Cannot reach the GuildServer API at ${url} (API_URL): it did not answer within 0.2 s.`,
    });
  });
});
