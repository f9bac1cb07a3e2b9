import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash, voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { keyPairFromSecret } from '../chain/crypto.ts';
import { compareBytes } from '../chain/hash.ts';
import type { Block, CommitCertificate } from '../chain/types.ts';
import { duplicateVoteEvidence, signedVoteBytes } from '../consensus/codec.ts';
import { SimChain, simGenesis, txPool } from './chain.ts';
import { Checker } from './checker.ts';
import { simSigner, simVerifier } from './crypto.ts';
import { Rng } from './prng.ts';
import { replayCommand, runSimulation, type SimResult, type SimStats } from './world.ts';

/** The CI campaign: every run must pass every check. */
const CI_SEEDS = 500;

function describeFailures(results: readonly SimResult[]): string {
  return results
    .filter((r) => !r.ok)
    .slice(0, 10)
    .map((r) => `seed ${r.seed}: ${r.violations.map((v) => `${v.kind}: ${v.message}`).join('; ')}\n  replay: ${replayCommand(r.seed)}`)
    .join('\n');
}

test(`${CI_SEEDS} seeds: agreement, validity, no equivocation by correct validators, sound evidence, liveness after the heal`, () => {
  const results: SimResult[] = [];
  for (let seed = 1; seed <= CI_SEEDS; seed++) results.push(runSimulation(seed));
  const failed = results.filter((r) => !r.ok);
  assert.equal(failed.length, 0, `failing seeds:\n${describeFailures(results)}`);
  // The runs exercised what they claim to: faults happened and the adversary acted.
  const sum = (k: keyof SimStats) => results.reduce((n, r) => n + r.stats[k], 0);
  const count = (p: (r: SimResult) => boolean) => results.filter(p).length;
  assert.ok(count((r) => r.stats.byzantine > 0) > CI_SEEDS / 3, 'a third of the runs or more have a Byzantine validator');
  assert.ok(sum('evidence') > 100, 'equivocation was detected as evidence');
  assert.ok(sum('crashes') > CI_SEEDS / 2 && sum('restarts') > CI_SEEDS / 2, 'validators crashed and restarted');
  assert.ok(sum('tornCrashes') > 50, 'some crashes came half-way through handling a Ready');
  assert.ok(sum('partitions') > CI_SEEDS / 2, 'partitions happened');
  assert.ok(sum('dropped') > 0 && sum('duplicated') > 0, 'messages were lost and duplicated');
  assert.ok(sum('garbage') > 0, 'malformed messages reached the codec');
  assert.ok(sum('syncedBlocks') > 0, 'lagging validators caught up by block sync');
  assert.ok(sum('roundMax') > CI_SEEDS, 'rounds beyond 0 were needed');
  assert.ok(Math.min(...results.map((r) => r.stats.heightMin)) >= 5, 'every correct validator finalised at least 5 blocks in every run');
});

test('the checker is not vacuous: two Byzantine validators of four fork the chain, and that is reported', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const r = runSimulation(seed, { byzantine: 2, byzantineMode: 'fork', faults: false });
    assert.equal(r.ok, false, `seed ${seed}: the fork went unnoticed`);
    assert.equal(r.violations[0]!.kind, 'agreement', `seed ${seed}: ${r.violations[0]?.message}`);
  }
});

test('the checker is not vacuous: a driver that forgets the persisted state makes validators equivocate, and that is reported', () => {
  const results = Array.from({ length: 30 }, (_, i) => runSimulation(i + 1, { byzantine: 0, brokenDriverForgetsPersistedState: true }));
  const caught = results.filter((r) => !r.ok);
  assert.ok(caught.length >= 3, `only ${caught.length} of 30 runs caught an equivocation`);
  for (const r of caught) assert.equal(r.violations[0]!.kind, 'equivocation');
  // The same seeds with the persisted state kept are clean.
  for (const r of caught.slice(0, 5)) assert.equal(runSimulation(r.seed, { byzantine: 0 }).ok, true);
});

test('one seed, one run: replays are exact', () => {
  const a = runSimulation(42);
  const b = runSimulation(42);
  assert.deepEqual(a, b);
  assert.notDeepEqual(runSimulation(43).stats, a.stats);
});

test('with real Ed25519 signatures the runs pass too', () => {
  for (let seed = 1; seed <= 3; seed++) {
    const r = runSimulation(seed, { crypto: 'ed25519', liveMs: 6000 });
    assert.ok(r.ok, describeFailures([r]));
    assert.ok(r.stats.heightMin >= 5, `seed ${seed}: only ${r.stats.heightMin} blocks`);
  }
});

test('the replay command names the seed and every non-default option', () => {
  assert.equal(replayCommand(7), 'npm run sim -- --seed 7 --trace');
  assert.equal(replayCommand(7, { byzantine: 2, byzantineMode: 'fork', faults: false, crypto: 'ed25519' }), 'npm run sim -- --seed 7 --byzantine 2 --mode fork --crypto ed25519 --no-faults --trace');
});

// ---- the checker on hand-made histories ---------------------------------------------------------

