// With EDGE_NETNS the edge's nftables live in another network namespace, where a socket this process opened
// would not be: sleeping servers' ports are not held there (yet), and the report says so while any sleeps.
import type { EdgeLog } from '../daemon.js';
import type { AsleepHolder } from './holder.js';

export function notHeldInNetns(netns: string, log: EdgeLog): AsleepHolder {
  const sentence = `Sleeping servers' ports are not answered when EDGE_NETNS is set (yet): the edge's own sockets would listen outside the network namespace ${netns}.`;
  let logged = false;
  return {
    async sync(entries) {
      if (entries.length === 0) return { held: 0, problems: [] };
      if (!logged) log.warn({ netns }, sentence);
      logged = true;
      return { held: 0, problems: [sentence] };
    },
    ownPorts: () => new Set(),
    close: async () => {},
  };
}
