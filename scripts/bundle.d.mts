export function bundle(options: {
  /** Output name (`<name>.mjs`) → entry point source. */
  entries: Record<string, string>;
  outdir: string;
  /** The checkout the bundles run against (see bundle.mjs). */
  root?: string;
}): Promise<void>;
