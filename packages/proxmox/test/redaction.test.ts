import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxmoxClient, type ProxmoxClientOptions, ProxmoxError } from '../src/index';
import { captureLogger, type FakeServer, reply, startFakeServer } from './fake-server';

const SECRET = 'c0ffee00-dead-beef-cafe-5ec2e75ec2e7';
const PASSWORD = 'correct horse battery+staple';
const CIPASSWORD = 'ci-p@ss word/42';
const TICKET = 'PVE:root@pam:6650A1B2::dGlja2V0LXNpZ25hdHVyZQ==';
const CSRF = '6650A1B2:Y3NyZi10b2tlbi12YWx1ZQ';

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());

function expectClean(error: unknown, logText: string, secrets: string[]) {
  expect(error).toBeInstanceOf(ProxmoxError);
  const e = error as ProxmoxError;
  const surfaces = [
    e.message,
    String(e),
    JSON.stringify(e),
    e.stack ?? '',
    inspect(e, { depth: 5 }),
    logText,
  ];
  for (const secret of secrets) {
    for (const surface of surfaces) {
      expect(surface).not.toContain(secret);
      expect(surface).not.toContain(encodeURIComponent(secret));
    }
  }
}

function client(extra: Partial<ProxmoxClientOptions>, log: ReturnType<typeof captureLogger>) {
  return createProxmoxClient({
    baseUrl: server.url,
    auth: { kind: 'token', tokenId: 'root@pam!guildserver', secret: SECRET },
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    logger: log.logger,
    ...extra,
  });
}

describe('secrets never leak', () => {
  it('bad token: even a server echoing the header is redacted', async () => {
    server.handle((req, res) =>
      reply(
        res,
        401,
        { data: null, message: `bad ${req.headers.authorization}\n` },
        'authentication failure',
      ),
    );
    const log = captureLogger();
    const pve = client({}, log);
    const error = await pve.version.get().catch((e: unknown) => e);
    expect((error as ProxmoxError).code).toBe('auth_failed');
    expectClean(error, log.text(), [SECRET]);
    await pve.close();
  });

  it('400 whose errors echo cipassword', async () => {
    server.handle((req, res) => {
      const sent = new URLSearchParams(req.body).get('cipassword') ?? '';
      reply(
        res,
        400,
        { data: null, errors: { cipassword: `value '${sent}' is weird`, sshkeys: 'invalid key' } },
        'Parameter verification failed.',
      );
    });
    const log = captureLogger();
    const pve = client({}, log);
    const error = await pve.qemu
      .updateConfig({ node: 'pve', vmid: 101 }, { ciuser: 'gs', cipassword: CIPASSWORD })
      .catch((e: unknown) => e);
    expect((error as ProxmoxError).code).toBe('invalid_params');
    expect(JSON.stringify(error)).toContain('[redacted]');
    expectClean(error, log.text(), [SECRET, CIPASSWORD]);
    await pve.close();
  });

  it('network error (nothing listening)', async () => {
    const closed = await startFakeServer();
    const url = closed.url;
    await closed.close();
    const log = captureLogger();
    const pve = client({ baseUrl: url }, log);
    const error = await pve.nodes.list().catch((e: unknown) => e);
    expect((error as ProxmoxError).code).toBe('unreachable');
    expect((error as Error).message).toMatch(/refused/);
    expectClean(error, log.text(), [SECRET]);
    await pve.close();
  });

  it('ticket auth: password, ticket and CSRF token stay out of errors and logs', async () => {
    server.handle((req, res) => {
      if (req.url === '/api2/json/access/ticket') {
        return reply(res, 200, { data: { ticket: TICKET, CSRFPreventionToken: CSRF, username: 'root@pam' } });
      }
      return reply(
        res,
        500,
        { data: null, message: `boom ${req.headers.cookie} ${req.headers.csrfpreventiontoken}\n` },
        'Internal Server Error',
      );
    });
    const log = captureLogger();
    const pve = client({ auth: { kind: 'ticket', username: 'root@pam', password: PASSWORD } }, log);
    const error = await pve.qemu
      .updateConfig({ node: 'pve', vmid: 101 }, { cores: 2 })
      .catch((e: unknown) => e);
    expectClean(error, log.text(), [PASSWORD, TICKET, CSRF]);
    await pve.close();
  });

  it('failed login echoing the password', async () => {
    server.handle((req, res) =>
      reply(
        res,
        401,
        { data: null, message: `no such user ${new URLSearchParams(req.body).get('password')}\n` },
        'authentication failure',
      ),
    );
    const log = captureLogger();
    const pve = client({ auth: { kind: 'ticket', username: 'root@pam', password: PASSWORD } }, log);
    const error = await pve.version.get().catch((e: unknown) => e);
    expect((error as ProxmoxError).code).toBe('auth_failed');
    expectClean(error, log.text(), [PASSWORD]);
    await pve.close();
  });
});
