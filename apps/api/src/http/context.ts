import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { Actor } from '../domain/actor.js';
import type { ServerService } from '../domain/server-service.js';

/** What every route may use, built once at start. */
export interface ApiDeps {
  config: ApiConfig;
  db: Db;
  servers: ServerService;
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
