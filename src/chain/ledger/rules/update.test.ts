import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxType } from '../../types.ts';
import { Overlay } from '../state.ts';
import { TestChain, aRecord, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const alice = testKey(1);
const bob = testKey(2);

function registered(overrides = {}) {
  const { genesis, validator } = testGenesis(overrides);
  const chain = new TestChain(genesis, validator);
  chain.register(alice, 'alice', [aRecord([192, 0, 2, 1])]);
  return chain;
}

test('the owner replaces the record set', () => {
  const chain = registered();
  chain.apply([chain.tx(alice, { type: TxType.UPDATE, name: 'alice', records: [aRecord([192, 0, 2, 2])] })]);
  const record = new Overlay(chain.state.kv).getName('alice');
  assert.deepEqual(record?.records, [aRecord([192, 0, 2, 2])]);
  assert.equal(record?.updatedHeight, 3);
});

test('UPDATE by someone else, of a missing name, in grace, or with bad records is refused', () => {
  const chain = registered({ registrationPeriodMs: 10_000, gracePeriodMs: 10_000 });
  assertRefused(() => chain.apply([chain.tx(bob, { type: TxType.UPDATE, name: 'alice', records: [] })]), 'NOT_OWNER');
  chain.setNonce(bob, 0);
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.UPDATE, name: 'nobody', records: [] })]), 'NAME_NOT_FOUND');
  chain.setNonce(alice, 2);
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.UPDATE, name: 'alice', records: [{ host: '', type: 28, rdata: new Uint8Array(4) }] })]), 'RECORDS_INVALID');
  chain.setNonce(alice, 2);
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.UPDATE, name: 'alice', records: [] })], { timeMs: chain.state.tip.timeMs + 15_000 }), 'NAME_IN_GRACE');
  chain.setNonce(alice, 2);
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.UPDATE, name: 'alice', records: [] })], { timeMs: chain.state.tip.timeMs + 25_000 }), 'NAME_NOT_FOUND');
});
