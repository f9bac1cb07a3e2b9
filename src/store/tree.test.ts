import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeCache, StateTree, STATE_VALUE_MAX_BYTES } from './tree.ts';
import { verifyStateProof } from '../chain/proof.ts';
import { sha256, toHex, utf8 } from '../chain/hash.ts';
import { isDcbtError } from '../errors.ts';

const key = (i: number) => sha256(utf8(`key/${i}`));
const val = (s: string) => utf8(s);
const ZERO_ROOT = toHex(new Uint8Array(32));

function writes(entries: Iterable<readonly [number, string | undefined]>): Map<string, Uint8Array | undefined> {
  const out = new Map<string, Uint8Array | undefined>();
  for (const [i, v] of entries) out.set(toHex(key(i)), v === undefined ? undefined : val(v));
  return out;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dcbt-tree-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (error: unknown) => isDcbtError(error) && error.code === code);
}

test('empty tree has the zero root; commit, get, getMany; data survives reopen', async () => {
  await withDir(async (dir) => {
    let tree = await StateTree.open(dir);
    assert.equal(toHex(tree.rootHash()), ZERO_ROOT);
    assert.equal(await tree.get(key(1)), undefined);

    const root = await tree.commit(writes([[1, 'one'], [2, 'two'], [3, 'three']]));
    assert.notEqual(toHex(root), ZERO_ROOT);
    assert.deepEqual(tree.rootHash(), root);
    assert.deepEqual(await tree.get(key(2)), val('two'));
    const many = await tree.getMany([key(1), key(3), key(4)]);
    assert.deepEqual(many, new Map([[toHex(key(1)), val('one')], [toHex(key(3)), val('three')], [toHex(key(4)), undefined]]));
    await tree.close();

    tree = await StateTree.open(dir);
    assert.deepEqual(tree.rootHash(), root);
    assert.deepEqual(await tree.get(key(3)), val('three'));
    const root2 = await tree.commit(writes([[2, undefined], [1, 'uno']]));
    assert.equal(await tree.get(key(2)), undefined);
    assert.deepEqual(await tree.get(key(1)), val('uno'));
    await tree.close();

    tree = await StateTree.open(dir);
    assert.deepEqual(tree.rootHash(), root2);
    // Deleting everything comes back to the empty root, and that is durable too.
    assert.equal(toHex(await tree.commit(writes([[1, undefined], [3, undefined]]))), ZERO_ROOT);
    await tree.close();
    tree = await StateTree.open(dir);
    assert.equal(toHex(tree.rootHash()), ZERO_ROOT);
    await tree.close();
    await tree.close(); // idempotent
    await rejectsWith(() => tree.get(key(1)), 'STATE_TREE_CLOSED');
  });
});

test('async (thread-pool) reads give the same results as the default synchronous ones', async () => {
  await withDir(async (dir) => {
    let tree = await StateTree.open(dir);
    const ws = writes(Array.from({ length: 500 }, (_, i) => [i, `v${i}`] as const));
    const root = await tree.commit(ws);
    await tree.close();
    tree = await StateTree.open(dir, { syncReads: false });
    assert.deepEqual(tree.rootHash(), root);
    assert.deepEqual(await tree.get(key(123)), val('v123'));
    const next = await tree.commit(writes([[7, undefined], [600, 'new']]));
    const proof = await tree.prove(key(7), root);
    assert.deepEqual(verifyStateProof(root, key(7), proof), { exists: true, value: val('v7') });
    await tree.close();
    tree = await StateTree.open(dir);
    assert.deepEqual(tree.rootHash(), next);
    assert.equal(await tree.get(key(7)), undefined);
    await tree.close();
  });
});

type TreeOp = { readonly kind: 'commit' | 'compute-then-commit'; readonly writes: readonly (readonly [number, string | undefined])[] } | { readonly kind: 'reset'; readonly back: number };

const treeOp: fc.Arbitrary<TreeOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('commit' as const, 'compute-then-commit' as const), writes: fc.array(fc.tuple(fc.nat(47), fc.option(fc.string({ maxLength: 12 }), { nil: undefined })), { minLength: 1, maxLength: 24 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), back: fc.nat(5) }) },
);

