import { isProxmoxError } from '@guildserver/proxmox';
import type { Step } from '../context.js';
import { StepFailure } from '../failures.js';
import { recordServerFacts } from '../job-store.js';
import { vmOf } from './server-vm.js';

/** wait_network: the guest agent reports a global IPv4 before the deadline; stored on the server. */
export const waitNetwork: Step = {
  name: 'wait_network',
  failure: 'network_timeout',
  async run(ctx) {
    const vm = vmOf(ctx);
    const { networkPollMs, agentGraceMs } = ctx.options;
    const networkTimeoutMs =
      ctx.options.networkTimeoutMs ?? ctx.deps.config.proxmox.agentTimeoutSeconds * 1000;
    ctx.progress(
      `Waiting up to ${Math.round(networkTimeoutMs / 1000)} s for the guest agent to report the VM's address.`,
    );
    try {
      const picked = await ctx.deps.proxmox.waitForIpv4(vm, {
        timeoutMs: networkTimeoutMs,
        intervalMs: networkPollMs,
        maxIntervalMs: Math.max(networkPollMs, 5 * networkPollMs),
        agentNotConfiguredGraceMs: Math.min(agentGraceMs, networkTimeoutMs),
        signal: ctx.signal,
      });
      recordServerFacts(ctx.deps.db, ctx.server.id, { ipv4: picked.ip });
      return { detail: `The VM has IPv4 ${picked.ip} (${picked.interface}).` };
    } catch (error) {
      if (isProxmoxError(error) && error.code === 'timeout') {
        throw new StepFailure(
          'network_timeout',
          `The VM reported no IPv4 address within ${Math.round(networkTimeoutMs / 1000)} s; its guest agent or DHCP may not be working (check the template and ${ctx.deps.config.proxmox.networkBridge}).`,
        );
      }
      throw error;
    }
  },
};
