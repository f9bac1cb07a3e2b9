/**
 * `npm test`: everything the project checks, in one command.
 *  1. Debian packages the tests drive (real DNS servers, resolvers, a browser…): installed when
 *     running as root, otherwise the exact apt-get line is printed and the run fails.
 *  2. Type check and lint.
 *  3. Every `*.test.ts` under src/ and test/ with Node's test runner.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { DNS_TEST_TOOLS } from '../src/dns/testkit.ts';

/**
 * Program the tests run → the Debian package that provides it. One list: the DNS tests name
 * theirs in src/dns/testkit.ts (which also prints the apt-get line when one is missing).
 */
const DEBIAN_TOOLS: Record<string, string> = { ...DNS_TEST_TOOLS };

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`], { stdio: 'ignore' }).status === 0;
}

function run(label: string, command: string, args: string[]): void {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n${label} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

const missing = [...new Set(Object.entries(DEBIAN_TOOLS).filter(([program]) => !has(program)).map(([, pkg]) => pkg))];
if (missing.length > 0) {
  const line = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() === 0) {
    // policy-rc.d = 101 keeps Debian from starting unbound, knot or nsd as services on port 53:
    // the tests run their own instances on free loopback ports.
    const guard = `if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi`;
    run('installing Debian packages the tests need', 'sh', ['-c', `${guard}; DEBIAN_FRONTEND=noninteractive ${line}`]);
  } else {
    process.stderr.write(`The tests need Debian packages that are not installed. As root, run:\n  ${line}\n`);
    process.exit(1);
  }
}

const skipStatic = process.argv.includes('--no-static');
if (!skipStatic) {
  run('type check (tsc --noEmit)', 'npx', ['tsc', '--noEmit']);
  run('lint (eslint)', 'npx', ['eslint', '.']);
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = only.length > 0 ? only : globSync(['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'content/**/*.test.ts']).sort();
run(`tests (${files.length} files)`, process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=600000', ...files]);
