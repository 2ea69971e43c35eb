import type { Capacity } from '@guildserver/contracts';
import { type CommandContext, printJson, say, table } from './context.js';
import type { JsonOption } from './servers.js';

const held = (group: Capacity['nodes'][number]['awake']) =>
  group.servers === 0 ? '-' : `${group.memoryMiB} MiB (${group.servers})`;

/** `gs capacity`: per node, the memory servers that are up hold, and what sleeping and stopped ones gave back. */
export async function capacity(ctx: CommandContext, options: JsonOption): Promise<number> {
  const found = await ctx.api().capacity();
  if (options.json) {
    printJson(ctx, found);
    return 0;
  }
  if (found.nodes.length === 0) {
    say(ctx, 'No servers on any node yet.');
    return 0;
  }
  const rows = [['NODE', 'AWAKE', 'ASLEEP', 'STOPPED', 'BUSY']];
  for (const n of found.nodes)
    rows.push([n.node, held(n.awake), held(n.asleep), held(n.stopped), held(n.busy)]);
  say(ctx, table(rows));
  say(ctx, 'Memory (servers): awake servers hold theirs; asleep and stopped ones gave it back to the node.');
  return 0;
}
