import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TreeResult } from './state.ts';

test('bench/state.ts runs end to end at a tiny N and reports sane figures for both trees', () => {
  const run = spawnSync(process.execPath, [join(import.meta.dirname, 'state.ts'), '--names', '2000', '--lookups', '200', '--proofs', '100', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /\[urkel\] 2000\/2000 names/);
  const { urkel, mpt } = JSON.parse(run.stdout) as { urkel: TreeResult; mpt: TreeResult };
  for (const r of [urkel, mpt]) {
    assert.equal(r.names, 2000);
    assert.match(r.root, /^[0-9a-f]{64}$/);
    assert.ok(r.buildMs > 0 && r.namesPerSecond > 0);
    assert.ok(r.proofBytesMean > 100 && r.proofBytesMax >= r.proofBytesMean);
    assert.ok(r.verifyUsMean > 0 && r.lookupUsP50 > 0 && r.lookupUsP99 >= r.lookupUsP50);
    assert.ok(r.rssMB > 0 && r.diskMB > 0);
  }
  assert.equal(urkel.tree, 'urkel');
  assert.equal(mpt.tree, 'mpt');
  assert.notEqual(urkel.root, mpt.root);
  assert.ok(urkel.verifyNobleUsMean! > 0);
  // Structural, not timing: a base-2 tree's proof carries ~log2(N) 32-byte siblings, an MPT's a few full 17-way nodes.
  assert.ok(urkel.proofBytesMean < mpt.proofBytesMean);
});
