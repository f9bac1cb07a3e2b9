import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { simpleOptions, UsageError } from './cli.ts';

const spec = { numbers: { '--txs': 4000, '--rate': 200 }, integers: ['--txs'] as const, strings: ['--node-flags'] as const, flags: ['--json'] };

test('simpleOptions: defaults, numbers, strings and flags', () => {
  const none = simpleOptions([], spec);
  assert.deepEqual(none.numbers, { '--txs': 4000, '--rate': 200 });
  assert.deepEqual(none.strings, {});
  assert.equal(none.flags.size, 0);
  const some = simpleOptions(['--json', '--node-flags', '--perf-basic-prof', '--txs', '15', '--rate', '0.5'], spec);
  assert.deepEqual(some.numbers, { '--txs': 15, '--rate': 0.5 });
  assert.equal(some.strings['--node-flags'], '--perf-basic-prof');
  assert.ok(some.flags.has('--json'));
});

test('simpleOptions: bad input is a UsageError naming the argument', () => {
  for (const [argv, message] of [
    [['--bogus'], /unknown argument --bogus/],
    [['--txs'], /--txs needs a positive number/],
    [['--txs', 'many'], /--txs needs a positive number/],
    [['--txs', '0'], /--txs needs a positive number/],
    [['--txs', '0.5'], /--txs needs a whole number, not 0.5/],
    [['--node-flags'], /--node-flags needs a value/],
    [['--rate', '-1'], /--rate needs a positive number/],
  ] as const) {
    assert.throws(() => simpleOptions(argv, spec), (e: unknown) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  }
});

const benches = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['run.ts', 'prng.ts', 'cli.ts'].includes(f))
  .sort();

test('every bench answers --help with its usage and refuses an unknown argument without a stack trace', () => {
  assert.ok(benches.length >= 6, `benches found: ${benches.join(', ')}`);
  for (const bench of benches) {
    const file = join(import.meta.dirname, bench);
    const help = spawnSync(process.execPath, [file, '--help'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(help.status, 0, `${bench} --help: ${help.stderr}`);
    assert.match(help.stdout, /^usage: /, bench);
    const bad = spawnSync(process.execPath, [file, '--no-such-option'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2, `${bench} --no-such-option: ${bad.stderr}`);
    assert.match(bad.stderr, /unknown (argument|option) --no-such-option\nusage: /, bench);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, `${bench} printed a stack trace`);
  }
});