test('the node cache changes no result: roots, values and proofs match an uncached tree (cache rotating every few nodes)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(treeOp, { minLength: 1, maxLength: 12 }), async (ops) => {
      await withDir(async (dir) => {
        const trees = [
          await StateTree.open(join(dir, 'uncached'), { nodeCacheEntriesMax: 0 }),
          await StateTree.open(join(dir, 'cached'), { nodeCacheEntriesMax: 3 }),
          await StateTree.open(join(dir, 'cached-async'), { nodeCacheEntriesMax: 3, syncReads: false }),
        ];
        try {
          const roots = [toHex(trees[0]!.rootHash())];
          const keys = Array.from({ length: 48 }, (_, i) => key(i));
          for (const [step, op] of ops.entries()) {
            if (op.kind === 'reset') {
              const root = roots[Math.max(0, roots.length - 1 - op.back)]!;
              for (const tree of trees) await tree.resetTo(Buffer.from(root, 'hex'));
              roots.push(root);
            } else {
              const ws = writes(op.writes);
              const results: string[] = [];
              for (const tree of trees) {
                if (op.kind === 'compute-then-commit') await tree.computeRoot(ws);
                results.push(toHex(await tree.commit(ws)));
              }
              assert.equal(new Set(results).size, 1, `roots differ: ${results.join(' ')}`);
              roots.push(results[0]!);
            }
            const [expected, ...others] = await Promise.all(trees.map((tree) => tree.getMany(keys)));
            for (const got of others) assert.deepEqual(got, expected);
            // A present or absent key under the current root, and one under an earlier root (read through urkel's root history).
            const earlier = roots.filter((r) => r !== ZERO_ROOT);
            const asks: [Uint8Array, Uint8Array | undefined][] = [[keys[(step * 7) % keys.length]!, undefined]];
            if (earlier.length > 0) asks.push([keys[(step * 13 + 5) % keys.length]!, Buffer.from(earlier[step % earlier.length]!, 'hex')]);
            for (const [k, root] of asks) {
              const proofs = await Promise.all(trees.map((tree) => tree.prove(k, root)));
              for (const proof of proofs.slice(1)) assert.deepEqual(proof, proofs[0]);
            }
          }
          // Reopened (a new, empty cache), the cached trees still hold what the uncached one holds.
          const expected = await trees[0]!.getMany(keys);
          for (const [i, name] of [[1, 'cached'], [2, 'cached-async']] as const) {
            await trees[i]!.close();
            trees[i] = await StateTree.open(join(dir, name), { nodeCacheEntriesMax: 3 });
            assert.deepEqual(trees[i]!.rootHash(), trees[0]!.rootHash());
            assert.deepEqual(await trees[i]!.getMany(keys), expected);
          }
        } finally {
          for (const tree of trees) await tree.close();
        }
      });
    }),
    { numRuns: 40 },
  );
});

test('NodeCache: at most twice its size, a hit in the old generation moves to the young one, files kept apart, 0 keeps nothing', () => {
  const node = (n: number) => ({ n }) as never;
  const cache = new NodeCache(2);
  cache.set({ index: 1, pos: 10 }, node(1));
  cache.set({ index: 2, pos: 10 }, node(2));
  assert.deepEqual(cache.get({ index: 1, pos: 10 }), { n: 1 }, 'same position in another file is another node');
  assert.deepEqual(cache.get({ index: 2, pos: 10 }), { n: 2 });
  cache.set({ index: 1, pos: 20 }, node(3)); // young full: it becomes the old generation
  assert.equal(cache.size, 3);
  assert.deepEqual(cache.get({ index: 1, pos: 10 }), { n: 1 }, 'found in the old generation, moved to the young one');
  cache.set({ index: 1, pos: 30 }, node(4)); // young {20, 10} full again: the old one (with 2/10) is dropped
  assert.equal(cache.get({ index: 2, pos: 10 }), undefined);
  assert.deepEqual(cache.get({ index: 1, pos: 10 }), { n: 1 });
  for (let i = 0; i < 50; i++) cache.set({ index: 1, pos: 100 + i }, node(i));
  assert.ok(cache.size <= 4, `size ${cache.size}`);

  const off = new NodeCache(0);
  off.set({ index: 1, pos: 10 }, node(1));
  assert.equal(off.get({ index: 1, pos: 10 }), undefined);
  assert.equal(off.size, 0);
  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new NodeCache(bad), (e: unknown) => isDcbtError(e) && e.code === 'STATE_OPTION_INVALID', String(bad));
  }
});

