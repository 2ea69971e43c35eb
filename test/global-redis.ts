// One private redis-server for the whole test run (append-only, on a free loopback port), so the suite needs
// no Redis of its own on the machine and tests may stop and restart it. Tests read its URL with
// `inject('redisUrl')` and isolate themselves with their own queue prefix.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisDir: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'gs-test-redis-'));
  const redis = await ensureRedis(undefined, dir);
  project.provide('redisUrl', redis.url);
  project.provide('redisDir', dir);
  return async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
