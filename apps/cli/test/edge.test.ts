// `gs edge …` as a process: `rules` and `status` against a scripted API over real HTTP, `up` refusing a wrong
// setup in one sentence, and `down` removing the table from a network namespace with real nftables (as root).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EdgeStatus, ForwardingTable } from '@guildserver/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryArgs } from '../../../test/support/entry.js';
import { useLocalHttp } from '../../../test/support/local-http.js';
import { applyRuleset, buildRuleset, listTable } from '../../edge/src/index.js';
import { missingForNetns } from '../../edge/test/support/netns-world.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..', '..');
const GS = entryArgs('gs');
const BASE_ENV = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NO_COLOR: '1',
  GS_STATE_FILE: '/nonexistent/stack.json',
};

async function gs(args: string[], env: Record<string, string | undefined> = {}, uid?: number) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...GS, ...args], {
      cwd: REPO,
      timeout: 60_000,
      env: { ...BASE_ENV, ...env },
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The not-root test runs gs as `nobody`, who must read its bundle and enter the checkout (not a mode-700 dir). */
const nobodyRunsGs = await run('test', ['-r', GS[0]!, '-a', '-x', REPO], { uid: 65_534, gid: 65_534 }).then(
  () => true,
  () => false,
);
if (!nobodyRunsGs)
  console.warn(
    `SKIPPING the not-root test of gs edge down: user nobody (65534) cannot read ${GS[0]} or enter ${REPO}`,
  );

const TABLE: ForwardingTable = {
  generation: 57,
  portRange: { first: 20_000, last: 20_999 },
  entries: [
    {
      serverId: 'srv_survival0001',
      serverName: 'survival',
      vmIpv4: '10.0.10.5',
      protocol: 'tcp',
      publishedPort: 20_000,
      guestPort: 25565,
    },
    {
      serverId: 'srv_vikings00001',
      serverName: 'vikings',
      vmIpv4: '10.0.10.6',
      protocol: 'udp',
      publishedPort: 20_001,
      guestPort: 2456,
    },
    {
      serverId: 'srv_booting00001',
      serverName: 'booting',
      vmIpv4: null,
      protocol: 'tcp',
      publishedPort: 20_002,
      guestPort: 25565,
    },
  ],
};

const STATUS: EdgeStatus = {
  generation: 60,
  edges: [
    {
      name: 'pve1',
      mode: 'nft',
      snat: 'auto',
      appliedGeneration: 57,
      forwarded: 2,
      refused: [
        {
          serverId: 'srv_booting00001',
          serverName: 'booting',
          protocol: 'tcp',
          publishedPort: 20_002,
          reason: 'booting has no VM address yet.',
        },
      ],
      problem: null,
      reportedAt: '2025-01-01T10:00:00.000Z',
      stale: false,
      lag: 3,
    },
    {
      name: 'old-edge',
      mode: 'dry',
      snat: 'never',
      appliedGeneration: null,
      forwarded: 0,
      refused: [],
      problem: 'nft is not installed; install the nftables package.',
      reportedAt: '2024-12-01T10:00:00.000Z',
      stale: true,
      lag: null,
    },
  ],
};

describe('gs edge rules and status, against the API', () => {
  const http = useLocalHttp();
  let seen: { method?: string; url?: string; authorization?: string }[] = [];
  const api = (answers: Record<string, [number, unknown]>) =>
    http.listen((req, res) => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      const [status, body] = answers[`${req.method} ${req.url}`] ?? [
        404,
        { error: { code: 'not_found', message: 'No such route.' } },
      ];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });

  it('prints the forwarding table as iptables commands, the generation first, the refused as comments', async () => {
    seen = [];
    const url = await api({ 'GET /v1/edge/forwarding': [200, TABLE] });
    const out = await gs(['edge', 'rules', '--format', 'iptables', '--snat'], {
      API_URL: url,
      API_TOKEN: 'gs_admin',
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        '# GuildServer edge: forwarding table generation 57, 2 port(s), as iptables commands (run as root; they add to the nat table, so remove earlier ones first).',
        'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -p tcp --dport 20000 -j DNAT --to-destination 10.0.10.5:25565',
        'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -p udp --dport 20001 -j DNAT --to-destination 10.0.10.6:2456',
        'iptables -t nat -A POSTROUTING -m conntrack --ctstate DNAT -p tcp -d 10.0.10.5 --dport 25565 -j MASQUERADE',
        'iptables -t nat -A POSTROUTING -m conntrack --ctstate DNAT -p udp -d 10.0.10.6 --dport 2456 -j MASQUERADE',
        '# not forwarded: tcp/20002 of booting (srv_booting00001): booting has no VM address yet.',
        '',
      ].join('\n'),
    );
    expect(seen).toEqual([{ method: 'GET', url: '/v1/edge/forwarding', authorization: 'Bearer gs_admin' }]);
  });

  it('prints it as the nft definition by default', async () => {
    const url = await api({ 'GET /v1/edge/forwarding': [200, TABLE] });
    const out = await gs(['edge', 'rules'], { API_URL: url, API_TOKEN: 'gs_admin' });
    expect(out.stdout.split('\n')[0]).toBe('# GuildServer edge: forwarding table generation 57, 2 port(s).');
    expect(out.stdout).toContain('20000 : 10.0.10.5 . 25565');
    expect(out.stdout).toContain('# not forwarded: tcp/20002 of booting');
    expect(out.stdout).not.toMatch(/ masquerade$/m);
  });

  it('says in one sentence what the API refused', async () => {
    const url = await api({
      'GET /v1/edge/forwarding': [
        403,
        {
          error: {
            code: 'forbidden',
            message: 'Only a token with the edge or admin scope may read the edge’s tables.',
          },
        },
      ],
    });
    const out = await gs(['edge', 'rules'], { API_URL: url, API_TOKEN: 'gs_bot' });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('gs: Only a token with the edge or admin scope may read the edge’s tables.\n');
  });

  it('shows every edge: mode, applied generation against the API’s, lag, stale, problem and what it refused', async () => {
    const url = await api({ 'GET /v1/edge/status': [200, STATUS] });
    const out = await gs(['edge', 'status'], { API_URL: url, API_TOKEN: 'gs_admin' });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        `The API at ${url} is at generation 60.`,
        '',
        'EDGE      MODE  SNAT   APPLIED  LAG  STATE   FORWARDED  REFUSED  REPORTED',
        'pve1      nft   auto   57       3    behind  2          1        2025-01-01T10:00:00.000Z',
        'old-edge  dry   never  none     -    stale   0          0        2024-12-01T10:00:00.000Z',
        'pve1 does not forward tcp/20002 of booting: booting has no VM address yet.',
        'old-edge has not reported since 2024-12-01T10:00:00.000Z: it keeps forwarding what it had but applies no change; is `gs edge up` running there?',
        'old-edge: nft is not installed; install the nftables package.',
        '',
      ].join('\n'),
    );
    const json = await gs(['edge', 'status', '--json'], { API_URL: url, API_TOKEN: 'gs_admin' });
    expect(JSON.parse(json.stdout)).toEqual(STATUS);
  });

  it('says when no edge has reported yet', async () => {
    const url = await api({ 'GET /v1/edge/status': [200, { generation: 4, edges: [] }] });
    const out = await gs(['edge', 'status'], { API_URL: url, API_TOKEN: 'gs_admin' });
    expect(out.stdout).toBe(
      `The API at ${url} is at generation 4; no edge has reported yet, so GuildServer forwards no game port: start \`gs edge up\` on the edge host.\n`,
    );
  });

  it('`gs edge up` names what is missing, and stops in one sentence on a token that is not an edge token', async () => {
    const bare = await gs(['edge', 'up', '--dry'], { API_URL: 'http://127.0.0.1:9' });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toBe(
      'gs: EDGE_API_TOKEN is required and must be a token with the edge scope (make one with `gs token create --name edge --scope edge`).\n',
    );
    const url = await api({
      'GET /v1/edge/forwarding': [200, TABLE],
      'PUT /v1/edge/status': [
        403,
        { error: { code: 'forbidden', message: 'Only a token with the edge scope may report as an edge.' } },
      ],
    });
    const out = await gs(['edge', 'up', '--dry', '--name', 'test-edge'], {
      API_URL: url,
      EDGE_API_TOKEN: 'gs_admin',
      EDGE_METRICS_PORT: '0',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      `gs: EDGE_API_TOKEN is not an edge token (the API at ${url} answered 403: Only a token with the edge scope may report as an edge); make one with \`gs token create --name edge --scope edge\` and set EDGE_API_TOKEN to it.\n`,
    );
    // Dry: it computed the table (and says so in its log), and touched no nftables.
    expect(out.stdout).toContain('Dry run: generation 57 would forward 2 port(s); nftables is left alone.');
  });
});