test('a bad nodeCacheEntriesMax is refused before any file is made', async () => {
  await withDir(async (dir) => {
    const where = join(dir, 'tree');
    await rejectsWith(StateTree.open(where, { nodeCacheEntriesMax: -1 }), 'STATE_OPTION_INVALID');
    assert.equal(existsSync(where), false);
  });
});

test('the root depends on the contents only, not on batching or order', async () => {
  await withDir(async (dir) => {
    const a = await StateTree.open(join(dir, 'a'));
    const b = await StateTree.open(join(dir, 'b'));
    await a.commit(writes([[1, 'x'], [2, 'y']]));
    await a.commit(writes([[3, 'z'], [4, 'gone']]));
    const rootA = await a.commit(writes([[4, undefined]]));
    const rootB = await b.commit(writes([[3, 'z'], [2, 'y'], [1, 'x']]));
    assert.deepEqual(rootA, rootB);
    await a.close();
    await b.close();
  });
});

test('computeRoot returns the root commit will produce and changes nothing', async () => {
  await withDir(async (dir) => {
    const tree = await StateTree.open(dir);
    const base = await tree.commit(writes([[1, 'one'], [2, 'two']]));
    const ws = writes([[2, undefined], [3, 'three'], [1, 'ONE']]);
    const computed = await tree.computeRoot(ws);
    assert.deepEqual(tree.rootHash(), base);
    assert.deepEqual(await tree.get(key(2)), val('two'));
    assert.equal(await tree.get(key(3)), undefined);
    assert.deepEqual(await tree.computeRoot(new Map()), base);
    assert.deepEqual(await tree.commit(ws), computed);
    assert.deepEqual(await tree.get(key(1)), val('ONE'));
    await tree.close();
  });
});

test('a commit after computeRoot gives the right root whether or not the write set matches', async () => {
  await withDir(async (dir) => {
    const tree = await StateTree.open(dir);
    const fresh = await StateTree.open(join(dir, 'reference'));
    const a = writes([[1, 'a'], [2, 'b']]);
    const b = writes([[1, 'a'], [2, 'B']]);
    // Same contents in a new map (and another order): reused.
    const computed = await tree.computeRoot(a);
    assert.deepEqual(await tree.commit(writes([[2, 'b'], [1, 'a']])), computed);
    assert.deepEqual(await fresh.commit(a), computed);
    // Different value for a key: not reused.
    const computedB = await tree.computeRoot(b);
    const c = writes([[2, 'c'], [3, undefined]]);
    const committedC = await tree.commit(c);
    assert.notDeepEqual(committedC, computedB);
    assert.deepEqual(committedC, await fresh.commit(c));
    // computeRoot, another commit in between, then the computed set: built again on the new base.
    const d = writes([[4, 'd']]);
    await tree.computeRoot(d);
    const e = writes([[5, 'e']]);
    assert.deepEqual(await tree.commit(e), await fresh.commit(e));
    assert.deepEqual(await tree.commit(d), await fresh.commit(d));
    assert.deepEqual(await tree.get(key(5)), val('e'));
    // A delete against a put of the same key: not reused.
    await tree.computeRoot(writes([[4, undefined]]));
    assert.deepEqual(await tree.commit(writes([[4, 'dd']])), await fresh.commit(writes([[4, 'dd']])));
    await tree.close();
    await fresh.close();
  });
});

