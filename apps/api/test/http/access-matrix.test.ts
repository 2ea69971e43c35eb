// The one permission rule, route by route: every route the API documents, called by six kinds of caller about
// Alice's server. Owners reach their own servers, guild admins their guild's, admin tokens everything, the
// edge's token only the forwarding table; anyone else is refused — on reads (a server, its jobs, its events,
// listings, streams) as on changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../events/sse-client.js';
import { ALICE, BOB, client, createBody, GUILD, type Harness, startApi } from '../support/api-harness.js';

const CAROL = '777777777777777777';
const OTHER_GUILD = '888888888888888888';

type Caller =
  | 'owner'
  | 'other user'
  | "other guild's admin"
  | "same guild's admin"
  | 'admin token'
  | 'edge token';
const CALLERS: Caller[] = [
  'owner',
  'other user',
  "other guild's admin",
  "same guild's admin",
  'admin token',
  'edge token',
];
/** Who may reach Alice's server. */
const REACHES: ReadonlySet<Caller> = new Set(['owner', "same guild's admin", 'admin token']);

let api: Harness;
let call: Record<Caller, ReturnType<typeof client>>;
let headers: Record<Caller, Record<string, string>>;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  const plenty = { SERVERS: '1000', CORES: '100000', MEMORY: '100000000' };
  const quotas = Object.fromEntries(
    Object.entries(plenty).flatMap(([what, n]) => [
      [`QUOTA_USER_${what}`, n],
      [`QUOTA_GUILD_${what}`, n],
    ]),
  );
  api = await startApi({ env: { ...quotas, GAME_PORT_RANGE: '20000-29999' } });
  const bot = api.token(['bot'], 'discord-bot');
  const adminToken = api.token(['admin'], 'ops');
  const edgeToken = api.token(['edge'], 'the edge');
  const as: Record<Caller, { token: string; user?: string; adminOf?: string }> = {
    owner: { token: bot, user: ALICE },
    'other user': { token: bot, user: BOB },
    "other guild's admin": { token: bot, user: CAROL, adminOf: OTHER_GUILD },
    "same guild's admin": { token: bot, user: CAROL, adminOf: GUILD },
    'admin token': { token: adminToken },
    'edge token': { token: edgeToken },
  };
  call = {} as typeof call;
  headers = {} as typeof headers;
  for (const caller of CALLERS) {
    const { token, user, adminOf } = as[caller];
    call[caller] = client(api.url, token, { user, adminOf });
    headers[caller] = { authorization: `Bearer ${token}` };
    if (user) headers[caller]['x-guildserver-user'] = user;
    if (adminOf) headers[caller]['x-guildserver-guild-admin'] = adminOf;
  }
  admin = call['admin token'];
});
afterAll(() => api.close());

let serial = 0;
/** A backup id of the right shape that no server has. */
const NO_BACKUP = 'vzdump-qemu-10000-2026_01_01-00_00_00.vma.zst';
/** A fresh server of Alice's (and its create job), so a change one caller makes cannot affect another's. */
async function alicesServer(): Promise<{ id: string; jobId: string }> {
  const answer = await admin<{ server: { id: string }; jobId: string }>(
    'POST',
    '/v1/servers',
    createBody(`alices-${serial++}`),
  );
  expect(answer.status).toBe(202);
  return { id: answer.body.server.id, jobId: answer.body.jobId };
}

interface Outcome {
  /** The caller got at Alice's server (or its job or events); false: refused, or shown none of it. */
  reached: boolean;
  status: number;
}

const refusedOrShown = (status: number, reached: boolean): Outcome => ({ status, reached });
const ACCESS_DENIED = new Set([401, 403]);
const byStatus = (status: number): Outcome => ({ status, reached: !ACCESS_DENIED.has(status) });

