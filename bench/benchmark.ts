/** One benchmark: a name to pick it by (`pnpm bench <name>`), a line saying what it measures, and a run. */
export interface Benchmark {
  name: string;
  summary: string;
  /** Prints its tables and, last, one JSON line (see report.ts). Never asserts on timings. */
  run(): Promise<void>;
}