test('concurrent commits apply one after the other', async () => {
  await withDir(async (dir) => {
    const tree = await StateTree.open(dir);
    const [, second] = await Promise.all([tree.commit(writes([[1, 'a']])), tree.commit(writes([[2, 'b']]))]);
    assert.deepEqual(second, tree.rootHash());
    assert.deepEqual(await tree.get(key(1)), val('a'));
    assert.deepEqual(await tree.get(key(2)), val('b'));
    await tree.close();
  });
});

test('resetTo an older root brings back its values, durably; proofs work for old roots', async () => {
  await withDir(async (dir) => {
    let tree = await StateTree.open(dir);
    const r1 = await tree.commit(writes([[1, 'v1'], [2, 'v1']]));
    const r2 = await tree.commit(writes([[1, 'v2'], [2, undefined], [3, 'v2']]));
    await tree.commit(writes([[1, 'v3']]));

    const old = await tree.prove(key(2), r1);
    assert.deepEqual(verifyStateProof(r1, key(2), old), { exists: true, value: val('v1') });
    assert.deepEqual(verifyStateProof(tree.rootHash(), key(2), await tree.prove(key(2))), { exists: false });

    await tree.resetTo(r2);
    assert.deepEqual(tree.rootHash(), r2);
    assert.deepEqual(await tree.get(key(1)), val('v2'));
    await tree.close();

    tree = await StateTree.open(dir);
    assert.deepEqual(tree.rootHash(), r2, 'reset survives a restart');
    await tree.resetTo(r1);
    assert.deepEqual(await tree.get(key(2)), val('v1'));
    assert.equal(await tree.get(key(3)), undefined);
    // The chain goes on from the reset root.
    const r4 = await tree.commit(writes([[4, 'v4']]));
    assert.deepEqual(await tree.getMany([key(1), key(4)]), new Map([[toHex(key(1)), val('v1')], [toHex(key(4)), val('v4')]]));
    await rejectsWith(tree.resetTo(sha256(utf8('never'))), 'STATE_ROOT_UNKNOWN');
    await rejectsWith(tree.prove(key(1), sha256(utf8('never'))), 'STATE_ROOT_UNKNOWN');
    assert.deepEqual(tree.rootHash(), r4);
    await tree.close();
  });
});

test('bad input is refused with stable codes, before anything is written', async () => {
  await withDir(async (dir) => {
    const tree = await StateTree.open(dir);
    await rejectsWith(() => tree.get(new Uint8Array(31)), 'STATE_KEY_INVALID');
    await rejectsWith(() => tree.commit(new Map([[toHex(key(1)).toUpperCase(), val('x')]])), 'STATE_KEY_INVALID');
    await rejectsWith(() => tree.commit(new Map([['abcd', val('x')]])), 'STATE_KEY_INVALID');
    await rejectsWith(() => tree.commit(writes([[1, 'ok'], [2, 'x'.repeat(STATE_VALUE_MAX_BYTES + 1)]])), 'STATE_VALUE_TOO_LARGE');
    assert.equal(toHex(tree.rootHash()), ZERO_ROOT);
    await tree.commit(writes([[2, 'x'.repeat(STATE_VALUE_MAX_BYTES)]]));
    assert.equal((await tree.get(key(2)))!.length, STATE_VALUE_MAX_BYTES);
    await rejectsWith(() => tree.resetTo(new Uint8Array(5)), 'STATE_ROOT_INVALID');
    // An empty value is a value, not a deletion.
    await tree.commit(new Map([[toHex(key(3)), new Uint8Array(0)]]));
    assert.deepEqual(await tree.get(key(3)), new Uint8Array(0));
    await tree.close();
  });
});

test('one process per directory; a lock left by a dead process is taken over', async () => {
  await withDir(async (dir) => {
    const tree = await StateTree.open(dir);
    await rejectsWith(StateTree.open(dir), 'STATE_LOCKED');
    await tree.close();

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'lock'), `${dead.stdout}\n`);
    const again = await StateTree.open(dir);
    await again.close();

    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'lock'), `${holder.pid}\n`);
      await rejectsWith(StateTree.open(dir), 'STATE_LOCKED');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

