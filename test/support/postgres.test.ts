import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { TEST_DATABASE_ENV } from '../../src/hub/testing.ts';
import { findPostgresBin, HUB_TEST_DATABASE_ENV, startPostgresCluster } from './postgres.ts';

test('npm test and the hub tests name the same variable', () => {
  assert.equal(HUB_TEST_DATABASE_ENV, TEST_DATABASE_ENV);
});

test('a throwaway cluster starts, takes connections and databases, and is gone after stop', async () => {
  assert.ok(findPostgresBin(), 'PostgreSQL server binaries are installed (npm test installs them)');
  const cluster = await startPostgresCluster();
  try {
    assert.match(cluster.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      await client.query('CREATE DATABASE probe');
      const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = 'probe'");
      assert.deepEqual(rows, [{ datname: 'probe' }]);
      // The durability settings that keep the test run fast are in effect.
      assert.equal((await client.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync, 'off');
    } finally {
      await client.end();
    }
  } finally {
    cluster.stop();
  }
  assert.equal(existsSync(cluster.dir), false);
  cluster.stop(); // a second stop is harmless
  const refused = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2000 });
  await assert.rejects(refused.connect());
});

test('missing server binaries are reported, and nothing is left behind', async () => {
  assert.equal(findPostgresBin('/nonexistent'), undefined);
  await assert.rejects(startPostgresCluster({ binDir: '/nonexistent/bin' }), (error: Error & { code?: string; details?: { dir?: string } }) => {
    assert.equal(error.code, 'POSTGRES_CLUSTER');
    assert.match(error.message, /initdb failed/);
    assert.equal(existsSync(error.details?.dir ?? '/'), false);
    return true;
  });
});

test('a cluster whose test run is killed outright is stopped and deleted by its watchdog', async () => {
  const source = `import { startPostgresCluster } from ${JSON.stringify(new URL('./postgres.ts', import.meta.url).href)};
const c = await startPostgresCluster();
console.log(JSON.stringify({ url: c.url, dir: c.dir }));
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const { url, dir } = JSON.parse(line) as { url: string; dir: string };
  assert.ok(existsSync(dir));
  child.kill('SIGKILL');
  const deadlineMs = Date.now() + 20_000;
  while (existsSync(dir) && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(existsSync(dir), false, 'the folder is gone');
  const refused = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await assert.rejects(refused.connect(), 'the server is stopped');
});