/** Reads an SSE stream for a moment and says whether any event of the server came through. */
async function streamShows(url: string, caller: Caller, serverId: string): Promise<Outcome> {
  const sse = await openSse(url, headers[caller]);
  if (sse.status !== 200) {
    sse.close();
    return { status: sse.status, reached: false };
  }
  let seen = false;
  // Long enough for a busy machine to deliver the first batch; callers who see the server stop early.
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline && !seen) {
    const message = await Promise.race([
      sse.next(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), deadline - Date.now())),
    ]);
    if (!message) break;
    seen = (JSON.parse(message.data) as { serverId: string | null }).serverId === serverId;
  }
  sse.close();
  return { status: 200, reached: seen };
}

type Probe = (caller: Caller) => Promise<Outcome>;

/**
 * Every route of `/v1/openapi.json`: what it means for a caller to reach Alice's server through it. A route
 * added without a row here fails the first test.
 */
const ROUTES: Record<
  string,
  { probe: Probe; who: 'reach' | 'guild admin' | 'admin token' | 'edge' | 'edge token' | 'anyone' }
> = {
  'POST /servers': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('POST', '/v1/servers', createBody(`made-by-${serial++}`))).status),
  },
  'GET /servers': {
    who: 'reach',
    probe: async (caller) => {
      const { id } = await alicesServer();
      const answer = await call[caller]<{ servers?: { id: string }[] }>(
        'GET',
        `/v1/servers?ownerId=${ALICE}`,
      );
      const unfiltered = await call[caller]<{ servers: { id: string }[] }>('GET', '/v1/servers?limit=100');
      const inList = (answer.body.servers ?? []).some((s) => s.id === id);
      // Without a filter, the listing is narrowed to what the caller reaches.
      expect(unfiltered.body.servers.some((s) => s.id === id)).toBe(inList);
      return refusedOrShown(answer.status, inList);
    },
  },
  'GET /servers/{id}': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('GET', `/v1/servers/${(await alicesServer()).id}`)).status),
  },
  'GET /servers/{id}/credentials': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('GET', `/v1/servers/${(await alicesServer()).id}/credentials`)).status),
  },
  'POST /servers/{id}/retry': {
    who: 'reach',
    // The server is not failed: reaching it is a 409, not a 403.
    probe: async (caller) =>
      byStatus((await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/retry`)).status),
  },
  'PUT /servers/{id}/idle-sleep': {
    who: 'reach',
    probe: async (caller) =>
      byStatus(
        (await call[caller]('PUT', `/v1/servers/${(await alicesServer()).id}/idle-sleep`, { after: '10m' }))
          .status,
      ),
  },
  'POST /servers/{id}/{action}': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/stop`)).status),
  },
  'DELETE /servers/{id}': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('DELETE', `/v1/servers/${(await alicesServer()).id}`)).status),
  },
  'GET /servers/{id}/backups': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('GET', `/v1/servers/${(await alicesServer()).id}/backups`)).status),
  },
  'POST /servers/{id}/backups': {
    who: 'reach',
    // The server is still being created: reaching it is a 409, not a 403.
    probe: async (caller) =>
      byStatus((await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/backups`, {})).status),
  },
  'PATCH /servers/{id}/backups/{backupId}': {
    who: 'reach',
    // No such backup: reaching the server is a 404 naming the backup, not a 403.
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('PATCH', `/v1/servers/${(await alicesServer()).id}/backups/${NO_BACKUP}`, {
            protected: true,
          })
        ).status,
      ),
  },
  'DELETE /servers/{id}/backups/{backupId}': {
    who: 'reach',
    probe: async (caller) =>
      byStatus(
        (await call[caller]('DELETE', `/v1/servers/${(await alicesServer()).id}/backups/${NO_BACKUP}`))
          .status,
      ),
  },
  'POST /servers/{id}/restore': {
    who: 'reach',
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/restore`, {
            backupId: NO_BACKUP,
          })
        ).status,
      ),
  },
  'POST /servers/{id}/copy': {
    who: 'reach',
    // No such backup: reaching the server is a 404, not a 403.
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/copy`, {
            backupId: NO_BACKUP,
            name: 'copied',
          })
        ).status,
      ),
  },
  'POST /servers/{id}/undelete': {
    who: 'reach',
    // The server is not deleted (and has no final backup): reaching it is a 404 or 409, not a 403.
    probe: async (caller) =>
      byStatus((await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/undelete`, {})).status),
  },
  'GET /servers/{id}/schedules': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('GET', `/v1/servers/${(await alicesServer()).id}/schedules`)).status),
  },
  'POST /servers/{id}/schedules': {
    who: 'reach',
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('POST', `/v1/servers/${(await alicesServer()).id}/schedules`, {
            action: 'backup',
            at: '03:00',
          })
        ).status,
      ),
  },
  'DELETE /servers/{id}/schedules/{scheduleId}': {
    who: 'reach',
    // No such schedule: reaching the server is a 404 naming the schedule, not a 403.
    probe: async (caller) =>
      byStatus(
        (await call[caller]('DELETE', `/v1/servers/${(await alicesServer()).id}/schedules/sch_000000000000`))
          .status,
      ),
  },
  'GET /guilds/{guildId}/settings': {
    who: 'guild admin',
    probe: async (caller) => byStatus((await call[caller]('GET', `/v1/guilds/${GUILD}/settings`)).status),
  },
  'PATCH /guilds/{guildId}/settings': {
    who: 'guild admin',
    probe: async (caller) =>
      byStatus((await call[caller]('PATCH', `/v1/guilds/${GUILD}/settings`, { timeZone: 'UTC' })).status),
  },
  'GET /jobs/{id}': {
    who: 'reach',
    probe: async (caller) =>
      byStatus((await call[caller]('GET', `/v1/jobs/${(await alicesServer()).jobId}`)).status),
  },
  'GET /events': {
    who: 'reach',
    probe: async (caller) => {
      const { id } = await alicesServer();
      const filtered = await call[caller]<{ events?: { serverId: string }[] }>(
        'GET',
        `/v1/events?serverId=${id}`,
      );
      const all = await call[caller]<{ events: { serverId: string }[] }>('GET', '/v1/events?limit=1000');
      const inAll = all.body.events.some((e) => e.serverId === id);
      expect((filtered.body.events ?? []).length > 0).toBe(inAll);
      return refusedOrShown(filtered.status, inAll);
    },
  },
  'GET /events/stream': {
    who: 'reach',
    probe: async (caller) => {
      const { id } = await alicesServer();
      const filtered = await streamShows(`${api.url}/v1/events/stream?serverId=${id}`, caller, id);
      const unfiltered = await streamShows(`${api.url}/v1/events/stream`, caller, id);
      expect(unfiltered.reached).toBe(filtered.reached);
      return filtered;
    },
  },
  'GET /games': {
    who: 'anyone',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/games')).status),
  },
  'GET /images': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/images')).status),
  },
  'POST /images': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('POST', '/v1/images', { game: 'openttd' })).status),
  },
  'GET /images/builds/{id}': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/images/builds/nope')).status),
  },
  'GET /pool': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/pool')).status),
  },
  'POST /tokens': {
    who: 'admin token',
    probe: async (caller) =>
      byStatus((await call[caller]('POST', '/v1/tokens', { name: 'probe', scopes: ['read'] })).status),
  },
  'GET /tokens': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/tokens')).status),
  },
  'DELETE /tokens/{id}': {
    who: 'admin token',
    probe: async (caller) => {
      const made = await admin<{ id: string }>('POST', '/v1/tokens', { name: 'doomed', scopes: ['read'] });
      return byStatus((await call[caller]('DELETE', `/v1/tokens/${made.body.id}`)).status);
    },
  },
  'POST /webhooks': {
    who: 'admin token',
    probe: async (caller) =>
      byStatus(
        (await call[caller]('POST', '/v1/webhooks', { url: 'https://hooks.example.net/gs', guildId: GUILD }))
          .status,
      ),
  },
  'GET /webhooks': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/webhooks')).status),
  },
  'DELETE /webhooks/{id}': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('DELETE', '/v1/webhooks/whk_000000000000')).status),
  },
  'GET /webhooks/{id}/deliveries': {
    who: 'admin token',
    probe: async (caller) =>
      byStatus((await call[caller]('GET', '/v1/webhooks/whk_000000000000/deliveries')).status),
  },
  'GET /capacity': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/capacity')).status),
  },
  'GET /quotas/{scope}/{id}': {
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', `/v1/quotas/guild/${GUILD}`)).status),
  },
  'PUT /quotas/{scope}/{id}': {
    who: 'admin token',
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('PUT', `/v1/quotas/user/${BOB}`, {
            maxServers: 50,
            maxCores: 500,
            maxMemoryMiB: 1000000,
          })
        ).status,
      ),
  },
  'GET /inventory': {
    // The servers' playbook variables, generated passwords included.
    who: 'admin token',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/inventory')).status),
  },
  'GET /edge/forwarding': {
    // Every running server's VM address and ports: for the edge (and admins) only.
    who: 'edge',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/edge/forwarding')).status),
  },
  'GET /edge/status': {
    // Which edge forwards which generation, with the servers it refused: for the edge and admins.
    who: 'edge',
    probe: async (caller) => byStatus((await call[caller]('GET', '/v1/edge/status')).status),
  },
  'GET /edge/stream': {
    who: 'edge',
    probe: async (caller) => {
      const stop = new AbortController();
      const answer = await fetch(`${api.url}/v1/edge/stream`, {
        headers: headers[caller],
        signal: stop.signal,
      });
      stop.abort();
      return byStatus(answer.status);
    },
  },
  'PUT /edge/status': {
    // Only an edge says what it applied: an admin reads the status but cannot fake an edge's report.
    who: 'edge token',
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('PUT', '/v1/edge/status', {
            name: 'matrix-edge',
            mode: 'dry',
            snat: 'auto',
            appliedGeneration: 0,
            forwarded: 0,
            refused: [],
            problem: null,
          })
        ).status,
      ),
  },
  'POST /edge/wake': {
    // Only an edge reports a player's join; the server is Alice's running one, so the answer is `awake`.
    who: 'edge token',
    probe: async (caller) =>
      byStatus(
        (
          await call[caller]('POST', '/v1/edge/wake', {
            serverId: (await alicesServer()).id,
            source: '198.51.100.7',
            protocol: 'tcp',
            publishedPort: 20000,
          })
        ).status,
      ),
  },
  'POST /serverlist/announce': {
    // Sent by game servers themselves, without a token; judged by the sender's address, not the caller.
    who: 'anyone',
    probe: async () => ({ status: 0, reached: true }),
  },
};

