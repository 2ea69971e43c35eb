import type { ImageList, PoolStatus } from '@guildserver/contracts';
import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { Actor } from '../domain/actor.js';
import type { BackupService } from '../domain/backup-service.js';
import type { QuotaService } from '../domain/quota-service.js';
import type { ScheduleService } from '../domain/schedule-service.js';
import type { ServerService } from '../domain/server-service.js';
import type { TokenService } from '../domain/token-service.js';
import type { WebhookService } from '../domain/webhook-service.js';
import type { ImageBuildService } from '../images/image-build-service.js';

/** What every route may use, built once at start. */
export interface ApiDeps {
  config: ApiConfig;
  db: Db;
  servers: ServerService;
  backups: BackupService;
  schedules: ScheduleService;
  quotas: QuotaService;
  tokens: TokenService;
  webhooks: WebhookService;
  /** The game images Proxmox holds (read from Proxmox on each call), and their builds. */
  images: { list(): Promise<ImageList> } & Pick<ImageBuildService, 'request' | 'view'>;
  /** The warm pool as it is (its images read from Proxmox). */
  pool: { status(): Promise<PoolStatus> };
  logger: Logger;
  /** Checks the dependencies for /readyz; each resolves to an error sentence or null. */
  readiness: Record<string, () => Promise<string | null>>;
}

export interface ApiEnv {
  Variables: {
    actor: Actor;
    requestId: string;
  };
}
