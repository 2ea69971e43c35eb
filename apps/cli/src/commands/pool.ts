import type { PoolStatus } from '@guildserver/contracts';
import { type CommandContext, printJson, say, table } from './context.js';
import type { JsonOption } from './servers.js';

/**
 * `gs pool status`: per game, the spare VMs WARM_POOL asks for, those ready and being made, the image they are
 * made from and why a pool is short; then each pool VM (needs an admin token).
 */
export async function poolStatus(ctx: CommandContext, options: JsonOption): Promise<number> {
  const pool: PoolStatus = await ctx.api().pool();
  if (options.json) {
    printJson(ctx, pool);
    return 0;
  }
  if (pool.games.length === 0) {
    say(ctx, 'No warm pool: set WARM_POOL (such as minecraft-java:2,valheim:1) and restart the workers.');
    return 0;
  }
  say(
    ctx,
    `Warm pool, kept ${pool.mode === 'booted' ? 'booted (ready sooner; costs memory)' : 'stopped (costs disk only)'}:`,
  );
  const rows = [['GAME', 'WANTED', 'READY', 'MAKING', 'IMAGE']];
  for (const g of pool.games)
    rows.push([
      g.game,
      String(g.wanted),
      String(g.ready),
      String(g.making),
      g.image ? `VM ${g.image.vmid}` : '-',
    ]);
  say(ctx, table(rows));
  for (const g of pool.games) if (g.note) say(ctx, `${g.game}: ${g.note}`);
  if (pool.vms.length > 0) {
    const vms = [['POOL VM', 'GAME', 'STATE', 'VMID', 'SIZE', 'SINCE']];
    for (const vm of pool.vms)
      vms.push([
        vm.id,
        vm.game,
        vm.state === 'claimed' && vm.serverId ? `claimed by ${vm.serverId}` : vm.state,
        String(vm.vmid),
        `${vm.cores} cores, ${vm.memoryMiB} MiB, ${vm.diskGiB} GiB`,
        vm.readyAt ?? vm.createdAt,
      ]);
    say(ctx, '');
    say(ctx, table(vms));
  }
  return 0;
}
