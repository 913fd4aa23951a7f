#!/usr/bin/env node
// Summarises a test run: every jest JSON result in the results directory plus the step results
// (steps.tsv: name<TAB>pass|fail), prints per-tier counts and the final line `N passed, N failed`,
// and exits non-zero when anything failed.
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
let passed = 0;
let failed = 0;
const rows = [];

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const tier = path.basename(file, '.json');
  let r;
  try {
    r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  } catch {
    rows.push([tier, 0, 1, 'result file unreadable']);
    failed += 1;
    continue;
  }
  // a suite that failed to run (compile error, missing prerequisite) counts as one failure
  const broken = (r.testResults || []).filter((s) => s.status === 'failed' && (s.assertionResults || []).length === 0);
  const p = r.numPassedTests || 0;
  const f = (r.numFailedTests || 0) + broken.length;
  passed += p;
  failed += f;
  rows.push([tier, p, f, broken.map((s) => path.relative(process.cwd(), s.name)).join(', ')]);
}

const steps = path.join(dir, 'steps.tsv');
if (fs.existsSync(steps)) {
  for (const line of fs.readFileSync(steps, 'utf8').split('\n').filter(Boolean)) {
    const [name, result] = line.split('\t');
    const ok = result === 'pass';
    passed += ok ? 1 : 0;
    failed += ok ? 0 : 1;
    rows.push([name, ok ? 1 : 0, ok ? 0 : 1, '']);
  }
}

console.log('');
for (const [tier, p, f, note] of rows) {
  console.log(`  ${tier.padEnd(28)} ${String(p).padStart(4)} passed ${String(f).padStart(4)} failed${note ? `  (${note})` : ''}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
