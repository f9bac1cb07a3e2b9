import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { verifyStateProof, emptyStateRoot } from './proof.ts';
import type { StateProofResult } from './proof.ts';
import { sha256, toHex, utf8 } from './hash.ts';
import { isDcbtError } from '../errors.ts';
import { StateTree } from '../store/tree.ts';

// urkel's own verifier, as an oracle for what the node's proof format accepts.
const urkel = createRequire(import.meta.url)('urkel') as {
  Proof: { decode(data: Buffer, hash: unknown, bits: number): { verify(root: Buffer, key: Buffer, hash: unknown, bits: number): [number, Buffer | null] } };
};
const urkelHash = {
  size: 32,
  zero: Buffer.alloc(32),
  digest: (d: Uint8Array) => createHash('sha256').update(d).digest(),
  multi: (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest(),
  ctx: {
    h: createHash('sha256'),
    init() {
      this.h = createHash('sha256');
    },
    update(d: Uint8Array) {
      this.h.update(d);
    },
    final() {
      return this.h.digest();
    },
  },
};
function urkelVerify(root: Uint8Array, key: Uint8Array, proof: Uint8Array): StateProofResult | 'invalid' {
  try {
    const [code, value] = urkel.Proof.decode(Buffer.from(proof), urkelHash, 256).verify(Buffer.from(root), Buffer.from(key), urkelHash, 256);
    if (code !== 0) return 'invalid';
    return value === null ? { exists: false } : { exists: true, value: new Uint8Array(value) };
  } catch {
    return 'invalid';
  }
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isDcbtError(error), `expected DcbtError, got ${String(error)}`);
    assert.equal(error.code, 'PROOF_INVALID');
    return (error.details as { reason: string }).reason;
  }
  assert.fail('expected PROOF_INVALID, the proof verified');
}

const key = (tag: string, i: number) => sha256(utf8(`${tag}/${i}`));
const value = (i: number, round: number) => utf8(`record ${i} round ${round} `.padEnd(40 + (i % 80), '.'));

interface Case {
  readonly label: string;
  readonly root: Uint8Array;
  readonly key: Uint8Array;
  readonly proof: Uint8Array;
  readonly expected: StateProofResult;
}

let dir: string;
let tree: StateTree;
let root1: Uint8Array;
let root2: Uint8Array;
const cases: Case[] = [];
const typeOf = (proof: Uint8Array) => proof[1]! >>> 6;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcbt-proof-'));
  tree = await StateTree.open(dir);
  cases.push({ label: 'empty tree', root: emptyStateRoot(), key: key('n', 0), proof: await tree.prove(key('n', 0)), expected: { exists: false } });

  root1 = await tree.commit(new Map(Array.from({ length: 300 }, (_, i) => [toHex(key('n', i)), value(i, 1)])));
  // Round 2 rewrites some names and deletes others, so round-1 proofs go stale.
  const writes = new Map<string, Uint8Array | undefined>();
  for (let i = 0; i < 300; i += 3) writes.set(toHex(key('n', i)), value(i, 2));
  for (let i = 1; i < 300; i += 7) writes.set(toHex(key('n', i)), undefined);
  root2 = await tree.commit(writes);

  for (const i of [0, 3, 5, 298]) {
    cases.push({ label: `present ${i}`, root: root2, key: key('n', i), proof: await tree.prove(key('n', i)), expected: { exists: true, value: await tree.get(key('n', i)) as Uint8Array } });
  }
  cases.push({ label: 'deleted 1', root: root2, key: key('n', 1), proof: await tree.prove(key('n', 1)), expected: { exists: false } });
  // Absent keys end either in a leaf holding another key (collision) or in a prefix the key leaves (short).
  const wanted = new Set([1, 2]);
  for (let i = 0; wanted.size > 0 && i < 10_000; i++) {
    const proof = await tree.prove(key('absent', i));
    if (wanted.delete(typeOf(proof))) cases.push({ label: `absent type ${typeOf(proof)}`, root: root2, key: key('absent', i), proof, expected: { exists: false } });
  }
  assert.equal(wanted.size, 0, 'found absence proofs of both kinds');
  cases.push({ label: 'old root, present', root: root1, key: key('n', 3), proof: await tree.prove(key('n', 3), root1), expected: { exists: true, value: value(3, 1) } });
  cases.push({ label: 'old root, since deleted', root: root1, key: key('n', 8), proof: await tree.prove(key('n', 8), root1), expected: { exists: true, value: value(8, 1) } });
});

after(async () => {
  await tree.close();
  rmSync(dir, { recursive: true, force: true });
});

