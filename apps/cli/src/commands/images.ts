import type { GameImage, ImageBuild, ImageList } from '@guildserver/contracts';
import { sleep } from '@guildserver/timing';
import { CliError } from '../errors.js';
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
  if (list.builds.length > 0) {
    const rows = [['BUILD', 'GAME', 'STATE', 'VMID', 'ASKED', 'REASON']];
    for (const b of list.builds)
      rows.push([b.id, b.game, b.state, String(b.vmid), b.createdAt, b.error?.message ?? b.reason]);
    say(ctx, '');
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

const seconds = (ms: number | null) => (ms === null ? '' : ` (${Math.round(ms / 1000)} s)`);
const finished = (build: ImageBuild) => build.state === 'succeeded' || build.state === 'failed';

/**
 * `gs image build <game> | --all`: queues the builds (admin token), then, unless --no-wait, follows them to their
 * end a line per step. Exit code 1 when a build failed.
 */
export async function buildImages(
  ctx: CommandContext,
  game: string | undefined,
  options: JsonOption & { all?: boolean; wait?: boolean; pollMs?: number },
): Promise<number> {
  if ((game === undefined) === (options.all !== true))
    throw new CliError('Name one game (gs image build openttd) or give --all, not both.', 'invalid_request');
  const queued = await ctx.api().buildImages(options.all ? { all: true } : { game });
  for (const skipped of queued.skipped) ctx.err(`${skipped.game}: not built. ${skipped.reason}`);
  if (!options.json)
    for (const build of queued.builds)
      say(ctx, `${build.game}: image build ${build.id} queued (VM ${build.vmid}, recipe ${build.recipe}).`);
  if (options.wait === false) {
    if (options.json) printJson(ctx, queued);
    return 0;
  }
  const shown = new Map<string, string>();
  const show = (build: ImageBuild) => {
    if (options.json) return;
    for (const step of build.steps) {
      const key = `${build.id}:${step.name}`;
      if (shown.get(key) === step.state || step.state === 'pending') continue;
      shown.set(key, step.state);
      if (step.state === 'running') say(ctx, `${build.game}: ${step.title}…`);
      else if (step.state === 'succeeded')
        say(ctx, `${build.game}: ${step.title}: ${step.detail ?? 'done'}${seconds(step.durationMs)}`);
      else if (step.state === 'failed') say(ctx, `${build.game}: ${step.title} failed: ${step.error ?? ''}`);
    }
  };
  let builds = queued.builds;
  while (!builds.every(finished)) {
    await sleep(options.pollMs ?? 2_000);
    builds = await Promise.all(builds.map((b) => (finished(b) ? b : ctx.api().imageBuild(b.id))));
    builds.forEach(show);
  }
  if (options.json) printJson(ctx, { builds, skipped: queued.skipped });
  else
    for (const build of builds)
      say(
        ctx,
        build.state === 'succeeded'
          ? `${build.game}: image built, VM ${build.vmid}: creates of ${build.game} clone it from now on.`
          : `${build.game}: the build failed${build.error?.step ? ` at ${build.error.step}` : ''}: ${build.error?.message ?? 'no reason recorded'}`,
      );
  return builds.every((b) => b.state === 'succeeded') ? 0 : 1;
}
