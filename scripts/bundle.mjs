// Bundles TypeScript entry points with esbuild into ESM files (`<name>.mjs`) that plain `node` runs without
// tsx's loader: a faster start and less memory. The bot's release build (apps/discord-bot/scripts/build.mjs)
// and the test suite's bundles (test/global-bundles.ts) both build here.
import { build, stop } from 'esbuild';

/** Native addons, and the optional ones discord.js and ws try to load (absent here, and fine without). */
const NATIVE = ['better-sqlite3', 'msgpackr-extract', 'zlib-sync', 'bufferutil', 'utf-8-validate'];
const RESOLVING = Symbol('resolving');

/**
 * The native addons stay external but are imported by the absolute path the importing source resolves them to
 * (when installed), so a bundle written anywhere, such as a temp folder, loads them from this checkout.
 */
const nativeFromCheckout = {
  name: 'native-from-checkout',
  setup(esbuild) {
    const filter = new RegExp(`^(${NATIVE.join('|')})$`);
    esbuild.onResolve({ filter }, async ({ path, importer, kind, resolveDir, pluginData }) => {
      if (pluginData === RESOLVING) return undefined;
      const found = await esbuild.resolve(path, { importer, kind, resolveDir, pluginData: RESOLVING });
      return { path: found.errors.length > 0 ? path : found.path, external: true };
    });
  },
};

/**
 * @param {{ entries: Record<string, string>, outdir: string, root?: string }} options `root`: the checkout the
 *   bundles run against: the folder @guildserver/paths finds the repository's files in, and where native
 *   addons load from. Without it, the bundled code must not need either (the bot's release).
 */
export async function bundle({ entries, outdir, root }) {
  await build({
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    ...(root === undefined
      ? { external: NATIVE }
      : { plugins: [nativeFromCheckout], define: { GUILDSERVER_ROOT: JSON.stringify(root) } }),
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  // Ends esbuild's service process now rather than with ours (a test run's globalSetup lives all the run).
  await stop();
}