async function documentedRoutes(): Promise<string[]> {
  const doc = (await (await fetch(`${api.url}/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('one permission rule for every route', () => {
  it('has a row for every route the API documents', async () => {
    expect((await documentedRoutes()).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  const cells = Object.keys(ROUTES).flatMap((route) => CALLERS.map((caller) => [route, caller] as const));
  it.each(cells)('%s as %s', async (route, caller) => {
    const { probe, who } = ROUTES[route]!;
    const allowed =
      who === 'anyone' ||
      (who === 'admin token'
        ? caller === 'admin token'
        : who === 'edge'
          ? caller === 'admin token' || caller === 'edge token'
          : who === 'edge token'
            ? caller === 'edge token'
            : who === 'guild admin'
              ? caller === "same guild's admin" || caller === 'admin token'
              : REACHES.has(caller));
    const outcome = await probe(caller);
    expect(outcome.status).not.toBe(500);
    expect({ route, caller, reached: outcome.reached }).toEqual({ route, caller, reached: allowed });
  });

  it('names the rule when refusing, and does not say what the server holds', async () => {
    const { id, jobId } = await alicesServer();
    for (const path of [`/v1/servers/${id}`, `/v1/jobs/${jobId}`, `/v1/events?serverId=${id}`]) {
      const answer = await call['other user']<{ error: { code: string; message: string } }>('GET', path);
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('not_owner');
      expect(answer.body.error.message).toMatch(/belongs to someone else; only its owner or a guild admin/);
      expect(JSON.stringify(answer.body)).not.toMatch(/10\.\d+\.\d+\.\d+|play\.example\.net/);
    }
  });
});
