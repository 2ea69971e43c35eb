import type { GameImage, ImageList } from '@guildserver/contracts';
import { type CommandContext, printJson, say, table } from './context.js';
import type { JsonOption } from './servers.js';

/**
 * `gs image list`: the game images Proxmox holds (current ones are what creates clone) and, per game, how an
 * image built by hand is marked to be current (needs an admin token).
 */
export async function listImages(
  ctx: CommandContext,
  options: JsonOption & { recipes?: boolean },
): Promise<number> {
  const list: ImageList = await ctx.api().images();
  if (options.json) {
    printJson(ctx, list);
    return 0;
  }
  if (list.images.length === 0)
    say(ctx, 'No game images at Proxmox: every create installs its game in full.');
  else {
    const replaced = new Set(list.images.filter((i) => i.current).map((i) => i.game));
    const state = (i: GameImage) =>
      i.current
        ? 'current'
        : replaced.has(i.game)
          ? 'old: removed once no server is a linked clone of it'
          : 'stale: not used (no current image of its game)';
    const rows = [['VMID', 'NODE', 'GAME', 'RECIPE', 'STATE']];
    for (const i of list.images) rows.push([String(i.vmid), i.node, i.game, i.recipe ?? '-', state(i)]);
    say(ctx, table(rows));
  }
  if (options.recipes) {
    const rows = [['GAME', 'TAGS', 'DESCRIPTION LINE']];
    for (const r of list.recipes) rows.push([r.game, r.tags.join(';'), r.descriptionLine]);
    say(ctx, '');
    say(ctx, table(rows));
  }
  return 0;
}
