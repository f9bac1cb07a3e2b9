import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { BenchReport } from './dns.ts';
import { parseDnsperf, queryLines } from './dns.ts';

const tiny = ['--names', '50', '--queries', '200', '--seconds', '1', '--latency-seconds', '1', '--latency-prerun-seconds', '1', '--latency-qps', '2000', '--rounds', '1', '--json'];

function runBench(extra: readonly string[]): BenchReport {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, 'dns.ts'), ...tiny, ...extra], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as BenchReport;
}

function checkSane(report: BenchReport, servers: readonly string[]): void {
  assert.deepEqual(report.results.map((s) => s.server), servers);
  for (const s of report.results) {
    assert.ok(s.qps > 0, `${s.server} answered`);
    assert.ok(s.lostPercent < 50, `${s.server} lost ${s.lostPercent} %`);
    assert.ok(s.p99Ms >= s.p50Ms && s.p50Ms > 0, `${s.server} latencies`);
    if (s.server !== 'bare') {
      assert.ok((s.rcodes.NOERROR ?? 0) > 0 && (s.rcodes.NXDOMAIN ?? 0) > 0, `${s.server} RCODEs ${JSON.stringify(s.rcodes)}`);
      assert.equal(s.rcodes.SERVFAIL ?? 0, 0);
    }
  }
  assert.ok(report.ratios.dcbtOverBare! > 0 && report.ratios.dcbtOverBareTable! > 0);
  const dcbt = report.results.find((s) => s.server === 'dcbt')!;
  const table = report.results.find((s) => s.server === 'bare-table')!;
  assert.ok(Math.abs(table.responseBytesMean - dcbt.responseBytesMean) / dcbt.responseBytesMean < 0.05, `bare-table sends DCBT's answers: ${table.responseBytesMean} vs ${dcbt.responseBytesMean} bytes`);
  assert.ok(report.goals.some((g) => g.name.includes('bare')));
}

test('the query mix: 60 % existing names, 20 % referrals, 20 % non-existent', () => {
  const lines = queryLines(1000, 10_000);
  const share = (re: RegExp): number => lines.filter((l) => re.test(l)).length / lines.length;
  assert.ok(Math.abs(share(/^n\d+\.dcbt\.test\. A$/) - 0.6) < 0.03);
  assert.ok(Math.abs(share(/^www\.n\d*[49]\.dcbt\.test\. A$/) - 0.2) < 0.03);
  assert.ok(Math.abs(share(/^nx\d+\.dcbt\.test\. A$/) - 0.2) < 0.03);
  assert.deepEqual(queryLines(1000, 50), queryLines(1000, 50), 'deterministic');
});

test('dnsperf output is parsed, per-query latencies included', () => {
  const r = parseDnsperf(`> NOERROR n1.dcbt.test. A 0.000120
> NXDOMAIN nx2.dcbt.test. A 0.000300
Statistics:

  Queries sent:         2
  Queries completed:    2 (100.00%)
  Queries lost:         0 (0.00%)

  Response codes:       NOERROR 1 (50.00%), NXDOMAIN 1 (50.00%)
  Average packet size:  request 40, response 250
  Run time (s):         1.000100
  Queries per second:   1.999800

  Average Latency (s):  0.000210 (min 0.000120, max 0.000300)
`);
  assert.deepEqual(r.latenciesMs.map((x) => Math.round(x * 1000) / 1000), [0.12, 0.3]);
  assert.equal(r.sent, 2);
  assert.equal(r.completed, 2);
  assert.equal(r.qps, 1.9998);
  assert.deepEqual(r.rcodes, { NOERROR: 1, NXDOMAIN: 1 });
  assert.equal(r.responseBytesMean, 250);
  assert.ok(Math.abs(r.avgLatencyMs - 0.21) < 1e-9);
});

test('bench/dns.ts runs end to end at a tiny size with whatever is installed', () => {
  const report = runBench([]);
  const tools = report.loadGenerator === 'dnsperf' && !report.notes.some((n) => n.includes('NSD not'));
  checkSane(report, tools ? ['dcbt', 'dcbt-live', 'dcbt-nocache', 'nsd', 'bare-table', 'bare'] : ['dcbt', 'dcbt-live', 'dcbt-nocache', 'bare-table', 'bare']);
  if (!tools) assert.ok(report.notes.length > 0, 'says what was left out');
  if (tools) assert.ok(report.ratios.dcbtOverNsd! > 0);
});

test('bench/dns.ts without dnsperf and NSD: DCBT and the bare responder under the Node.js load generator, and it says so', () => {
  const report = runBench(['--without', 'dnsperf,nsd']);
  assert.equal(report.loadGenerator, 'node');
  assert.match(report.notes.join('\n'), /dnsperf not used/);
  checkSane(report, ['dcbt', 'dcbt-live', 'dcbt-nocache', 'bare-table', 'bare']);
});
