// Creating a server: the checks a gamer can fail (game, licence, name, size, quota, name taken), then a VM id
// Proxmox agrees is free, the server's row, its ports and its create job, in one transaction.
import {
  type CreateServerRequest,
  SERVER_NAME_RULE,
  serverNameSchema,
  type VmSize,
} from '@guildserver/contracts';
import { type GameDefinition, sizeProblem } from '@guildserver/games';
import { and, eq, isNull } from 'drizzle-orm';
import { servers } from '../db/schema.js';
import { type PoolWish, poolHasReady, takePoolVm } from '../pool/pool-store.js';
import { type Actor, requireWrite } from './actor.js';
import { allocatePorts, reserveVmid } from './allocation.js';
import { DomainError } from './errors.js';
import { recordEvent } from './event-log.js';
import { portSlotsOf } from './game-ports.js';
import { newServerId, now } from './ids.js';
import { expectedCreateSeconds, insertJob, type JobParams } from './jobs.js';
import { enforceQuotas } from './quotas.js';
import type { ServerServiceDeps } from './server-deps.js';
import { BUSY_STATE, recordJobQueued } from './server-jobs.js';
import { gameOf, requireAcceptedLicences } from './server-rules.js';

/** Ids another create took between our Proxmox check and our reservation are skipped this many times. */
const RESERVE_TRIES = 20;

/** Creates the server and queues its create job; resolves with the new server's id and the job's. */
export async function createServer(
  deps: ServerServiceDeps,
  input: CreateServerRequest,
  actor: Actor,
): Promise<{ serverId: string; jobId: string }> {
  requireWrite(actor);
  if (actor.userId !== undefined && actor.userId !== input.ownerId && actor.adminOfGuild !== input.guildId) {
    throw new DomainError(
      'not_owner',
      'A server can only be created for the Discord user the request acts for.',
    );
  }
  const game = gameOf(input.game);
  requireAcceptedLicences(game, deps.config);
  requireValidName(input.name);
  const defaults = deps.config.gameSizes.get(game.id) ?? game.resources.default;
  const size = { ...defaults, ...input.size };
  const badSize = sizeProblem(game.name, game.resources.minimum, size);
  if (badSize) throw new DomainError('invalid_request', `The size will not do: ${badSize}`);
  const image = await deps.outside.currentImage(game);
  const expectedSeconds = expectedCreateSeconds(deps.db, game.id, image ? 'image' : 'install');
  const pooled = expectedCreateSeconds(deps.db, game.id, 'pool');
  return insertServer(
    deps,
    {
      name: input.name,
      game,
      guildId: input.guildId,
      ownerId: input.ownerId,
      channelId: input.channelId,
      size,
    },
    actor,
    {
      kind: 'create',
      params: { ...(image ? { image } : {}), ...(expectedSeconds ? { expectedSeconds } : {}) },
      audit: {
        action: 'server.create',
        detail: { game: game.id, name: input.name, size, route: image ? 'image' : 'install' },
      },
      ...(image
        ? {
            pool: {
              wish: { game: game.id, recipe: image.recipe, size },
              ...(pooled ? { expectedSeconds: pooled } : {}),
            },
          }
        : {}),
    },
  );
}

/** Refuses a name the rule does not allow, quoting it (shortened) and the rule. */
export function requireValidName(name: string): void {
  if (serverNameSchema.safeParse(name).success) return;
  const shown = name.length > 40 ? `${name.slice(0, 39)}…` : name;
  throw new DomainError('name_invalid', `'${shown}' is not a valid name: use ${SERVER_NAME_RULE}.`);
}

/** A new server of `spec` and the job that makes its VM: the row, a VM id, its ports and the job, at once. */
export interface NewServer {
  name: string;
  game: GameDefinition;
  guildId: string;
  ownerId: string;
  channelId: string;
  size: VmSize;
}

/**
 * The checks every new server passes inside the transaction (name free in the guild, quotas), then a VM id
 * Proxmox agrees is free, the row, its ports and its job (`create`, or `copy` from another server's backup).
 */
