// `gs edge …`: the edge on this host (`up` runs the daemon in the foreground, `down` removes its table) and
// what the API knows of it (`rules` prints the forwarding table as rules to paste, `status` every edge's report).
// The edge's code lives in apps/edge and is loaded only when an edge command runs.
import type { EdgeState, EdgeStatus } from '@guildserver/contracts';
import { DEFAULT_STATE_FILE } from '../config.js';
import { CliError } from '../errors.js';
import { readStackState } from '../stack/state-file.js';
import { type CommandContext, printJson, say, table } from './context.js';
import type { JsonOption } from './servers.js';

const loadEdge = () => import('@guildserver/edge');

export interface EdgeUpOptions {
  dry?: boolean;
  netns?: string;
  snat?: string;
  name?: string;
}

/**
 * `gs edge up`: the edge daemon in the foreground with EDGE_* from the environment (flags win); API_URL falls
 * back to the local stack's. Ctrl-C (or SIGTERM) stops it and leaves the table in force.
 */
export async function edgeUp(ctx: CommandContext, options: EdgeUpOptions): Promise<number> {
  const edge = await loadEdge();
  const env: Record<string, string | undefined> = { ...ctx.env.inherited };
  env.API_URL ??= ctx.env.apiUrl ?? readStackState(ctx.env.stateFile ?? DEFAULT_STATE_FILE)?.apiUrl;
  if (options.dry) env.EDGE_MODE = 'dry';
  if (options.netns) env.EDGE_NETNS = options.netns;
  if (options.snat) env.EDGE_SNAT = options.snat;
  if (options.name) env.EDGE_NAME = options.name;
  const config = edge.loadEdgeConfig(env);
  const logger = edge.createEdgeLogger(config.logLevel);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'Stopping; the table in force stays, so forwarding goes on.');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await edge.runEdge(config, logger, stop.signal);
  } catch (error) {
    if (error instanceof edge.EdgeFatalError) throw new CliError(error.message, 'edge_token');
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

/** `gs edge down`: removes the table `inet guildserver`, and with it every forward the edge made. */
export async function edgeDown(
  ctx: CommandContext,
  options: JsonOption & { netns?: string },
): Promise<number> {
  const edge = await loadEdge();
  let removed: boolean;
  try {
    removed = await edge.removeTable(options.netns ? { netns: options.netns } : {});
  } catch (error) {
    if (error instanceof edge.NftError) {
      if (error.kind === 'permission') {
        throw new CliError(
          'gs edge down changes nftables, which needs root: run it with sudo (or with CAP_NET_ADMIN).',
          'not_permitted',
        );
      }
      throw new CliError(error.sentence, error.kind === 'missing' ? 'nft_missing' : 'nft_failed');
    }
    throw error;
  }
  if (options.json) printJson(ctx, { table: `inet ${edge.EDGE_TABLE}`, removed });
  else if (removed) {
    say(
      ctx,
      `Removed the table inet ${edge.EDGE_TABLE}: this host forwards no game port any more (a running \`gs edge up\` applies it again).`,
    );
  } else say(ctx, `There is no table inet ${edge.EDGE_TABLE} here; nothing to remove.`);
  return 0;
}

/** `gs edge rules`: the forwarding table as nft or iptables rules to paste, for a router configured by hand. */
export async function edgeRules(
  ctx: CommandContext,
  options: { format?: string; snat?: boolean },
): Promise<number> {
  const edge = await loadEdge();
  const format = options.format ?? 'nft';
  if (!(edge.RULE_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(
      `--format must be ${edge.RULE_FORMATS.join(' or ')} (got "${format}").`,
      'invalid_request',
    );
  }
  const forwarding = await ctx.api().forwardingTable();
  ctx.out.write(
    edge.rulesText(forwarding, { format: format as 'nft' | 'iptables', snat: options.snat === true }),
  );
  return 0;
}

/** `gs edge status`: the API's generation and each edge's last report. */
export async function edgeStatus(ctx: CommandContext, options: JsonOption): Promise<number> {
  const status = await ctx.api().edgeStatus();
  if (options.json) {
    printJson(ctx, status);
    return 0;
  }
  for (const line of statusLines(status, ctx.api().baseUrl)) say(ctx, line);
  return 0;
}

/** The status as text: a heading, one row per edge, then each edge's problem and what it refused. */
export function statusLines(status: EdgeStatus, apiUrl: string): string[] {
  if (status.edges.length === 0) {
    return [
      `The API at ${apiUrl} is at generation ${status.generation}; no edge has reported yet, so GuildServer forwards no game port: start \`gs edge up\` on the edge host.`,
    ];
  }
  const lines = [`The API at ${apiUrl} is at generation ${status.generation}.`, ''];
  const rows = [['EDGE', 'MODE', 'SNAT', 'APPLIED', 'LAG', 'STATE', 'FORWARDED', 'REFUSED', 'REPORTED']];
  for (const edge of status.edges) {
    rows.push([
      edge.name,
      edge.mode,
      edge.snat,
      edge.appliedGeneration === null ? 'none' : String(edge.appliedGeneration),
      edge.lag === null ? '-' : String(edge.lag),
      stateOf(edge),
      String(edge.forwarded),
      String(edge.refused.length),
      edge.reportedAt,
    ]);
  }
  lines.push(table(rows));
  for (const edge of status.edges) {
    if (edge.stale) {
      lines.push(
        `${edge.name} has not reported since ${edge.reportedAt}: it keeps forwarding what it had but applies no change; is \`gs edge up\` running there?`,
      );
    }
    if (edge.problem) lines.push(`${edge.name}: ${edge.problem}`);
    for (const refused of edge.refused) {
      lines.push(
        `${edge.name} does not forward ${refused.protocol}/${refused.publishedPort} of ${refused.serverName}: ${refused.reason}`,
      );
    }
  }
  return lines;
}

function stateOf(edge: EdgeState): string {
  if (edge.stale) return 'stale';
  if (edge.problem) return 'problem';
  if (edge.lag !== null && edge.lag > 0) return 'behind';
  return 'ok';
}
