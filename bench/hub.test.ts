import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median, parseOptions, quantile, ROUTES, type BenchReport } from './hub.ts';

test('quantiles, medians and options', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(values, 0.95), 95);
  assert.equal(quantile(values, 0.5), 50);
  assert.equal(quantile(values, 1), 100);
  assert.equal(quantile([7], 0.95), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.deepEqual(parseOptions([]), { seconds: 5, warmupSeconds: 1, connections: 200, rounds: 3, json: false });
  assert.deepEqual(parseOptions(['--seconds', '2', '--rounds', '1', '--connections', '50', '--warmup-seconds', '0', '--json']), { seconds: 2, warmupSeconds: 0, connections: 50, rounds: 1, json: true });
  assert.throws(() => parseOptions(['--seconds', 'x']), /non-negative number/);
  assert.throws(() => parseOptions(['--bogus']), /unknown option/);
});

test('a short run measures the hub, the uncached hub and the bare server on the same bytes', () => {
  const run = spawnSync(process.execPath, [join(import.meta.dirname, 'hub.ts'), '--seconds', '1', '--warmup-seconds', '0', '--rounds', '1', '--connections', '10', '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as BenchReport;
  assert.equal(report.results.length, ROUTES.length * 3);
  for (const route of ROUTES) {
    const rows = report.results.filter((r) => r.path === route.path);
    assert.deepEqual(rows.map((r) => r.server).sort(), ['bare', 'hub', 'hub-nocache']);
    assert.equal(new Set(rows.map((r) => r.bytes)).size, 1, `${route.path}: every server sends the same page`);
    for (const r of rows) {
      assert.ok(r.bytes > 1000, `${r.server} ${r.path}: a real page (${r.bytes} bytes)`);
      assert.ok(r.responses > 0 && r.requestsPerSecond > 0, `${r.server} ${r.path} answered`);
      assert.equal(r.non2xx + r.errors + r.timeouts, 0, `${r.server} ${r.path}: only 2xx`);
      assert.ok(r.p50Ms > 0 && r.p50Ms <= r.p95Ms && r.p95Ms <= r.p99Ms, `${r.server} ${r.path} latencies`);
    }
  }
  assert.equal(report.ratios.length, ROUTES.length * 2);
  assert.ok(report.ratios.every((r) => r.requestsPerSecond > 0 && r.p95 > 0));
  assert.equal(report.goals.length, ROUTES.length);
});
