/**
 * `dcbt name register` killed between COMMIT and REGISTER resumes on the next run with the saved
 * salt: the name is not lost, nobody else's commitment is needed, and the pending entry is cleared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DCBT_BIN, runDcbt, startDcbt, stop } from '../support/processes.ts';

test('a registration killed after its COMMIT is final resumes and completes with the saved salt', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'dcbt-e2e-resume-'));
  const node = await startDcbt<{ rpc: string }>(['start', '--rpc-port', '0', '--dns-port', '0', '--hub-port', '0'], { cwd });
  try {
    const rpc = ['--rpc', node.ready.rpc];
    assert.equal((await runDcbt(['wallet', 'new'], { cwd })).code, 0);

    const child = spawn(process.execPath, [DCBT_BIN, 'name', 'register', 'carol', '--a', '198.51.100.7', ...rpc], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`COMMIT never became final: ${stderr}`)), 30_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/COMMIT: final in block/.test(stderr)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.on('exit', r));

    const pending = JSON.parse(await readFile(join(cwd, '.dcbt', 'wallet.pending.json'), 'utf8'));
    assert.ok(pending.carol?.salt, 'the salt was saved before the COMMIT was sent');
    assert.ok(pending.carol.commitTxId, 'the COMMIT id was saved');
    const show = await runDcbt(['name', 'show', 'carol', ...rpc], { cwd });
    assert.notEqual(show.code, 0, 'carol must not be registered yet');

    // Run again without the record flags: the saved records are used.
    const resumed = await runDcbt(['name', 'register', 'carol', ...rpc], { cwd });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming the registration of carol/);
    const name = JSON.parse((await runDcbt(['name', 'show', 'carol', '--json', ...rpc], { cwd })).stdout);
    assert.deepEqual(name.records, [{ host: '', type: 'A', value: '198.51.100.7' }]);
    const after = JSON.parse(await readFile(join(cwd, '.dcbt', 'wallet.pending.json'), 'utf8'));
    assert.equal(after.carol, undefined);
  } finally {
    await stop(node.child);
    await rm(cwd, { recursive: true, force: true });
  }
});
