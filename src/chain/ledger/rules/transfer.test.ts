import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxType } from '../../types.ts';
import { Overlay } from '../state.ts';
import { TestChain, aRecord, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const alice = testKey(1);
const bob = testKey(2);

test('the owner transfers the name; records and expiry stay; the new owner can update it', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  chain.register(alice, 'alice', [aRecord([192, 0, 2, 1])]);
  const before = new Overlay(chain.state.kv).getName('alice')!;
  chain.apply([chain.tx(alice, { type: TxType.TRANSFER, name: 'alice', to: bob.publicKey })]);
  const after = new Overlay(chain.state.kv).getName('alice')!;
  assert.deepEqual(after.owner, bob.publicKey);
  assert.deepEqual(after.records, before.records);
  assert.equal(after.expiresAtMs, before.expiresAtMs);
  chain.apply([chain.tx(bob, { type: TxType.UPDATE, name: 'alice', records: [] })]);
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.UPDATE, name: 'alice', records: [] })]), 'NOT_OWNER');
});

test('TRANSFER by a non-owner, to the owner itself, or of a name in grace is refused', () => {
  const { genesis, validator } = testGenesis({ registrationPeriodMs: 10_000, gracePeriodMs: 10_000 });
  const chain = new TestChain(genesis, validator);
  chain.register(alice, 'alice');
  assertRefused(() => chain.apply([chain.tx(bob, { type: TxType.TRANSFER, name: 'alice', to: bob.publicKey })]), 'NOT_OWNER');
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.TRANSFER, name: 'alice', to: alice.publicKey })]), 'TRANSFER_TO_SELF');
  chain.setNonce(alice, 2);
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.TRANSFER, name: 'alice', to: bob.publicKey })], { timeMs: chain.state.tip.timeMs + 15_000 }), 'NAME_IN_GRACE');
});
