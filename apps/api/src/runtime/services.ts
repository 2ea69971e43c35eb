import { dirname, join } from 'node:path';
import {
  createLimiter,
  createProxmoxClient,
  type Limiter,
  type ProxmoxClient,
  toProxmoxClientOptions,
} from '@guildserver/proxmox';
import { sleep } from '@guildserver/timing';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import { type Db, openDatabase } from '../db/database.js';
import { jobKindOf } from '../domain/jobs.js';
import { readBuild } from '../images/image-build-store.js';
import { processMetrics, proxmoxMetricsLogger } from '../observability/metrics.js';
import { createImageQueue, type ImageQueue } from '../queue/image-queue.js';
import { createJobQueue, type JobQueue } from '../queue/job-queue.js';
import { createScheduleQueue, type ScheduleQueue } from '../queue/schedule-queue.js';
import { ensureRedis, type RedisHandle } from './redis.js';

/** What both the API and the workers stand on: the database, Proxmox, Redis and the queue. */
export interface Services {
  config: ApiConfig;
  logger: Logger;
  db: Db;
  proxmox: ProxmoxClient;
  limiter: Limiter;
  redisUrl: string;
  /** A new connection for a BullMQ worker or queue (BullMQ wants its own, with no retry limit per request). */
  connect(): Redis;
  queue: JobQueue;
  /** Game image builds, a queue of their own. */
  images: ImageQueue;
  /** The schedules' BullMQ job schedulers. */
  schedules: ScheduleQueue;
  close(): Promise<void>;
}

export async function openServices(config: ApiConfig, logger: Logger): Promise<Services> {
  const db = openDatabase(config.databasePath);
  const redis: RedisHandle = await ensureRedis(config.redisUrl, join(dirname(config.databasePath), 'redis'));
  const connections: Redis[] = [];
  const connect = () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null, enableReadyCheck: true });
    connection.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
    connections.push(connection);
    return connection;
  };
  // Every Proxmox call is counted (by method, path pattern, status) on its way to the log.
  const proxmox = createProxmoxClient(
    toProxmoxClientOptions(config.proxmox, {
      logger: proxmoxMetricsLogger(logger.child({ component: 'proxmox' }), processMetrics()),
    }),
  );
  const limiter = createLimiter({
    perNode: config.proxmoxLimits.perNode,
    perStorage: config.proxmoxLimits.perStorage,
  });
  const queue = createJobQueue(connect(), config.queuePrefix, (jobId) => jobKindOf(db, jobId));
  queue.queue.on('error', (error) => logger.warn({ err: error.message }, 'job queue error'));
  const images = createImageQueue(connect(), config.queuePrefix, (id) => readBuild(db, id)?.row.game);
  images.queue.on('error', (error) => logger.warn({ err: error.message }, 'image queue error'));
  const schedules = createScheduleQueue(connect(), config.queuePrefix, config.monitor.intervalMs);
  schedules.queue.on('error', (error) => logger.warn({ err: error.message }, 'schedule queue error'));
  // Let the queue finish its own start-up (version check, scripts) before anyone can close it: closing a
  // connection under those commands rejects them where nobody listens. Redis may be down: don't wait long.
  await Promise.race([
    Promise.all([
      queue.queue.waitUntilReady(),
      images.queue.waitUntilReady(),
      schedules.queue.waitUntilReady(),
    ]).catch(() => {}),
    sleep(2_000),
  ]);
  return {
    config,
    logger,
    db,
    proxmox,
    limiter,
    redisUrl: redis.url,
    connect,
    queue,
    images,
    schedules,
    close: async () => {
      await queue.close();
      await images.close();
      await schedules.close();
      await proxmox.close();
      // QUIT lets commands already sent get their answers; a connection that cannot even do that is dropped.
      await Promise.all(
        connections.map((connection) =>
          connection.status === 'ready'
            ? connection.quit().catch(() => connection.disconnect())
            : connection.disconnect(),
        ),
      );
      await redis.stop();
      db.$client.close();
    },
  };
}
