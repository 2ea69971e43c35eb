// A real API over real HTTP for tests: the simulator in-process, a SQLite file in a temp dir, the suite's
// Redis, the Hono app served by @hono/node-server on a free port. Workers are started only when asked.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenScope } from '@guildserver/contracts';
import {
  DEFAULT_SIM_TOKEN,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '@guildserver/pve-sim';
import { serve } from '@hono/node-server';
import { inject } from 'vitest';
import { type ApiConfig, loadApiConfig } from '../../src/config.js';
import { createApiToken } from '../../src/domain/tokens.js';
import { buildApi } from '../../src/runtime/build-api.js';
import { createLogger } from '../../src/runtime/logger.js';
import { openServices, type Services } from '../../src/runtime/services.js';

export interface Harness {
  url: string;
  sim: RunningSimulator;
  services: Services;
  config: ApiConfig;
  env: Record<string, string>;
  token(scopes: TokenScope[], name?: string): string;
  close(): Promise<void>;
}

let prefixCounter = 0;

/** Env a test stack runs with: the simulator as Proxmox, a private data dir, a queue prefix of its own. */
export function stackEnv(sim: RunningSimulator, extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-api-'));
  return {
    PROXMOX_HOST: sim.url,
    PROXMOX_NODE: 'pve',
    PROXMOX_TOKEN_ID: DEFAULT_SIM_TOKEN.id,
    PROXMOX_TOKEN_SECRET: DEFAULT_SIM_TOKEN.secret,
    DATABASE_PATH: join(dir, 'guildserver.sqlite'),
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `t${process.pid}x${prefixCounter++}x${Date.now()}`,
    GAME_RUNNER: 'simulated',
    GAME_LICENSES_ACCEPTED: 'minecraft-eula,steam',
    HOST_EXTERNAL: 'play.example.net',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

export async function startApi(
  options: { env?: Record<string, string>; sim?: SimulatorOptions } = {},
): Promise<Harness> {
  const sim = await startSimulator({ profile: 'fast', authFailureDelayMs: 10, ...options.sim });
  const env = stackEnv(sim, options.env);
  const config = loadApiConfig(env);
  const services = await openServices(config, createLogger('silent', 'test'));
  const api = buildApi(services);
  const server = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sim,
    services,
    config,
    env,
    token: (scopes, name = 'test') => createApiToken(services.db, name, scopes).token,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
      await services.close();
      await sim.close();
    },
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** A tiny JSON client; `as` sets the Discord user a bot token acts for. */
export function client(url: string, token: string, as?: { user?: string; adminOf?: string }) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> => {
    const all: Record<string, string> = { authorization: `Bearer ${token}`, ...headers };
    if (as?.user) all['x-guildserver-user'] = as.user;
    if (as?.adminOf) all['x-guildserver-guild-admin'] = as.adminOf;
    if (body !== undefined) all['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
  };
}

export const GUILD = '111111111111111111';
export const ALICE = '222222222222222222';
export const BOB = '333333333333333333';
export const CHANNEL = '444444444444444444';

export const createBody = (name: string, extra: Record<string, unknown> = {}) => ({
  game: 'minecraft-java',
  name,
  guildId: GUILD,
  ownerId: ALICE,
  channelId: CHANNEL,
  ...extra,
});