const missing = await missingForNetns();

describe.skipIf(missing.length > 0)('gs edge down, with real nftables', () => {
  const netns = `gscli${process.pid % 100_000}`;
  beforeAll(async () => {
    await run('ip', ['netns', 'add', netns]);
  });
  afterAll(async () => {
    await run('ip', ['netns', 'del', netns]).catch(() => {});
  });

  it('removes the table inet guildserver, and says so when there is none', async () => {
    await applyRuleset(buildRuleset(TABLE, { snat: false }).text, { netns });
    const removed = await gs(['edge', 'down', '--netns', netns]);
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toBe(
      'Removed the table inet guildserver: this host forwards no game port any more (a running `gs edge up` applies it again).\n',
    );
    expect(await listTable({ netns })).toBeUndefined();
    const none = await gs(['edge', 'down', '--netns', netns, '--json']);
    expect(JSON.parse(none.stdout)).toEqual({ table: 'inet guildserver', removed: false });
    expect((await gs(['edge', 'down', '--netns', netns])).stdout).toBe(
      'There is no table inet guildserver here; nothing to remove.\n',
    );
  });

  it.skipIf(!nobodyRunsGs)('says to run it as root when it is not', async () => {
    const out = await gs(['edge', 'down'], { HOME: '/tmp' }, 65_534);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      'gs: gs edge down changes nftables, which needs root: run it with sudo (or with CAP_NET_ADMIN).\n',
    );
  });
});
