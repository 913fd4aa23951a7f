#!/usr/bin/env node
// tools/ci/summary.js RESULTS_DIR — the end of ./run_tests.sh (plain Node, no dependencies).
//
// Reads RESULTS_DIR/manifest.tsv, one line per step of the run, in run order:
//   step <TAB> name <TAB> pass|fail <TAB> seconds
//   jest <TAB> tier <TAB> result file (jest --json) <TAB> seconds <TAB> jest's exit code
// A step (install, lint, stack.sh, the unstack test) counts as one test. A jest tier counts its
// tests: numPassedTests passed, numFailedTests + suites that failed to run failed; a missing or
// unreadable result file, or a non-zero exit that no failed test explains, is one failure.
// Prints per-step counts, the failed tests, and last the line `N passed, N failed`; exits 1 when
// anything failed (or nothing passed).
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: summary.js RESULTS_DIR');
  process.exit(2);
}

function readJest(file) {
  try {
    return JSON.parse(fs.readFileSync(path.resolve(dir, file), 'utf8'));
  } catch (err) {
    return { error: err.code === 'ENOENT' ? 'no result file (jest did not finish)' : `unreadable result file: ${err.message}` };
  }
}

function firstLine(text) {
  const line = String(text || '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('●'));
  return (line || '').slice(0, 160);
}

/** Counts of one jest result: passed, failed, and what failed. */
function jestCounts(r, exitCode) {
  if (r.error) return { passed: 0, failed: 1, failures: [r.error] };
  const failures = [];
  let failed = r.numFailedTests || 0;
  for (const suite of r.testResults || []) {
    const file = path.relative(path.resolve(__dirname, '../..'), suite.name || suite.testFilePath || '?');
    const assertions = suite.assertionResults || [];
    for (const a of assertions.filter((x) => x.status === 'failed')) {
      failures.push(`${file}: ${a.fullName || a.title} — ${firstLine((a.failureMessages || [])[0])}`);
    }
    // a suite that failed to run (does not compile, throws on import, a beforeAll outside tests)
    if (suite.status === 'failed' && !assertions.some((x) => x.status === 'failed')) {
      failures.push(`${file}: suite failed to run — ${firstLine(suite.message || suite.failureMessage)}`);
    }
  }
  const runtimeErrors = Math.max(
    r.numRuntimeErrorTestSuites || 0,
    (r.testResults || []).filter((s) => s.status === 'failed' && !(s.assertionResults || []).some((x) => x.status === 'failed')).length,
  );
  failed += runtimeErrors;
  if (exitCode !== 0 && failed === 0) {
    failed = 1;
    failures.push(exitCode === 124 ? 'the tier timed out' : `jest exited ${exitCode} with no failed test`);
  }
  return { passed: r.numPassedTests || 0, failed, failures };
}

const rows = [];
const manifest = path.join(dir, 'manifest.tsv');
const lines = fs.existsSync(manifest) ? fs.readFileSync(manifest, 'utf8').split('\n').filter(Boolean) : [];
for (const line of lines) {
  const [kind, name, value, seconds, exit] = line.split('\t');
  if (kind === 'jest') {
    const c = jestCounts(readJest(value), Number(exit || 0));
    rows.push({ name: `${name} tests`, seconds, ...c });
  } else {
    const ok = value === 'pass';
    rows.push({ name, seconds, passed: ok ? 1 : 0, failed: ok ? 0 : 1, failures: ok ? [] : [`${name} failed (its output is above)`] });
  }
}
if (rows.length === 0) rows.push({ name: 'run_tests.sh', seconds: '', passed: 0, failed: 1, failures: ['no step recorded a result'] });

const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
console.log('');
console.log('Summary:');
for (const r of rows) {
  const time = r.seconds ? `${Number(r.seconds).toFixed(1)}s` : '';
  console.log(`  ${r.name.padEnd(34)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed ${time.padStart(8)}`);
}
const failures = rows.flatMap((r) => r.failures.map((f) => `[${r.name}] ${f}`));
if (failures.length > 0) {
  console.log('');
  console.log('Failed:');
  for (const f of failures.slice(0, 40)) console.log(`  - ${f}`);
  if (failures.length > 40) console.log(`  ... and ${failures.length - 40} more (see the result files in ${dir})`);
}
console.log('');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
