import { createBackupService } from '../domain/backup-service.js';
import { proxmoxRequestFailure } from '../domain/proxmox-failure.js';
import { createQuotaService } from '../domain/quota-service.js';
import { createScheduleService } from '../domain/schedule-service.js';
import { createServerService } from '../domain/server-service.js';
import { createTokenService } from '../domain/token-service.js';
import { createWebhookService } from '../domain/webhook-service.js';
import { createApiApp } from '../http/app.js';
import { createImageBuildService } from '../images/image-build-service.js';
import { currentImageFinder, imageList } from '../images/image-lookup.js';
import { notifyEventsAppended } from '../observability/event-feed.js';
import { startJobMetrics } from '../observability/job-metrics.js';
import { type ApiMetrics, processMetrics } from '../observability/metrics.js';
import { proxmoxCheck, redisCheck, sqliteCheck } from '../observability/readiness.js';
import { type GameSecrets, loadGameSecrets } from '../pipeline/game/game-secrets.js';
import { poolCounts, poolStatus } from '../pool/pool-status.js';
import { proxmoxBackupStore } from './backup-store.js';
import type { Services } from './services.js';

/**
 * The HTTP app over the shared services: the server service talks to Proxmox only to check VM ids. Also
 * serves /readyz (SQLite, Redis, Proxmox) and /metrics (this process's registry, jobs learned from events).
 */
export function buildApi(services: Services, options: { metrics?: ApiMetrics } = {}) {
  const { config, db, logger, proxmox, queue } = services;
  const metrics = options.metrics ?? processMetrics();
  // GAME_SECRETS_KEY or the data directory's key file, read when a server's credentials are first asked for.
  let secrets: GameSecrets | undefined;
  const servers = createServerService(db, config, {
    checkVmidFree: async (vmid) => {
      await proxmox.cluster.nextId(vmid);
    },
    enqueue: async (jobId) => {
      // The job's events are committed by now: SSE followers in this process read them at once.
      notifyEventsAppended(db);
      await queue.enqueue(jobId);
    },
    currentImage: currentImageFinder({ proxmox, config, logger }),
    settingPassword: (serverId, key) => {
      secrets ??= loadGameSecrets(config);
      return secrets.settingPassword(serverId, key);
    },
  });
  const backups = createBackupService(servers.deps, proxmoxBackupStore(proxmox, config.backups.storage));
  const imageBuilds = createImageBuildService({
    db,
    config,
    proxmox,
    logger,
    enqueue: async (buildId) => {
      notifyEventsAppended(db);
      await services.images.enqueue(buildId);
    },
  });
  const redis = redisCheck(services.redisUrl);
  const readiness = {
    sqlite: sqliteCheck(db),
    redis: redis.check,
    proxmox: proxmoxCheck(proxmox, `${config.proxmox.host}:${config.proxmox.port}`),
  };
  const shutdown = new AbortController();
  const deps = {
    config,
    db,
    servers,
    backups,
    schedules: createScheduleService(db, services.schedules, config.monitor.idleAfterMs),
    quotas: createQuotaService(db, config, logger),
    tokens: createTokenService(db, logger),
    webhooks: createWebhookService(db, logger),
    images: {
      list: async () => ({
        ...(await imageList({ proxmox, config }).catch((error: unknown) => {
          throw proxmoxRequestFailure(error);
        })),
        builds: imageBuilds.recent(),
      }),
      request: imageBuilds.request,
      view: imageBuilds.view,
    },
    pool: {
      status: () =>
        poolStatus({ db, config, proxmox }).catch((error: unknown) => {
          throw proxmoxRequestFailure(error);
        }),
    },
    logger,
    readiness,
  };
  const app = createApiApp(deps, {
    metrics,
    events: { shutdown: shutdown.signal },
  });
  metrics.queues.add(queue.queue);
  metrics.queues.add(services.images.queue);
  const countPool = () => poolCounts(db, config).games;
  metrics.pools.add(countPool);
  const jobMetrics = startJobMetrics(db, metrics);
  return {
    app,
    servers,
    metrics,
    /** Ends open event streams too: call it before (or while) closing the HTTP server, which waits for them. */
    close: async () => {
      shutdown.abort();
      jobMetrics.close();
      metrics.queues.delete(queue.queue);
      metrics.queues.delete(services.images.queue);
      metrics.pools.delete(countPool);
      redis.close();
    },
  };
}
