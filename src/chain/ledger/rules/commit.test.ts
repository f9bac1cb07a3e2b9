import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxType } from '../../types.ts';
import { TestChain, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';
import { Overlay } from '../state.ts';

const commitment = new Uint8Array(32).fill(7);

test('COMMIT stores the commitment with its signer and height', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  const alice = testKey(1);
  chain.apply([chain.tx(alice, { type: TxType.COMMIT, commitment })]);
  const stored = new Overlay(chain.state.kv).getCommitment(commitment);
  assert.deepEqual(stored, { account: alice.publicKey, height: 1 });
});

test('the same commitment twice inside its window is refused; after the window it may be made again', () => {
  const { genesis, validator } = testGenesis({ commitMaxBlocks: 2 });
  const chain = new TestChain(genesis, validator);
  const alice = testKey(1);
  const bob = testKey(2);
  chain.apply([chain.tx(alice, { type: TxType.COMMIT, commitment })]);
  assertRefused(() => chain.apply([chain.tx(bob, { type: TxType.COMMIT, commitment })]), 'COMMIT_EXISTS');
  chain.setNonce(bob, 0);
  chain.apply([chain.tx(alice, { type: TxType.COMMIT, commitment: new Uint8Array(32).fill(8) })]);
  chain.apply([chain.tx(alice, { type: TxType.COMMIT, commitment: new Uint8Array(32).fill(9) })]);
  chain.apply([chain.tx(bob, { type: TxType.COMMIT, commitment })]);
  assert.deepEqual(new Overlay(chain.state.kv).getCommitment(commitment)?.account, bob.publicKey);
});