/** Commit n (n ≥ 1) rewrites 200 keys of a 5000-key space and deletes one; its first key holds `n:0`. */
const CHILD = `
import { StateTree } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'tree.ts')).href)};
import { createHash } from 'node:crypto';
const [dir, start] = process.argv.slice(2);
const key = (i) => createHash('sha256').update('crash/' + (i % 5000)).digest();
const hex = (b) => Buffer.from(b).toString('hex');
const tree = await StateTree.open(dir);
process.stdout.write('ready\\n');
for (let n = Number(start); ; n++) {
  const writes = new Map();
  for (let j = 0; j < 200; j++) writes.set(hex(key(n * 200 + j)), Buffer.from(n + ':' + j + ':'.padEnd(100, '~')));
  writes.set(hex(key(n * 37 + 100)), undefined);
  process.stdout.write('pending ' + n + ' ' + hex(await tree.computeRoot(writes)) + '\\n');
  process.stdout.write('ok ' + n + ' ' + hex(await tree.commit(writes)) + '\\n');
}
`;

test('crash safety: SIGKILL at random points always reopens at the last committed root (or the one in flight)', { timeout: 60_000 }, async (t) => {
  await withDir(async (dir) => {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD);
    const treeDir = join(dir, 'tree');
    const rootOf = new Map<number, string>([[0, ZERO_ROOT]]);
    let current = 0; // commit number the tree is at
    let inFlightLanded = 0;
    let killedInFlight = 0;
    let totalCommits = 0;
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

    const CHILD_FIRST_COMMIT_WAIT_MS_MAX = 30_000;
    for (let iteration = 0; iteration < 20; iteration++) {
      const child = spawn(process.execPath, [script, treeDir, String(current + 1)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      // Killed at a random moment after its first commit (not after a fixed time: a loaded
      // machine may take most of a second just to start Node).
      const started = new Promise<void>((done) => {
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (/^ok /m.test(out)) done();
        });
        setTimeout(done, CHILD_FIRST_COMMIT_WAIT_MS_MAX);
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<void>((done) => child.on('exit', () => done()));
      await started;
      await new Promise((done) => setTimeout(done, random() * 400));
      child.kill('SIGKILL');
      await exited;
      assert.ok(!/Error/.test(err), `child failed: ${err}`);

      let lastOk = current;
      let pending: number | undefined;
      for (const line of out.split('\n')) {
        const [what, n, root] = line.split(' ');
        if (what !== 'ok' && what !== 'pending') continue;
        const previous = rootOf.get(Number(n));
        if (previous !== undefined) assert.equal(root, previous, 'pending root equals committed root');
        rootOf.set(Number(n), root!);
        if (what === 'ok') lastOk = Number(n);
        else pending = Number(n);
      }
      const inFlight = pending !== undefined && pending > lastOk ? pending : undefined;

      const tree = await StateTree.open(treeDir);
      const root = toHex(tree.rootHash());
      const allowed = inFlight === undefined ? [lastOk] : [lastOk, inFlight];
      const at = allowed.find((n) => rootOf.get(n) === root);
      assert.ok(at !== undefined, `iteration ${iteration}: reopened at ${root}, expected commit ${allowed.join(' or ')}`);
      if (inFlight !== undefined) killedInFlight++;
      if (at === inFlight) inFlightLanded++;
      totalCommits += at - current;
      current = at;
      if (current > 0) {
        // The contents match the root: the last commit's first key holds its value, with a valid proof.
        const k = sha256(utf8(`crash/${(current * 200) % 5000}`));
        const value = await tree.get(k);
        assert.ok(value !== undefined && new TextDecoder().decode(value).startsWith(`${current}:0:`));
        assert.deepEqual(verifyStateProof(tree.rootHash(), k, await tree.prove(k)), { exists: true, value });
      }
      await tree.close();
    }
    assert.ok(totalCommits > 20, `children made progress (${totalCommits} commits)`);
    t.diagnostic(`${totalCommits} commits; killed during a commit ${killedInFlight} times, of which ${inFlightLanded} had reached the disk`);
  });
});
