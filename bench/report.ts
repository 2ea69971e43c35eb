// How every benchmark shows its figures: aligned tables for people, one JSON line for machines.

export type Cell = string | number;

/** Prints rows as a table whose columns are the keys of the first row. Numbers are right-aligned. */
export function printTable(title: string, rows: Record<string, Cell>[]): void {
  console.log(`\n${title}`);
  const first = rows[0];
  if (!first) {
    console.log('  (no rows)');
    return;
  }
  const columns = Object.keys(first);
  const text = (row: Record<string, Cell>, column: string) => {
    const value = row[column];
    return typeof value === 'number' ? formatNumber(value) : (value ?? '');
  };
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => text(row, column).length)),
  );
  const line = (cells: string[], numeric: boolean[]) =>
    `  ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const numeric = columns.map((column) => typeof first[column] === 'number');
  console.log(line(columns, numeric));
  console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  for (const row of rows) {
    console.log(
      line(
        columns.map((column) => text(row, column)),
        numeric,
      ),
    );
  }
}

/** The machine-readable summary: one line, `{"bench":"<name>",...}`, printed last by each benchmark. */
export function printJsonLine(bench: string, figures: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench, ...figures }));
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Nearest-rank percentile of unsorted samples (0 when there are none). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? 0 : samples.reduce((sum, x) => sum + x, 0) / samples.length;
}

/** Rounds for the JSON line, so it carries figures, not float noise. */
export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