const keys = [0, 1, 2, 3].map((i) => keyPairFromSecret(new Uint8Array(32).fill(1 + i)));
const genesis = simGenesis(keys.map((k) => k.publicKey), 1_700_000_000_000);
const verify = simVerifier('fast');
const set = { fromHeight: 1, validators: genesis.validators };

function certify(block: Block, signers: readonly number[], round = 0): CommitCertificate {
  const hash = blockHash(block.header);
  const signatures = signers
    .map((i) => ({ validator: keys[i]!.publicKey, signature: simSigner(keys[i]!, 'fast').sign(voteSigningBytes(genesis.chainId, VoteStep.PRECOMMIT, block.header.height, round, hash)) }))
    .sort((a, b) => compareBytes(a.validator, b.validator));
  return { height: block.header.height, round, blockHash: hash, signatures };
}

function checker(byzantine: readonly number[] = []): Checker {
  return new Checker(genesis, txPool(genesis), verify, () => set, new Set(byzantine.map((i) => Buffer.from(keys[i]!.publicKey).toString('hex'))));
}

test('checker: two different final blocks at one height break agreement', () => {
  const chain = new SimChain(genesis, txPool(genesis));
  const a = chain.build(keys[0]!.publicKey, genesis.timeMs + 10, 1);
  const b = chain.build(keys[1]!.publicKey, genesis.timeMs + 20, 2);
  const c = checker();
  c.onFinal(0, a, certify(a, [0, 1, 2]), 1);
  c.onFinal(1, a, certify(a, [1, 2, 3]), 2);
  assert.equal(c.ok, true);
  c.onFinal(2, b, certify(b, [0, 1, 3]), 3);
  assert.deepEqual(c.violations.map((v) => v.kind), ['agreement']);
});

test('checker: an invalid block or a short certificate breaks validity', () => {
  const chain = new SimChain(genesis, txPool(genesis));
  const good = chain.build(keys[0]!.publicKey, genesis.timeMs + 10, 1);
  const c1 = checker();
  c1.onFinal(0, good, certify(good, [0, 1]), 1); // 2 of 4 is not more than 2/3
  assert.deepEqual(c1.violations.map((v) => v.kind), ['validity']);
  const bad: Block = { header: { ...good.header, stateRoot: new Uint8Array(32).fill(7) }, txs: good.txs };
  const c2 = checker();
  c2.onFinal(0, bad, certify(bad, [0, 1, 2]), 1);
  assert.deepEqual(c2.violations.map((v) => v.kind), ['validity']);
});

test('checker: a correct validator signing twice is equivocation; evidence must name only Byzantine validators', () => {
  const sign = (i: number, hash: Uint8Array | null) => {
    const unsigned = { step: VoteStep.PREVOTE, height: 1, round: 0, blockHash: hash };
    return { ...unsigned, validator: keys[i]!.publicKey, signature: simSigner(keys[i]!, 'fast').sign(signedVoteBytes(genesis.chainId, unsigned)) };
  };
  const c = checker([3]);
  c.onSend(0, { type: 'vote', vote: sign(0, null) }, 1);
  c.onSend(0, { type: 'vote', vote: sign(0, null) }, 2);
  assert.equal(c.ok, true, 'sending the same vote again is fine');
  c.onSend(0, { type: 'vote', vote: sign(0, new Uint8Array(32).fill(1)) }, 3);
  assert.deepEqual(c.violations.map((v) => v.kind), ['equivocation']);
  const c2 = checker([3]);
  c2.onEvidence(1, duplicateVoteEvidence(sign(3, null), sign(3, new Uint8Array(32).fill(1))), 1);
  assert.equal(c2.ok, true, 'evidence against the Byzantine validator');
  c2.onEvidence(1, duplicateVoteEvidence(sign(2, null), sign(2, new Uint8Array(32).fill(1))), 2);
  assert.deepEqual(c2.violations.map((v) => v.kind), ['evidence']);
});

test('checker: liveness wants a block soon after the heal and then at least every gap', () => {
  const chain = new SimChain(genesis, txPool(genesis));
  const c = checker();
  let t = 1000;
  for (const at of [1500, 2500, 9000]) {
    const block = chain.build(keys[0]!.publicKey, genesis.timeMs + at, 0);
    c.onFinal(0, block, certify(block, [0, 1, 2]), (t = at));
    chain.commit(block, certify(block, [0, 1, 2]));
  }
  const waits = c.checkLiveness([0], 1000, t + 500, { firstBoundMs: 1000, gapBoundMs: 5000 });
  assert.deepEqual(waits, { firstMs: 500, gapMs: 6500 });
  assert.deepEqual(c.violations.map((v) => v.kind), ['liveness']);
  assert.match(c.violations[0]!.message, /6500 ms after its last block/);
});

test('rng: one seed, one sequence; children are independent streams', () => {
  const a = new Rng(5);
  const b = new Rng(5);
  assert.deepEqual([a.next(), a.int(1, 6), a.chance(0.5)], [b.next(), b.int(1, 6), b.chance(0.5)]);
  assert.notEqual(new Rng(5).child('x').next(), new Rng(5).child('y').next());
  const r = new Rng(9);
  for (let i = 0; i < 1000; i++) {
    const n = r.int(3, 7);
    assert.ok(n >= 3 && n <= 7);
  }
});
