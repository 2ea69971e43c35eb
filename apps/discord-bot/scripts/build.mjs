// Bundles the bot into one ESM file for production (`pnpm --filter @guildserver/discord-bot build`), so it
// runs on plain `node` without the TypeScript loader: about 35 MiB less resident memory than under tsx.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  outfile: new URL('../dist/main.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Optional native accelerators discord.js and ws try to load; absent here, and fine without.
  external: ['zlib-sync', 'bufferutil', 'utf-8-validate'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
