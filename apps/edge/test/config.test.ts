// EDGE_* and API_URL: defaults, and each wrong variable as one sentence naming it and what to set.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEdgeConfig } from '../src/config.js';

const base = { API_URL: 'http://10.0.0.2:8080/', EDGE_API_TOKEN: 'gs_edge_secret_value' };
const load = (env: Record<string, string>, host = 'pve1') => loadEdgeConfig(env, () => host);
const failure = (env: Record<string, string>, host = 'pve1') => {
  try {
    load(env, host);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('no ConfigError');
};

describe('the edge configuration', () => {
  it('has defaults for everything but the API and its token', () => {
    expect(load(base)).toEqual({
      apiUrl: 'http://10.0.0.2:8080',
      token: 'gs_edge_secret_value',
      mode: 'nft',
      snat: 'auto',
      name: 'pve1',
      resyncSeconds: 30,
      metrics: { host: '127.0.0.1', port: 9466 },
      asleepAddress: '0.0.0.0',
      logLevel: 'info',
    });
  });

  it('takes every variable', () => {
    expect(
      load({
        ...base,
        EDGE_MODE: 'dry',
        EDGE_SNAT: 'always',
        EDGE_NAME: 'edge-a.lab',
        EDGE_RESYNC_SECONDS: '5',
        EDGE_METRICS_HOST: '0.0.0.0',
        EDGE_METRICS_PORT: '0',
        EDGE_NETNS: 'lab-edge',
        EDGE_ASLEEP_ADDRESS: '127.0.0.1',
      }),
    ).toEqual({
      apiUrl: 'http://10.0.0.2:8080',
      token: 'gs_edge_secret_value',
      mode: 'dry',
      snat: 'always',
      name: 'edge-a.lab',
      resyncSeconds: 5,
      netns: 'lab-edge',
      asleepAddress: '127.0.0.1',
      logLevel: 'info',
    });
  });

  it('says what to set, in one sentence naming the variable, and never repeats the token', () => {
    expect(failure({ EDGE_API_TOKEN: 'x' })).toBe(
      'API_URL is required and must be the URL of the GuildServer API, such as http://10.0.0.2:8080.',
    );
    expect(failure({ API_URL: base.API_URL })).toBe(
      'EDGE_API_TOKEN is required and must be a token with the edge scope (make one with `gs token create --name edge --scope edge`).',
    );
    expect(failure({ ...base, EDGE_API_TOKEN: 'has a space' })).not.toContain('has a space');
    expect(failure({ ...base, EDGE_MODE: 'iptables' })).toBe(
      'EDGE_MODE must be nft or dry (dry computes and reports the table but never touches nftables) (got "iptables").',
    );
    expect(failure({ ...base, EDGE_SNAT: 'yes' })).toMatch(/^EDGE_SNAT must be auto, always, never /);
    expect(failure({ ...base, EDGE_RESYNC_SECONDS: '600' })).toMatch(
      /^EDGE_RESYNC_SECONDS must be a whole number of seconds from 1 to 60 /,
    );
    expect(failure({ ...base, EDGE_METRICS_PORT: 'x' })).toMatch(/^EDGE_METRICS_PORT must be a TCP port/);
    expect(failure({ ...base, EDGE_NAME: 'my edge' })).toMatch(/^EDGE_NAME must be 1 to 64 letters/);
    expect(failure({ ...base, API_URL: 'ftp://x' })).toMatch(/^API_URL must be the URL/);
    expect(failure({ ...base, EDGE_ASLEEP_ADDRESS: 'localhost' })).toMatch(
      /^EDGE_ASLEEP_ADDRESS must be an IPv4 address of this host /,
    );
  });

  it('asks for EDGE_NAME when the host name cannot name an edge', () => {
    expect(failure(base, '-weird host-')).toBe(
      'EDGE_NAME is unset and this host\'s name "-weird host-" cannot name an edge: set EDGE_NAME to 1 to 64 letters, digits, dots, dashes and underscores.',
    );
  });
});
