import { type CommandContext, printJson, say, table } from './context.js';
import type { JsonOption } from './servers.js';

/** `gs games`: what GuildServer can host, with default and minimum sizes and the ports each needs. */
export async function games(ctx: CommandContext, options: JsonOption): Promise<number> {
  const list = await ctx.api().games();
  if (options.json) {
    printJson(ctx, { games: list });
    return 0;
  }
  const rows = [['GAME', 'NAME', 'DEFAULT SIZE', 'MINIMUM', 'PORTS']];
  for (const game of list) {
    const d = game.defaultSize;
    const m = game.minimumSize;
    const ports = game.ports
      .map((p) => `${p.purpose}/${p.protocol}${p.count ? `×${p.count}` : ''}`)
      .join(' ');
    rows.push([
      game.id,
      game.name,
      `cores=${d.cores},memory=${d.memory},disk=${d.disk}`,
      `${m.cores}c/${m.memory}M/${m.disk}G`,
      ports,
    ]);
  }
  say(ctx, table(rows));
  return 0;
}
