import type { DemoReporter } from './demo-flow.js';

/** Plain progress lines: readable in a terminal and in a CI log alike. */
export function consoleReporter(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): DemoReporter {
  return {
    step: (title) => write(`• ${title}…`),
    done: (detail) => write(`  ✓ ${detail}`),
    note: (detail) => write(`  · ${detail}`),
  };
}
