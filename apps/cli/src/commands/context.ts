import type { ApiClient } from '@guildserver/api-client';
import { createCliApiClient } from '../api/client.js';
import { type ResolvedTarget, resolveApiTarget } from '../api/target.js';
import type { CliEnvironment } from '../config.js';
import type { Output } from '../progress/renderers.js';

/** What every command gets: the parsed environment, where to write, and the API client (made on first use). */
export interface CommandContext {
  env: CliEnvironment;
  out: Output;
  /** Notes and errors for people; never part of --json output. */
  err: (line: string) => void;
  /** Where the requests go; with the local stack's state when `gs` talks to the local stack. */
  target(): ResolvedTarget;
  api(): ApiClient;
}

export function createCommandContext(env: CliEnvironment, color: boolean): CommandContext {
  let client: ApiClient | undefined;
  let target: ResolvedTarget | undefined;
  const resolved = () => {
    target ??= resolveApiTarget(env);
    return target;
  };
  return {
    env,
    out: {
      write: (text) => process.stdout.write(text),
      isTTY: process.stdout.isTTY === true,
      columns: process.stdout.columns,
      color: color && process.stdout.isTTY === true,
    },
    err: (line) => process.stderr.write(`${line}\n`),
    target: resolved,
    api: () => {
      client ??= createCliApiClient(resolved());
      return client;
    },
  };
}

/** Prints one line on stdout. */
export const say = (ctx: CommandContext, line = '') => ctx.out.write(`${line}\n`);

/** The one JSON document --json promises. */
export const printJson = (ctx: CommandContext, value: unknown) =>
  ctx.out.write(`${JSON.stringify(value, null, 2)}\n`);

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

/** A table indented under a heading line. */
export const indentedTable = (rows: string[][]) =>
  table(rows)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
