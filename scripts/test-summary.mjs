// Prints vitest's JSON reports (one per lane) as the plain closing line CI reads: "tests: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const reports = process.argv
  .slice(2)
  .filter((file) => existsSync(file) && readFileSync(file, 'utf8').trim() !== '')
  .map((file) => JSON.parse(readFileSync(file, 'utf8')));
const sum = (key) => reports.reduce((total, report) => total + (report[key] ?? 0), 0);
const skipped = sum('numPendingTests') + sum('numTodoTests');
console.log(`tests: ${sum('numPassedTests')} passed, ${sum('numFailedTests')} failed, ${skipped} skipped`);
process.exit(sum('numFailedTests') > 0 || sum('numTotalTests') === 0 ? 1 : 0);
