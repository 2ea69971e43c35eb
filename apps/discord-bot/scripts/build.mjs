// Bundles the bot into one ESM file for production (`pnpm --filter @guildserver/discord-bot build`), so it
// runs on plain `node` without the TypeScript loader: about 35 MiB less resident memory than under tsx.
import { bundle } from '../../../scripts/bundle.mjs';

await bundle({
  entries: { main: new URL('../src/main.ts', import.meta.url).pathname },
  outdir: new URL('../dist', import.meta.url).pathname,
});
