import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxType } from '../../types.ts';
import { TestChain, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const commit = (n: number) => ({ type: TxType.COMMIT, commitment: new Uint8Array(32).fill(n) }) as const;

test('nonces apply in order, several per block', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  const alice = testKey(1);
  chain.apply([chain.tx(alice, commit(1)), chain.tx(alice, commit(2))]);
  chain.apply([chain.tx(alice, commit(3))]);
  assert.equal(chain.state.tip.height, 2);
});

test('a replayed, skipped or reordered nonce is refused', () => {
  const { genesis, validator } = testGenesis();
  const chain = new TestChain(genesis, validator);
  const alice = testKey(1);
  const first = chain.tx(alice, commit(1));
  chain.apply([first]);
  assertRefused(() => chain.apply([first]), 'TX_BAD_NONCE');
  assertRefused(() => chain.apply([chain.tx(alice, commit(2), 5)]), 'TX_BAD_NONCE');
  const a = chain.tx(alice, commit(3), 1);
  const b = chain.tx(alice, commit(4), 2);
  assertRefused(() => chain.apply([b, a]), 'TX_BAD_NONCE');
  chain.apply([a, b]);
});
