import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxType } from '../../types.ts';
import { Overlay } from '../state.ts';
import { TestChain, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const alice = testKey(1);
const bob = testKey(2);
const PERIOD = 10_000;

test('RENEW sets expiry one period from the block, in grace too, and never stacks periods', () => {
  const { genesis, validator } = testGenesis({ registrationPeriodMs: PERIOD, gracePeriodMs: PERIOD });
  const chain = new TestChain(genesis, validator);
  chain.register(alice, 'alice');
  const first = new Overlay(chain.state.kv).getName('alice')!.expiresAtMs;
  chain.apply([chain.tx(alice, { type: TxType.RENEW, name: 'alice' })]);
  chain.apply([chain.tx(alice, { type: TxType.RENEW, name: 'alice' })]);
  const renewed = new Overlay(chain.state.kv).getName('alice')!.expiresAtMs;
  assert.equal(renewed, chain.state.tip.timeMs + PERIOD);
  assert.ok(renewed < first + 2 * PERIOD);
  const inGrace = chain.state.tip.timeMs + PERIOD + 2000;
  chain.apply([chain.tx(alice, { type: TxType.RENEW, name: 'alice' })], { timeMs: inGrace });
  assert.equal(new Overlay(chain.state.kv).getName('alice')!.expiresAtMs, inGrace + PERIOD);
});

test('RENEW by a non-owner or after grace is refused', () => {
  const { genesis, validator } = testGenesis({ registrationPeriodMs: PERIOD, gracePeriodMs: PERIOD });
  const chain = new TestChain(genesis, validator);
  chain.register(alice, 'alice');
  assertRefused(() => chain.apply([chain.tx(bob, { type: TxType.RENEW, name: 'alice' })]), 'NOT_OWNER');
  assertRefused(() => chain.apply([chain.tx(alice, { type: TxType.RENEW, name: 'alice' })], { timeMs: chain.state.tip.timeMs + 3 * PERIOD }), 'NAME_NOT_FOUND');
});
