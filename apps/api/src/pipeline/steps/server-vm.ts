// What several steps read about the server's VM: where it is, whether it is ours, its address.
import { isHibernated, type VmRef } from '@guildserver/proxmox';
import type { StepContext } from '../context.js';
import type { PowerState } from '../decisions.js';
import { StepFailure } from '../failures.js';
import { readServer } from '../job-store.js';
import { isOurs, OUR_TAG, ownershipOf, serverTag } from '../ownership.js';

/** The server's VM; a create step fails without one. */
export function vmOf(ctx: StepContext): VmRef {
  const vmid = readServer(ctx.deps.db, ctx.server.id).vmid;
  if (vmid === null)
    throw new StepFailure(
      'vmid_unavailable',
      'The server has no VM id reserved; retry the create to reserve one.',
    );
  return { node: ctx.node, vmid };
}

/** The server's VM, if it has a VM id. */
export function serverVm(ctx: StepContext): VmRef | undefined {
  const vmid = readServer(ctx.deps.db, ctx.server.id).vmid;
  return vmid === null ? undefined : { node: ctx.node, vmid };
}

/** Tags a VM that carries our description marker but no tags yet, before anything else is done to it. */
export async function tagAsOurs(ctx: StepContext, vm: VmRef): Promise<void> {
  await ctx.deps.proxmox.qemu.updateConfig(vm, { tags: [OUR_TAG, serverTag(ctx.server.id)] });
}

/** How long a clone may take: the runner option, else PROXMOX_TIMEOUT_CLONE. */
export const cloneTimeoutMs = (ctx: StepContext) =>
  ctx.options.cloneTimeoutMs ?? ctx.deps.config.proxmox.cloneTimeoutSeconds * 1000;

/** Refuses a VM that is gone or does not carry this server's tag. */
export function requireOurs(
  ctx: StepContext,
  current: { tags?: string; description?: string | number; lock?: string } | undefined,
  vm: VmRef,
): void {
  const ownership = ownershipOf(ctx.server.id, current);
  if (ownership === 'absent')
    throw new StepFailure('vm_missing', `VM ${vm.vmid} no longer exists at Proxmox.`);
  if (!isOurs(ownership))
    throw new StepFailure(
      'vm_not_ours',
      `VM ${vm.vmid} does not carry this server's tag, so GuildServer will not touch it.`,
    );
}

/** The VM's power as the decisions see it. */
export function powerOf(status: { status?: string } | undefined): PowerState {
  if (!status) return 'absent';
  return status.status === 'running' ? 'running' : 'stopped';
}

/** Hibernated (suspended to disk): off, its memory in a `vmstate` volume, locked `suspended` until started. */
export const hibernatedNow = (status: { lock?: string } | undefined): boolean =>
  status !== undefined && isHibernated({ lock: status.lock });

/** The VM's IPv4 as wait_network stored it; the game steps need it. */
export function ipv4Of(ctx: StepContext): string {
  const ipv4 = readServer(ctx.deps.db, ctx.server.id).ipv4;
  if (!ipv4)
    throw new StepFailure(
      'network_timeout',
      'The VM has no known IPv4 address, so the game cannot be reached.',
    );
  return ipv4;
}
