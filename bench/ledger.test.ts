import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

test('the ledger bench runs end to end at a tiny size and reports every figure', () => {
  const out = execFileSync(process.execPath, [join(import.meta.dirname, 'ledger.ts'), '--names', '60', '--block-txs', '50', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(r.txs, 180);
  assert.equal(r.blocks, 6);
  for (const k of ['verifyPerSec', 'pureTxPerSec', 'nodeTxPerSec', 'replayTxPerSec']) assert.ok(r[k] > 0, k);
});