test('proofs of presence and absence verify, for the current and an older root, with noble and native sha256', () => {
  assert.deepEqual(new Set(cases.map((c) => typeOf(c.proof))), new Set([0, 1, 2, 3]), 'all four proof types covered');
  for (const c of cases) {
    assert.deepEqual(verifyStateProof(c.root, c.key, c.proof), c.expected, c.label);
    assert.deepEqual(verifyStateProof(c.root, c.key, c.proof, (d) => sha256(d)), c.expected, c.label);
    assert.deepEqual(urkelVerify(c.root, c.key, c.proof), c.expected, `urkel agrees: ${c.label}`);
  }
});

test('a proof against the wrong root throws', () => {
  for (const c of cases) {
    const other = c.root === root2 ? root1 : root2;
    assert.equal(reasonOf(() => verifyStateProof(other, c.key, c.proof)), 'hash-mismatch', c.label);
    assert.equal(reasonOf(() => verifyStateProof(sha256(c.root), c.key, c.proof)), 'hash-mismatch', c.label);
  }
  // The round-1 proof of a name changed in round 2 does not pass for the new root.
  const stale = cases.find((c) => c.label === 'old root, present')!;
  assert.equal(reasonOf(() => verifyStateProof(root2, stale.key, stale.proof)), 'hash-mismatch');
});

test('a presence proof does not verify for another key', () => {
  for (const c of cases.filter((x) => x.expected.exists)) {
    assert.ok(['hash-mismatch', 'path-mismatch'].includes(reasonOf(() => verifyStateProof(c.root, key('other', 1), c.proof))), c.label);
  }
});

test('bad root or key lengths throw', () => {
  const c = cases[1]!;
  assert.equal(reasonOf(() => verifyStateProof(c.root.subarray(1), c.key, c.proof)), 'root-length');
  assert.equal(reasonOf(() => verifyStateProof(c.root, c.key.subarray(1), c.proof)), 'key-length');
});

test('every truncation throws, and so does a trailing byte', () => {
  for (const c of cases) {
    for (let n = 0; n < c.proof.length; n++) reasonOf(() => verifyStateProof(c.root, c.key, c.proof.subarray(0, n)));
    const longer = new Uint8Array(c.proof.length + 1);
    longer.set(c.proof);
    assert.equal(reasonOf(() => verifyStateProof(c.root, c.key, longer)), 'trailing-bytes', c.label);
  }
});

/**
 * Every byte of an accepted proof is bound: hashed into the root, or checked by the decoder (the
 * type/depth field, the counts, the bitfield's unused bits, lengths). So every single-byte change
 * throws — none verifies, not even to the same answer. urkel's own decoder is laxer: it ignores
 * the bitfield's unused bits, so there such a change still verifies, to the same answer; it never
 * verifies to a different one.
 */
function checkMutation(c: Case, pos: number, byte: number, laxAccepted: Set<string>): void {
  const mutated = new Uint8Array(c.proof);
  mutated[pos] = byte;
  reasonOf(() => verifyStateProof(c.root, c.key, mutated));
  const theirs = urkelVerify(c.root, c.key, mutated);
  if (theirs !== 'invalid') {
    assert.deepEqual(theirs, c.expected, `urkel never accepts a mutation as a different answer (${c.label} @${pos})`);
    const count = c.proof[2]! | (c.proof[3]! << 8);
    assert.ok(count % 8 !== 0 && pos === 4 + ((count - 1) >>> 3), `urkel accepts only changes to the bitfield's unused bits (${c.label} @${pos})`);
    laxAccepted.add(c.label);
  }
}

test('single-byte mutations never verify (exhaustive bit flips)', () => {
  const laxAccepted = new Set<string>();
  for (const c of cases) {
    for (let pos = 0; pos < c.proof.length; pos++) {
      for (const mask of [0x01, 0x02, 0x10, 0x40, 0x80, 0xff]) checkMutation(c, pos, c.proof[pos]! ^ mask, laxAccepted);
    }
  }
  assert.ok(laxAccepted.size > 0, 'the proofs include a bitfield with unused bits, so the lax case was exercised');
});

test('single-byte mutations never verify (random replacements)', () => {
  const laxAccepted = new Set<string>();
  fc.assert(
    fc.property(fc.nat({ max: cases.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (ci, p, delta) => {
      const c = cases[ci]!;
      const pos = p % c.proof.length;
      checkMutation(c, pos, (c.proof[pos]! + delta) & 0xff, laxAccepted);
    }),
    { numRuns: 3000, seed: 20261121 },
  );
});

test('random bytes never verify', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      reasonOf(() => verifyStateProof(root2, key('n', 0), bytes));
    }),
    { numRuns: 2000, seed: 7 },
  );
});
