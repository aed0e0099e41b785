// Writes the totals for .ci/run, which prints them as its last line ("N passed, N failed").
const fs = require('node:fs');

class CountReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const file = process.env.VULNGATE_COUNT_FILE;
    if (file) fs.writeFileSync(file, `${results.numPassedTests} ${failed}\n`);
  }
}

module.exports = CountReporter;
