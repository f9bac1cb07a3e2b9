import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitmentHash } from '../../codec.ts';
import { TxType } from '../../types.ts';
import { Overlay } from '../state.ts';
import { T0, TestChain, aRecord, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const salt = new Uint8Array(32).fill(3);
const alice = testKey(1);
const bob = testKey(2);

function setup(overrides = {}) {
  const { genesis, validator } = testGenesis(overrides);
  return new TestChain(genesis, validator);
}
const commitFor = (chain: TestChain, key = alice, name = 'alice', s = salt) =>
  chain.tx(key, { type: TxType.COMMIT, commitment: commitmentHash(name, key.publicKey, s) });
const registerFor = (chain: TestChain, key = alice, name = 'alice', s = salt, records = [aRecord([192, 0, 2, 1])]) =>
  chain.tx(key, { type: TxType.REGISTER, name, salt: s, records });

test('COMMIT then REGISTER creates the name with owner, records and expiry, and spends the commitment', () => {
  const chain = setup();
  chain.apply([commitFor(chain)]);
  chain.apply([registerFor(chain)], { timeMs: T0 + 5000 });
  const view = new Overlay(chain.state.kv);
  const record = view.getName('alice');
  assert.ok(record);
  assert.deepEqual(record.owner, alice.publicKey);
  assert.deepEqual(record.records, [aRecord([192, 0, 2, 1])]);
  assert.equal(record.registeredHeight, 2);
  assert.equal(record.expiresAtMs, T0 + 5000 + chain.genesis.params.registrationPeriodMs);
  assert.equal(view.getCommitment(commitmentHash('alice', alice.publicKey, salt)), undefined);
});

test('REGISTER in the same block as its COMMIT is refused (commitMinBlocks)', () => {
  const chain = setup();
  assertRefused(() => chain.apply([commitFor(chain), registerFor(chain)]), 'COMMIT_TOO_RECENT');
});

test('REGISTER after the commit window is refused', () => {
  const chain = setup({ commitMaxBlocks: 2 });
  chain.apply([commitFor(chain)]);
  chain.apply([chain.tx(bob, { type: TxType.COMMIT, commitment: new Uint8Array(32) })]);
  chain.apply([chain.tx(bob, { type: TxType.COMMIT, commitment: new Uint8Array(32).fill(1) })]);
  assertRefused(() => chain.apply([registerFor(chain)]), 'COMMIT_TOO_OLD');
});

test('REGISTER without a matching COMMIT (wrong salt, or someone else\'s commitment) is refused', () => {
  const chain = setup();
  chain.apply([commitFor(chain)]);
  assertRefused(() => chain.apply([registerFor(chain, alice, 'alice', new Uint8Array(32).fill(4))]), 'COMMIT_NOT_FOUND');
  // Bob saw alice's reveal and replays it under his own key: the commitment binds the owner.
  assertRefused(() => chain.apply([registerFor(chain, bob)]), 'COMMIT_NOT_FOUND');
});

test('a registered name cannot be registered again until it has expired past grace', () => {
  const chain = setup({ registrationPeriodMs: 10_000, gracePeriodMs: 5_000 });
  chain.register(alice, 'alice');
  chain.apply([commitFor(chain, bob)]);
  assertRefused(() => chain.apply([registerFor(chain, bob)]), 'NAME_TAKEN');
  chain.setNonce(bob, 1);
  // In grace: still taken.
  assertRefused(() => chain.apply([registerFor(chain, bob)], { timeMs: chain.state.tip.timeMs + 12_000 }), 'NAME_TAKEN');
  chain.setNonce(bob, 1);
  chain.apply([registerFor(chain, bob)], { timeMs: chain.state.tip.timeMs + 20_000 });
  assert.deepEqual(new Overlay(chain.state.kv).getName('alice')?.owner, bob.publicKey);
});

test('reserved names are refused', () => {
  const chain = setup();
  chain.apply([commitFor(chain, alice, 'www')]);
  assertRefused(() => chain.apply([registerFor(chain, alice, 'www')]), 'NAME_RESERVED');
});

test('non-canonical names are refused: upper case, U-labels, two labels', () => {
  for (const name of ['Alice', 'bücher', 'a.b', '']) {
    const chain = setup();
    chain.apply([commitFor(chain, alice, name)]);
    assertRefused(() => chain.apply([registerFor(chain, alice, name)]), 'NAME_NOT_CANONICAL');
  }
});

test('invalid records are refused with the reason', () => {
  const chain = setup();
  chain.apply([commitFor(chain)]);
  const bad = [{ host: '', type: 1, rdata: new Uint8Array([1, 2, 3]) }];
  assertRefused(() => chain.apply([registerFor(chain, alice, 'alice', salt, bad)]), 'RECORDS_INVALID');
});
