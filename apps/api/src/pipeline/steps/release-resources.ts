import type { Step } from '../context.js';
import { readServer, releaseServerResources } from '../job-store.js';

/** release_resources: the server's ports and VM id go back to the pool. */
export const releaseResources: Step = {
  name: 'release_resources',
  failure: 'internal',
  async run(ctx) {
    const server = readServer(ctx.deps.db, ctx.server.id);
    const released = releaseServerResources(ctx.deps.db, ctx.server.id);
    const vmid = released.vmids > 0 && server.vmid !== null ? ` and VM id ${server.vmid}` : '';
    return { detail: `Released ${released.ports} port${released.ports === 1 ? '' : 's'}${vmid}.` };
  },
};
