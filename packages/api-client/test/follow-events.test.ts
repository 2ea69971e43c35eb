// The reconnecting follower against a real local HTTP server that drops the connection mid-stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GuildEvent } from '@guildserver/contracts';
import { describe, expect, it } from 'vitest';
import { useLocalHttp } from '../../../test/support/local-http.js';
import { ApiError, createApiClient } from '../src/index.js';

const TOKEN = 'gs_test-token-1234567890';

const event = (id: number): GuildEvent => ({
  id,
  type: 'step.succeeded',
  serverId: 'srv_bbbbbbbbbbbb',
  jobId: 'job_aaaaaaaaaaaa',
  guildId: null,
  ownerId: null,
  channelId: null,
  message: `Step ${id}: done.`,
  data: { step: `step${id}`, position: id, detail: 'done.' },
  createdAt: new Date().toISOString(),
});
const frame = (e: GuildEvent) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

const { listen, close } = useLocalHttp();

interface StreamRequest {
  lastEventId: string | undefined;
  after: string | null;
}

/** Events 1–6: the first connection gets 1–3 and is cut; later ones resume after Last-Event-ID. */
function droppingStream() {
  const requests: StreamRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const lastEventId = req.headers['last-event-id'] as string | undefined;
    requests.push({ lastEventId, after: url.searchParams.get('after') });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('retry: 50\n: hello\n\n');
    if (requests.length === 1) {
      res.write([1, 2, 3].map((id) => frame(event(id))).join(''));
      setTimeout(() => res.socket?.destroy(), 50); // the connection drops
      return;
    }
    const resumeAfter = Number(lastEventId ?? 0);
    // One event from before the cut comes again (a server may overlap): the follower must not repeat it.
    res.write(frame(event(resumeAfter)));
    for (let id = resumeAfter + 1; id <= 6; id++) res.write(frame(event(id)));
  };
  return { handler, requests };
}

describe('followEvents', () => {
  it('resumes a dropped stream with Last-Event-ID, losing and repeating nothing', async () => {
    const stream = droppingStream();
    const client = createApiClient({ baseUrl: await listen(stream.handler), token: TOKEN });
    const stop = new AbortController();
    const seen: number[] = [];
    const connection: string[] = [];
    const outcome = await client.followEvents({
      after: 0,
      signal: stop.signal,
      onEvent: (e) => {
        seen.push(e.id);
        if (e.id === 6) stop.abort();
      },
      onConnection: (state) => connection.push(state),
    });
    expect(outcome).toBe('aborted');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stream.requests.slice(0, 2)).toEqual([
      { lastEventId: '0', after: '0' },
      { lastEventId: '3', after: '3' },
    ]);
    expect(connection).toEqual(['lost', 'open']);
  });

  it('starts at the head when given no cursor: no Last-Event-ID on the first request', async () => {
    const stream = droppingStream();
    const client = createApiClient({ baseUrl: await listen(stream.handler), token: TOKEN });
    const stop = new AbortController();
    const seen: number[] = [];
    await client.followEvents({
      signal: stop.signal,
      onEvent: (e) => {
        seen.push(e.id);
        if (e.id === 6) stop.abort();
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stream.requests[0]).toEqual({ lastEventId: undefined, after: null });
  });

  it("resolves 'unsupported' for an API without the stream, and throws the API's refusal", async () => {
    let status = 404;
    const url = await listen((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      const code = status === 404 ? 'not_found' : 'unauthorized';
      res.end(JSON.stringify({ error: { code, message: 'That API token is unknown or revoked.' } }));
    });
    const client = createApiClient({ baseUrl: url, token: TOKEN });
    const follow = () => client.followEvents({ signal: new AbortController().signal, onEvent: () => {} });
    expect(await follow()).toBe('unsupported');
    status = 401;
    await expect(follow()).rejects.toMatchObject({
      name: 'ApiError',
      code: 'unauthorized',
      status: 401,
      message: 'That API token is unknown or revoked.',
    });
  });

  it('keeps retrying refusals when told to, reporting each attempt', async () => {
    let requests = 0;
    const url = await listen((_req, res) => {
      if (++requests <= 2) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'There is no route.' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame(event(1)));
    });
    const client = createApiClient({ baseUrl: url, token: TOKEN });
    const stop = new AbortController();
    const retries: unknown[] = [];
    await client.followEvents({
      after: 0,
      signal: stop.signal,
      retryRefusals: true,
      onEvent: () => stop.abort(),
      onRetry: (error) => retries.push(error),
    });
    expect(retries).toHaveLength(2);
    expect(retries[0]).toBeInstanceOf(ApiError);
  }, 10_000);

  it('gives up after giveUpAfterMs without a connection, naming why', async () => {
    const url = await listen(() => {});
    const port = new URL(url).port;
    await close();
    const client = createApiClient({ baseUrl: url, token: TOKEN, unreachableAdvice: 'start it' });
    await expect(
      client.followEvents({ signal: new AbortController().signal, onEvent: () => {}, giveUpAfterMs: 500 }),
    ).rejects.toMatchObject({
      code: 'api_unreachable',
      message: `Cannot reach the GuildServer API at http://127.0.0.1:${port} (API_URL): nothing is listening there; start it.`,
    });
  }, 10_000);
});
