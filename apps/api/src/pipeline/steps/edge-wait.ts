// What publish_ports and unpublish_ports share: the server's ports in words, and waiting until the edge has
// applied the generation that holds a change of them.

import type { EdgeStatus } from '@guildserver/contracts';
import { formatDuration } from '@guildserver/game-query';
import { pollUntil } from '@guildserver/timing';
import { edgeHasApplied, edgeStatus, liveEdges } from '../../domain/edge-reports.js';
import { serverPorts } from '../../domain/server-ports.js';
import type { StepContext } from '../context.js';

/** `tcp/20000 and udp/20001`. */
export function portsInWords(ctx: StepContext): string {
  const list = serverPorts(ctx.deps.db, ctx.server.id).map((p) => `${p.protocol}/${p.port}`);
  if (list.length <= 1) return list[0] ?? 'no ports';
  return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/** `pve1` or `pve1 and edge2`: the edges that follow the API now. */
export function edgeNames(status: EdgeStatus): string {
  return liveEdges(status)
    .map((edge) => edge.name)
    .join(' and ');
}

/**
 * Resolves with the edge status once every live edge (and at least one) has applied `generation`; resolves
 * undefined when `timeoutMs` passes first.
 */
export async function untilEdgeApplied(
  ctx: StepContext,
  generation: number,
  timeoutMs: number,
): Promise<EdgeStatus | undefined> {
  try {
    return await pollUntil(
      async () => {
        const status = edgeStatus(ctx.deps.db);
        return edgeHasApplied(status, generation) ? status : undefined;
      },
      {
        timeoutMs,
        intervalMs: ctx.options.edgePollMs,
        signal: ctx.signal,
        onTimeout: () => new EdgeTimeout(),
      },
    );
  } catch (error) {
    if (error instanceof EdgeTimeout) return undefined;
    throw error;
  }
}

class EdgeTimeout extends Error {}

export const publishTimeoutMs = (ctx: StepContext) => ctx.deps.config.edge.publishTimeoutSeconds * 1000;
export const timeoutInWords = (ctx: StepContext) => formatDuration(publishTimeoutMs(ctx));
