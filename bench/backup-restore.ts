// Backup and restore wall time against the simulator's own task time: the control plane's overhead (reading
// and deciding, polling tasks, recording steps and events). The simulator (fast profile) and the API with its
// worker, each a process; each sample is one backup job, then one restore job, of the same server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, Server } from '@guildserver/contracts';
import { durationsFor } from '@guildserver/pve-sim';
import { pollUntil } from '@guildserver/timing';
import { openDatabase } from '../apps/api/src/db/database.js';
import { createApiToken } from '../apps/api/src/domain/tokens.js';
import { ensureRedis } from '../apps/api/src/runtime/redis.js';
import { freePort } from './api-list';
import { type ApiProcess, spawnApi, unlimitedStackEnv } from './api-process';
import type { Benchmark } from './benchmark';
import { median, percentile, printJsonLine, printTable, round } from './report';
import { spawnSimulator } from './sim-process';

const SAMPLES = 12;
const PLACE = {
  guildId: '100000000000000001',
  ownerId: '200000000000000001',
  channelId: '300000000000000001',
};

export const backupRestore: Benchmark = {
  name: 'backup-restore',
  summary:
    "backup and restore jobs: wall time against the simulator's own task time (the control plane's overhead)",
  async run() {
    const sim = await spawnSimulator({ profile: 'fast', authFailureDelayMs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'gs-bench-backup-'));
    const redis = await ensureRedis(process.env.REDIS_URL, join(dir, 'redis'));
    let api: ApiProcess | undefined;
    try {
      const env = {
        ...unlimitedStackEnv(sim.url, 2),
        API_PORT: String(await freePort()),
        DATABASE_PATH: join(dir, 'guildserver.sqlite'),
        REDIS_URL: redis.url,
        EDGE: 'none',
        QUOTA_GUILD_BACKUPS: '100000',
        BACKUP_RETENTION: 'keep-last=2',
      };
      const db = openDatabase(env.DATABASE_PATH);
      const token = createApiToken(db, 'bench', ['admin']).token;
      db.$client.close();
      api = await spawnApi('all', env);
      const apiUrl = api.url;
      const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const response = await fetch(`${apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      };
      const finished = (jobId: string) =>
        pollUntil(
          async () => {
            const job = await call<Job>('GET', `/v1/jobs/${jobId}`);
            if (job.state === 'failed') throw new Error(`${job.kind} failed: ${job.error?.message}`);
            return job.state === 'succeeded' ? job : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 5, onTimeout: () => new Error(`job ${jobId} did not finish`) },
        );
      const wallMs = (job: Job) => Date.parse(job.finishedAt!) - Date.parse(job.createdAt);
      /** vzdump names archives by the second: one backup of a VM per second. */
      const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));

      const created = await call<{ server: Server; jobId: string }>('POST', '/v1/servers', {
        game: 'minecraft-java',
        name: 'kept',
        ...PLACE,
      });
      await finished(created.jobId);
      const id = created.server.id;
      const d = durationsFor('fast', 1);
      const backups: number[] = [];
      const restores: number[] = [];
      let prunedSimMs = 0;
      for (let i = 0; i < SAMPLES; i++) {
        await nextSecond();
        const backup = await finished(
          (await call<{ jobId: string }>('POST', `/v1/servers/${id}/backups`, {})).jobId,
        );
        const pruned = Number(/removed (\d+)/.exec(backup.steps.at(-1)!.detail ?? '')?.[1] ?? 0);
        prunedSimMs = pruned * d.volumeDelete;
        // The simulator's tasks in a backup: the vzdump, and a delete per pruned backup.
        backups.push(wallMs(backup) - d.vzdump - prunedSimMs);
        const { backups: listed } = await call<{ backups: { id: string; reason: string }[] }>(
          'GET',
          `/v1/servers/${id}/backups`,
        );
        await nextSecond();
        const restore = await finished(
          (
            await call<{ jobId: string }>('POST', `/v1/servers/${id}/restore`, {
              backupId: listed.find((b) => b.reason === 'manual')!.id,
            })
          ).jobId,
        );
        // …in a restore: the guest's shutdown, the safety vzdump, qmrestore, the start, the agent's boot and DHCP.
        restores.push(wallMs(restore) - (d.shutdown + d.vzdump + d.restore + d.start + d.agentBoot + d.dhcp));
      }
      const row = (what: string, simMs: number, overhead: number[]) => ({
        job: what,
        samples: overhead.length,
        "simulator's tasks ms": simMs,
        'overhead p50 ms': Math.round(median(overhead)),
        'overhead p95 ms': Math.round(percentile(overhead, 95)),
      });
      printTable(
        'Backup and restore jobs (fast profile; overhead = job wall time − the simulator’s task time)',
        [
          row('backup (hold, vzdump, release, prune)', d.vzdump + prunedSimMs, backups),
          row(
            'restore (stop, safety backup, qmrestore, start, wait)',
            d.shutdown + d.vzdump + d.restore + d.start + d.agentBoot + d.dhcp,
            restores,
          ),
        ],
      );
      printJsonLine('backup-restore', {
        samples: SAMPLES,
        backupOverheadP50Ms: round(median(backups), 0),
        backupOverheadP95Ms: round(percentile(backups, 95), 0),
        restoreOverheadP50Ms: round(median(restores), 0),
        restoreOverheadP95Ms: round(percentile(restores, 95), 0),
      });
    } finally {
      await api?.stop();
      await sim.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
