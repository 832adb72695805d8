// Prints a suite's closing line in the plain form CI reads: "tests: N passed, N failed, N skipped".
// Arguments: the vitest JSON report (default the main suite's) and the line's label (default "tests").
import { readFileSync } from 'node:fs';

const [file = 'test-artifacts/vitest-report.json', label = 'tests'] = process.argv.slice(2);
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${label}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} catch (err) {
  console.log(`${label}: no report (${err.message})`);
}
