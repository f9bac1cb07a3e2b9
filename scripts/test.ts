/**
 * `npm test`: everything the project checks, in one command.
 *  1. Debian packages the tests drive (real DNS servers, resolvers, a browser…): installed when
 *     running as root, otherwise the exact apt-get line is printed and the run fails.
 *  2. Type check and lint.
 *  3. Every `*.test.ts` under src/ and test/ with Node's test runner (the hub on SQLite).
 *  4. The hub's tests again (src/hub and test/e2e/hub*) on PostgreSQL: a throwaway cluster in a
 *     temporary folder, stopped and deleted at the end even when a test fails. `--no-postgres`
 *     skips this pass.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { DNS_TEST_TOOLS } from '../src/dns/testkit.ts';
import { findPostgresBin, HUB_TEST_DATABASE_ENV, POSTGRES_PACKAGE, startPostgresCluster, type PostgresCluster } from '../test/support/postgres.ts';

/**
 * Program the tests run → the Debian package that provides it. One list: the DNS tests name
 * theirs in src/dns/testkit.ts (which also prints the apt-get line when one is missing); the
 * browser tests drive Debian's Chromium (test/support/browser.ts).
 */
const DEBIAN_TOOLS: Record<string, string> = { ...DNS_TEST_TOOLS, chromium: 'chromium' };
const withPostgres = !process.argv.includes('--no-postgres');

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program} || test -x /usr/sbin/${program}`], { stdio: 'ignore' }).status === 0;
}

let cluster: PostgresCluster | undefined;
// process.exit runs 'exit' listeners synchronously: the cluster goes away on every way out.
process.on('exit', () => cluster?.stop());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function run(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stderr.write(`\n${label} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

const missing = [...new Set(Object.entries(DEBIAN_TOOLS).filter(([program]) => !has(program)).map(([, pkg]) => pkg))];
// The server binaries live off PATH, in /usr/lib/postgresql/<version>/bin.
if (withPostgres && findPostgresBin() === undefined) missing.push(POSTGRES_PACKAGE);
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
const testArgs = ['--test', '--test-concurrency=2', '--test-timeout=600000'];
run(`tests (${files.length} files)`, process.execPath, [...testArgs, ...files]);

const hubFiles = files.filter((f) => f.startsWith('src/hub/') || /^test\/e2e\/hub[^/]*\.test\.ts$/.test(f));
if (withPostgres && hubFiles.length > 0) {
  process.stdout.write('\n== starting a throwaway PostgreSQL cluster\n');
  cluster = await startPostgresCluster();
  process.stdout.write(`${cluster.url} (data in ${cluster.dir})\n`);
  run(`hub tests on PostgreSQL (${hubFiles.length} files)`, process.execPath, [...testArgs, ...hubFiles], { ...process.env, [HUB_TEST_DATABASE_ENV]: cluster.url });
  cluster.stop();
  cluster = undefined;
}
