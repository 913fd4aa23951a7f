// The all-in-one stack's memory functions (deploy/allinone/memory.sh, sourced by lib.sh): the budget
// lookup, the allocator environment every service gets, the steady RSS sampling and the summary's
// memory table with its budget check, run in bash against processes this test starts.
// Run: node --test tools/ci/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../../..');

/** Runs `script` in bash after sourcing lib.sh (state in a throwaway directory); its stdout. */
function bash(script, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-memory-'));
  try {
    return execFileSync('bash', ['-c', `set -euo pipefail; . "$KUMO_ROOT/deploy/allinone/lib.sh"\n${script}`], {
      env: { ...process.env, KUMO_ROOT: root, KUMO_STACK_DIR: dir, ...env },
      encoding: 'utf8',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A process that holds `mib` MiB of touched memory until killed; `ready` once it has them (a loaded machine can take seconds). */
function holder(mib) {
  const p = spawn(process.execPath, ['-e', `globalThis.b = Buffer.alloc(${mib} * 1048576, 1); process.stdout.write('ready\\n'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'ignore'] });
  p.ready = new Promise((resolve) => p.stdout.once('data', resolve));
  return p;
}

test('every process gets the 120 MiB budget unless a pattern gives it another', () => {
  const out = bash(`KUMO_MEMORY_BUDGETS=("object-node*|150" "image|100"); for s in identity object-node2 image; do svc_budget $s; done`);
  assert.deepEqual(out.trim().split('\n'), ['120', '150', '100']);
});

test('services run on jemalloc when its library is there, on glibc when not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-jemalloc-'));
  try {
    const lib = join(dir, 'libjemalloc.so.2');
    writeFileSync(lib, '');
    const env = bash('svc_env identity "NODE_OPTIONS=--max-semi-space-size=4"', { KUMO_JEMALLOC: lib }).trim().split('\n');
    assert.ok(env.includes(`LD_PRELOAD=${lib}`), env.join(' '));
    assert.ok(env.some((l) => /^MALLOC_CONF=background_thread:true,dirty_decay_ms:\d+,muzzy_decay_ms:0$/.test(l)), env.join(' '));
    // the line's own environment comes after (env and systemd: the last one counts)
    assert.ok(env.indexOf('NODE_OPTIONS=--max-semi-space-size=4') > env.indexOf(`LD_PRELOAD=${lib}`));
    const without = bash('svc_env identity ""', { KUMO_JEMALLOC: join(dir, 'missing.so') });
    assert.doesNotMatch(without, /LD_PRELOAD|MALLOC_CONF/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('steady_rss waits, then reads each process once its RSS stopped moving; a gone one is "-"', async () => {
  const p = holder(40);
  await p.ready;
  try {
    const started = Date.now();
    const [rss, gone] = bash(`steady_rss ${p.pid} 999999999`, { KUMO_SETTLE_SECONDS: '1', KUMO_STEADY_WAIT: '10' }).trim().split('\n');
    assert.ok(Date.now() - started >= 3000, 'one settle second and three samples');
    assert.ok(Number(rss) > 40, rss);
    assert.equal(gone, '-');
  } finally {
    p.kill();
  }
});

test('steady_rss marks a process still moving after KUMO_STEADY_WAIT with "~"', async () => {
  // grows 8 MiB a second, for longer than the wait
  const p = spawn(process.execPath, ['-e', 'const k = []; setInterval(() => k.push(Buffer.alloc(8 * 1048576, 1)), 400)'], { stdio: 'ignore' });
  try {
    const out = bash(`steady_rss ${p.pid}`, { KUMO_SETTLE_SECONDS: '0', KUMO_STEADY_WAIT: '4' }).trim();
    assert.match(out, /^~\d+(\.\d)?$/);
  } finally {
    p.kill();
  }
});

test('the memory table lists RSS, steady RSS and budget, totals them, and names who is over budget', async () => {
  const small = holder(10);
  const big = holder(150);
  await Promise.all([small.ready, big.ready]);
  try {
    // two services whose pids are these processes (svc_pid normally checks they are Kumo's)
    const out = bash(
      `KUMO_SERVICES=("small|x.js|5|u|" "big|y.js|6,7|u|" "down|z.js|8|u|")
       svc_pid() { case "$1" in small) echo ${small.pid} ;; big) echo ${big.pid} ;; *) return 1 ;; esac; }
       memory_table`,
      { KUMO_SETTLE_SECONDS: '0', KUMO_STEADY_WAIT: '10' },
    );
    const rows = Object.fromEntries(
      out
        .split('\n')
        .filter((l) => /^ {2}(small|big|down|total) /.test(l))
        .map((l) => l.trim().split(/\s+/))
        .map((f) => [f[0], f]),
    );
    assert.equal(rows.small[1], String(small.pid));
    assert.equal(rows.small[5], '120');
    assert.ok(Number(rows.big[3]) > 150 && Number(rows.big[4]) > 150, out);
    assert.deepEqual(rows.down.slice(1), ['-', '8', '-', '-', '120']);
    assert.ok(Math.abs(Number(rows.total[1]) - Number(rows.small[3]) - Number(rows.big[3])) < 0.2, out);
    assert.match(out, /STEADY: once each process settled/);
    assert.match(out, /over budget \(steady RSS, docs\/operations\.md\):.* big \(\d+(\.\d)? MiB > 120\)/);
    assert.doesNotMatch(out, /small \(/);
    assert.match(out, /PSS of all \(shared pages counted once\): \d+(\.\d)? of 1024 MiB/);
  } finally {
    small.kill();
    big.kill();
  }
});
