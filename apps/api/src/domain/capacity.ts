// What each node holds for GuildServer's servers: memory and cores of the VMs that are up, and what sleeping and
// stopped servers gave back (they hold disk only). Read from the servers' rows, as the jobs left them.
import type { Capacity } from '@guildserver/contracts';
import { and, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { servers } from '../db/schema.js';

type Group = keyof Omit<Capacity['nodes'][number], 'node'>;

const GROUP_OF: Record<string, Group | undefined> = {
  running: 'awake',
  sleeping: 'asleep',
  stopped: 'stopped',
  failed: undefined,
  deleted: undefined,
};

export function capacityByNode(db: Db): Capacity {
  const rows = db
    .select({
      node: servers.node,
      state: servers.state,
      servers: sql<number>`count(*)`,
      cores: sql<number>`sum(${servers.cores})`,
      memoryMiB: sql<number>`sum(${servers.memoryMiB})`,
    })
    .from(servers)
    .where(and(isNull(servers.deletedAt), isNotNull(servers.node)))
    .groupBy(servers.node, servers.state)
    .orderBy(servers.node)
    .all();
  const nodes = new Map<string, Capacity['nodes'][number]>();
  for (const row of rows) {
    const group = row.state in GROUP_OF ? GROUP_OF[row.state] : 'busy';
    if (!group) continue;
    const empty = () => ({ servers: 0, cores: 0, memoryMiB: 0 });
    const node = nodes.get(row.node!) ?? {
      node: row.node!,
      awake: empty(),
      asleep: empty(),
      stopped: empty(),
      busy: empty(),
    };
    node[group].servers += row.servers;
    node[group].cores += row.cores;
    node[group].memoryMiB += row.memoryMiB;
    nodes.set(row.node!, node);
  }
  return { nodes: [...nodes.values()] };
}