export async function insertServer(
  { db, config, outside, vmids }: ServerServiceDeps,
  spec: NewServer,
  actor: Actor,
  job: {
    kind: 'create' | 'copy';
    params?: JobParams;
    audit: { action: string; detail?: Record<string, unknown> };
    /** A create that takes a ready warm-pool VM fitting this wish, when there is one, instead of a new VM. */
    pool?: { wish: PoolWish; expectedSeconds?: number };
  },
): Promise<{ serverId: string; jobId: string }> {
  const { name, game, guildId, ownerId, channelId, size } = spec;
  const { slots, consecutive } = portSlotsOf(game);
  const skip = new Set<number>();
  let poolMissed = false;

  for (let attempt = 0; attempt < RESERVE_TRIES; attempt++) {
    // A ready pool VM that fits brings its own VM id; when none fits (or another create took the last one
    // meanwhile), a new id.
    const fromPool = job.pool && !poolMissed && poolHasReady(db, job.pool.wish.game) ? job.pool : undefined;
    const vmid = fromPool ? undefined : await vmids.claim(skip);
    const id = newServerId();
    let created: string | undefined;
    try {
      created = db.transaction(
        (tx) => {
          const clash = tx
            .select({ id: servers.id })
            .from(servers)
            .where(and(eq(servers.guildId, guildId), eq(servers.name, name), isNull(servers.deletedAt)))
            .get();
          if (clash)
            throw new DomainError(
              'name_taken',
              `This guild already has a server named '${name}'; pick another name.`,
            );
          enforceQuotas(tx, guildId, ownerId, { cores: size.cores, memoryMiB: size.memory }, config.quotas);
          let serverVmid: number;
          let params = job.params ?? {};
          let audit = job.audit;
          if (fromPool) {
            const taken = takePoolVm(tx, fromPool.wish, id);
            if (!taken) {
              poolMissed = true;
              return undefined;
            }
            serverVmid = taken.vmid;
            const { expectedSeconds: _image, ...rest } = params;
            params = {
              ...rest,
              pool: { id: taken.id, mode: taken.mode },
              ...(fromPool.expectedSeconds ? { expectedSeconds: fromPool.expectedSeconds } : {}),
            };
            audit = { ...audit, detail: { ...audit.detail, route: 'pool', vmid: taken.vmid } };
          } else {
            // Another create may have taken this id since we asked Proxmox: then try the next one.
            if (vmid === undefined || !reserveVmid(tx, vmid, id)) return undefined;
            serverVmid = vmid;
          }
          const at = now();
          tx.insert(servers)
            .values({
              id,
              name,
              game: game.id,
              guildId,
              ownerId,
              channelId,
              state: BUSY_STATE[job.kind],
              cores: size.cores,
              memoryMiB: size.memory,
              diskGiB: size.disk,
              vmid: serverVmid,
              node: config.proxmox.node,
              createdAt: at,
              updatedAt: at,
            })
            .run();
          allocatePorts(tx, id, slots, config.portRange, consecutive);
          const jobId = insertJob(tx, id, job.kind, actor.userId ?? actor.tokenId, params);
          tx.update(servers).set({ currentJobId: jobId }).where(eq(servers.id, id)).run();
          const server = { id, name, guildId, ownerId, channelId };
          recordEvent(
            tx,
            { server, jobId },
            {
              type: 'server.created',
              data: { game: game.id, gameName: game.name, vmid: serverVmid, size },
            },
          );
          recordJobQueued(tx, actor, { server, jobId, kind: job.kind, audit });
          return jobId;
        },
        { behavior: 'immediate' },
      );
    } finally {
      if (vmid !== undefined) vmids.release(vmid);
    }
    if (created === undefined) {
      if (vmid !== undefined) skip.add(vmid);
      continue;
    }
    await outside.enqueue(created);
    return { serverId: id, jobId: created };
  }
  throw new DomainError('internal', 'Could not reserve a VM id after several tries; try again.');
}
