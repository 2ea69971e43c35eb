// A player's join attempt at a sleeping server's port, as the edge reports it (`POST /v1/edge/wake`): the server
// is woken by a `wake` job marked `trigger: join` (the channel hears "someone is joining"), within WakeLimits.
import type { WakeAnswer, WakeRequest } from '@guildserver/contracts';
import { eq } from 'drizzle-orm';
import { servers } from '../db/schema.js';
import type { Actor } from './actor.js';
import { requireEdgeReporter } from './edge-reports.js';
import { DomainError } from './errors.js';
import { type JobQueueDeps, queueServerJob } from './server-jobs.js';
import type { WakeLimits } from './wake-limits.js';

const STARTING_UP = new Set(['running', 'starting', 'restarting', 'creating']);

export async function wakeForJoin(
  deps: JobQueueDeps & { limits: WakeLimits },
  request: WakeRequest,
  actor: Actor,
): Promise<WakeAnswer> {
  requireEdgeReporter(actor);
  const row = deps.db.select().from(servers).where(eq(servers.id, request.serverId)).get();
  if (!row || row.deletedAt)
    throw new DomainError('not_found', `There is no server with id ${request.serverId}.`);
  if (row.state === 'waking')
    return { outcome: 'waking', ...(row.currentJobId ? { jobId: row.currentJobId } : {}) };
  if (STARTING_UP.has(row.state)) return { outcome: 'awake' };
  if (row.state !== 'sleeping')
    return {
      outcome: 'refused',
      reason: `'${row.name}' is ${row.state.replace('_', ' ')}, not asleep: a join wakes only a sleeping server.`,
    };
  const verdict = deps.limits.allow(row.id, request.source, Date.now());
  if (!verdict.allowed)
    throw new DomainError('rate_limited', `'${row.name}' is not woken by this join: ${verdict.reason}.`, {
      'Retry-After': String(verdict.retryAfterSeconds),
    });
  // The edge's token vouches for the join; the job runs as the system would run it, audited under that token.
  const waker: Actor = { tokenId: actor.tokenId, scopes: ['admin'] };
  try {
    const jobId = await queueServerJob(deps, row.id, 'wake', waker, { params: () => ({ trigger: 'join' }) });
    return { outcome: 'waking', jobId };
  } catch (error) {
    // Another join's wake got there first.
    if (error instanceof DomainError && error.code === 'invalid_state') return { outcome: 'waking' };
    throw error;
  }
}
