// Sums the runners' JSON reports into the one closing line CI reads: "N passed, N failed".
import fs from 'node:fs';
import path from 'node:path';

const [dir, failedSteps = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const file of fs.readdirSync(dir).filter((f) => /^vitest-.*\.json$/.test(f))) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  process.stdout.write(`  ${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed\n`);
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
// exitCode, not exit(): stdout may be a pipe, and exit() could cut the last line short.
process.exitCode = failed > 0 || Number(failedSteps) > 0 ? 1 : 0;
