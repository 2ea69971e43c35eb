import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthFailedError,
  createProxmoxClient,
  LockTimeoutError,
  NodeOfflineError,
  type ProxmoxClientOptions,
  USER_AGENT,
} from '../src/index';
import { captureLogger, type FakeServer, reply, startFakeServer } from './fake-server';

const UPID = 'UPID:pve:000A3F2C:00B1C3D4:6650A1B2:qmclone:9000:root@pam!guildserver:';
const TOKEN = {
  kind: 'token',
  tokenId: 'root@pam!guildserver',
  secret: 'b1946ac9-2492-4d2b-9bd7-b9a5f0f5e0aa',
} as const;

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

function client(extra: Partial<ProxmoxClientOptions> = {}) {
  return createProxmoxClient({
    baseUrl: server.url,
    auth: TOKEN,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
}

describe('transport', () => {
  it('sends the token header, the User-Agent and form bodies with 0/1 booleans', async () => {
    server.handle((_req, res) => reply(res, 200, { data: UPID }));
    const pve = client();
    const upid = await pve.qemu.clone({ node: 'pve', vmid: 9000 }, { newid: 101, name: 'gs-1', full: false });
    expect(upid).toBe(UPID);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api2/json/nodes/pve/qemu/9000/clone');
    expect(request?.headers.authorization).toBe(`PVEAPIToken=${TOKEN.tokenId}=${TOKEN.secret}`);
    expect(request?.headers['user-agent']).toBe(USER_AGENT);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.body).toBe('newid=101&name=gs-1&full=0');
    await pve.close();
  });

  it('encodes path segments and queries (UPID in the path, booleans in DELETE query)', async () => {
    server.handle((req, res) =>
      reply(res, 200, { data: req.url.includes('/status') ? { status: 'stopped', exitstatus: 'OK' } : UPID }),
    );
    const pve = client();
    await pve.qemu.delete({ node: 'pve', vmid: 101 }, { purge: true, destroyUnreferencedDisks: true });
    await pve.tasks.status(UPID);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /api2/json/nodes/pve/qemu/101?purge=1&destroy-unreferenced-disks=1',
      `GET /api2/json/nodes/pve/tasks/${encodeURIComponent(UPID)}/status`,
    ]);
    await pve.close();
  });

  it('nextid converts the string id to a number', async () => {
    server.handle((_req, res) => reply(res, 200, { data: '104' }));
    const pve = client();
    await expect(pve.cluster.nextId()).resolves.toBe(104);
    await pve.close();
  });

  it('resize returns null on 7.x (no task) and the UPID from 8.0', async () => {
    server.handle((_req, res) => reply(res, 200, { data: null }));
    const pve = client();
    await expect(pve.qemu.resize({ node: 'pve', vmid: 101 }, 'scsi0', '+10G')).resolves.toBeNull();
    server.handle((_req, res) => reply(res, 200, { data: UPID }));
    await expect(pve.qemu.resize({ node: 'pve', vmid: 101 }, 'scsi0', '+10G')).resolves.toBe(UPID);
    expect(server.requests[0]?.body).toBe('disk=scsi0&size=%2B10G');
    await pve.close();
  });

  it('retries a GET on 595, then reports node_offline', async () => {
    server.handle((_req, res) => reply(res, 595, { data: null }, 'No route to host'));
    const pve = client();
    await expect(pve.qemu.status({ node: 'pve2', vmid: 101 })).rejects.toBeInstanceOf(NodeOfflineError);
    expect(server.requests).toHaveLength(3);
    await pve.close();
  });

  it('retries a config write that hit a lock time-out and succeeds', async () => {
    let calls = 0;
    server.handle((_req, res) =>
      ++calls === 1
        ? reply(
            res,
            500,
            { data: null },
            "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout",
          )
        : reply(res, 200, { data: null }),
    );
    const pve = client();
    await pve.qemu.updateConfig({ node: 'pve', vmid: 101 }, { cores: 2 });
    expect(server.requests).toHaveLength(2);
    await pve.close();
  });

  it('never repeats a clone POST, even on a lock time-out', async () => {
    server.handle((_req, res) =>
      reply(res, 500, { data: null }, "can't lock file '/var/lock/qemu-server/lock-9000.conf' - got timeout"),
    );
    const pve = client();
    await expect(pve.qemu.clone({ node: 'pve', vmid: 9000 }, { newid: 101 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(server.requests).toHaveLength(1);
    await pve.close();
  });

  it('sends a template conversion once to …/template, even on a lock time-out, and gives back the UPID', async () => {
    const upid = 'UPID:pve:000A3F2D:00B1C3D5:6650A1B3:qmtemplate:500:root@pam!guildserver:';
    server.handle((_req, res) => reply(res, 200, { data: upid }));
    const pve = client();
    expect(await pve.qemu.convertToTemplate({ node: 'pve', vmid: 500 }, { disk: 'scsi0' })).toBe(upid);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      url: '/api2/json/nodes/pve/qemu/500/template',
      body: 'disk=scsi0',
    });
    server.requests.length = 0;
    server.handle((_req, res) =>
      reply(res, 500, { data: null }, "can't lock file '/var/lock/qemu-server/lock-500.conf' - got timeout"),
    );
    await expect(pve.qemu.convertToTemplate({ node: 'pve', vmid: 500 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(server.requests).toHaveLength(1);
    await pve.close();
  });

  it('does not retry a 401 with a token', async () => {
    server.handle((_req, res) => reply(res, 401, { data: null }, 'authentication failure'));
    const pve = client();
    await expect(pve.version.get()).rejects.toBeInstanceOf(AuthFailedError);
    expect(server.requests).toHaveLength(1);
    await pve.close();
  });

  it('logs each request at debug with method, path, status and duration only', async () => {
    server.handle((_req, res) =>
      reply(res, 200, { data: { version: '8.4.0', release: '8.4', repoid: 'abc' } }),
    );
    const log = captureLogger();
    const pve = client({ logger: log.logger });
    await pve.version.get();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]?.level).toBe('debug');
    expect(Object.keys(log.lines[0]?.obj ?? {}).sort()).toEqual(['durationMs', 'method', 'path', 'status']);
    expect(log.lines[0]?.obj).toMatchObject({ method: 'GET', path: '/version', status: 200 });
    await pve.close();
  });
});

describe('ticket auth', () => {
  const TICKET = 'PVE:root@pam:6650A1B2::c2lnbmF0dXJlLXdpdGgrcGx1cy9zbGFzaD0=';
  const CSRF = '6650A1B2:Zm9vYmFyYmF6cXV4';

  it('logs in once, sends the cookie, and the CSRF token on writes only', async () => {
    server.handle((req, res) => {
      if (req.url === '/api2/json/access/ticket') {
        return reply(res, 200, { data: { ticket: TICKET, CSRFPreventionToken: CSRF, username: 'root@pam' } });
      }
      return reply(res, 200, { data: null });
    });
    const pve = client({ auth: { kind: 'ticket', username: 'root@pam', password: 'hunter2-hunter2' } });
    await Promise.all([pve.version.get(), pve.qemu.updateConfig({ node: 'pve', vmid: 101 }, { cores: 2 })]);
    const [login, ...rest] = server.requests;
    expect(login?.body).toBe('username=root%40pam&password=hunter2-hunter2');
    expect(rest).toHaveLength(2);
    const get = rest.find((r) => r.method === 'GET');
    const put = rest.find((r) => r.method === 'PUT');
    expect(get?.headers.cookie).toBe(`PVEAuthCookie=${TICKET}`);
    expect(get?.headers.csrfpreventiontoken).toBeUndefined();
    expect(put?.headers.csrfpreventiontoken).toBe(CSRF);
    expect(put?.headers.authorization).toBeUndefined();
    await pve.close();
  });

  it('renews the ticket when it is due and after a 401', async () => {
    let logins = 0;
    let rejectNext = false;
    server.handle((req, res) => {
      if (req.url === '/api2/json/access/ticket') {
        logins++;
        return reply(res, 200, { data: { ticket: `${TICKET}${logins}`, CSRFPreventionToken: CSRF } });
      }
      if (rejectNext) {
        rejectNext = false;
        return reply(res, 401, { data: null }, 'authentication failure');
      }
      return reply(res, 200, { data: null });
    });
    const due = client({
      auth: { kind: 'ticket', username: 'root@pam', password: 'pw-1234' },
      ticketRenewAfterMs: 0,
    });
    await due.version.get();
    await due.version.get();
    expect(logins).toBe(2);
    await due.close();

    logins = 0;
    server.requests.length = 0;
    const fresh = client({ auth: { kind: 'ticket', username: 'root@pam', password: 'pw-1234' } });
    await fresh.version.get();
    rejectNext = true;
    await fresh.version.get();
    expect(logins).toBe(2);
    expect(server.requests.filter((r) => r.url === '/api2/json/version')).toHaveLength(3);
    await fresh.close();
  });
});
