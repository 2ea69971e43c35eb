import { anyEdgeReported, edgeStatus, liveEdges } from '../../domain/edge-reports.js';
import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { setPublished } from '../job-store.js';
import { edgeNames, portsInWords, publishTimeoutMs, timeoutInWords, untilEdgeApplied } from './edge-wait.js';

/**
 * publish_ports: the server's ports enter the edge's forwarding table, and the step waits until the edge has
 * applied them — "running" means a player can reach the address the notice shows. With EDGE=none (or
 * EDGE=auto before any edge has reported) GuildServer forwards nothing, and the detail says so.
 */
export const publishPorts: Step<{ generation?: number }> = {
  name: 'publish_ports',
  failure: 'edge_unpublished',
  async run(ctx) {
    const { db, config } = ctx.deps;
    const ports = portsInWords(ctx);
    const generation =
      ctx.memo.generation ?? setPublished(db, ctx.jobId, ctx.step, true, `Publishing ${ports} at the edge.`);
    ctx.remember({ generation });
    if (config.edge.mode === 'none') {
      return {
        detail: `EDGE=none: GuildServer does not forward ${ports}; forward them to the VM by hand (\`gs edge rules\` prints the rules).`,
      };
    }
    if (config.edge.mode === 'auto' && !anyEdgeReported(db)) {
      return {
        detail: `No edge has reported yet, so GuildServer does not forward ${ports}: start \`gs edge up\` on the edge host, or forward them by hand.`,
      };
    }
    const applied = await untilEdgeApplied(ctx, generation, publishTimeoutMs(ctx));
    if (!applied) throw new StepFailure('edge_unpublished', notPublished(ctx.server.name, generation, ctx));
    const dry = liveEdges(applied).every((edge) => edge.mode === 'dry');
    return {
      detail: dry
        ? `The edge ${edgeNames(applied)} runs dry: it computed ${ports} but forwards nothing (a simulated VM).`
        : `The edge ${edgeNames(applied)} forwards ${ports}.`,
    };
  },
};

/** Why the ports are not published yet, and what to do. */
function notPublished(serverName: string, generation: number, ctx: Parameters<Step['run']>[0]): string {
  const status = edgeStatus(ctx.deps.db);
  const live = liveEdges(status);
  const within = timeoutInWords(ctx);
  if (live.length === 0) {
    const last = status.edges[0];
    const heard = last ? ` (${last.name} last reported at ${last.reportedAt})` : '';
    return `No edge follows the API${heard}, so the ports of ${serverName} were not published within ${within}; is \`gs edge up\` running on the edge host?`;
  }
  const behind = live.filter((edge) => (edge.appliedGeneration ?? -1) < generation);
  const problem = behind.find((edge) => edge.problem)?.problem;
  const names = behind.map((edge) => edge.name).join(' and ');
  return `The edge at ${names} has not published the ports of ${serverName} for ${within}; is \`gs edge up\` running?${problem ? ` It reports: ${problem}` : ''}`;
}
