import type { GameDefinition } from '@guildserver/games';
import type { ApiConfig } from '../config.js';
import type { Db } from '../db/database.js';
import type { GameImageRef } from './jobs.js';
import type { VmidClaims } from './vmid-claims.js';

/** What the server service needs from Proxmox and the queue; injected so tests and benchmarks can count calls. */
export interface ServerServicePorts {
  /** Resolves when Proxmox says the id is free; rejects with AlreadyExistsError when it is taken. */
  checkVmidFree(vmid: number): Promise<void>;
  enqueue(jobId: string): Promise<void>;
  /** The game's current image at Proxmox (built from today's recipe), if there is one: a create clones it. */
  currentImage(game: GameDefinition): Promise<GameImageRef | undefined>;
  /** The password GuildServer generated for one of a server's settings (GameSecrets.settingPassword). */
  settingPassword(serverId: string, key: string): string;
}

/** What each part of the server service (create, queue a job, retry, reads) is built on. */
export interface ServerServiceDeps {
  db: Db;
  config: ApiConfig;
  outside: ServerServicePorts;
  vmids: VmidClaims;
}
