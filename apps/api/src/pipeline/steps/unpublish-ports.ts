import { edgeStatus, liveEdges } from '../../domain/edge-reports.js';
import type { Step } from '../context.js';
import { setPublished } from '../job-store.js';
import { edgeNames, portsInWords, publishTimeoutMs, timeoutInWords, untilEdgeApplied } from './edge-wait.js';

/**
 * unpublish_ports: before a stop, restart or delete, the server's ports leave the edge's forwarding table and
 * the step waits (up to the publish deadline) for the edge to close them, so a deleted server's port never
 * keeps forwarding to an address a later VM may get. An edge that does not follow does not hold the job up:
 * it closes them when it next applies the table.
 */
export const unpublishPorts: Step<{ generation?: number }> = {
  name: 'unpublish_ports',
  failure: 'edge_unpublished',
  async run(ctx) {
    const ports = portsInWords(ctx);
    const generation =
      ctx.memo.generation ??
      setPublished(ctx.deps.db, ctx.jobId, ctx.step, false, `Closing ${ports} at the edge.`);
    ctx.remember({ generation });
    if (ctx.deps.config.edge.mode === 'none') {
      return { detail: `EDGE=none: ${ports} are no longer listed for forwarding (\`gs edge rules\`).` };
    }
    if (liveEdges(edgeStatus(ctx.deps.db)).length === 0) {
      return { detail: `No edge follows the API now; it closes ${ports} when it next applies the table.` };
    }
    const applied = await untilEdgeApplied(ctx, generation, publishTimeoutMs(ctx));
    if (!applied) {
      return {
        detail: `The edge has not closed ${ports} within ${timeoutInWords(ctx)}; it closes them when it next applies the table.`,
      };
    }
    return { detail: `The edge ${edgeNames(applied)} no longer forwards ${ports}.` };
  },
};
