import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

test('the tree-cache bench runs end to end at a tiny size and both trees agree', () => {
  const out = execFileSync(process.execPath, [join(import.meta.dirname, 'tree-cache.ts'), '--keys-before', '300', '--blocks', '4', '--block-keys', '50', '--cache-entries', '16', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const r = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(r.keysTimed, 200);
  assert.equal(r.sameRoot, true);
  assert.ok(r.uncachedUsPerKey > 0 && r.cachedUsPerKey > 0);
});
