import { test } from 'node:test';
import { TxType } from '../../types.ts';
import { applyBlock } from '../apply.ts';
import { TestChain, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';

const { genesis, validator } = testGenesis({ blockTxCountMax: 2 });
const alice = testKey(1);
const commit = (n: number) => ({ type: TxType.COMMIT, commitment: new Uint8Array(32).fill(n) }) as const;

test('a block that extends the tip applies', () => {
  const chain = new TestChain(genesis, validator);
  chain.apply([chain.tx(alice, commit(1))]);
});

test('each header fault is refused with its own code', () => {
  const chain = new TestChain(genesis, validator);
  const good = chain.block([chain.tx(alice, commit(1))]);
  const h = good.header;
  const cases = [
    [{ ...h, chainId: 'x' }, 'BLOCK_WRONG_CHAIN'],
    [{ ...h, height: 5 }, 'BLOCK_WRONG_HEIGHT'],
    [{ ...h, prevHash: new Uint8Array(32) }, 'BLOCK_WRONG_PARENT'],
    [{ ...h, timeMs: genesis.timeMs }, 'BLOCK_TIME_NOT_INCREASING'],
    [{ ...h, txRoot: new Uint8Array(32) }, 'BLOCK_TX_ROOT_MISMATCH'],
    [{ ...h, validatorsHash: new Uint8Array(32) }, 'BLOCK_WRONG_VALIDATORS'],
    [{ ...h, proposer: alice.publicKey }, 'BLOCK_UNKNOWN_PROPOSER'],
  ] as const;
  for (const [header, code] of cases) assertRefused(() => applyBlock(chain.state, { ...good, header }), code);
});

test('too many transactions, or one transaction twice, is refused', () => {
  const chain = new TestChain(genesis, validator);
  const txs = [chain.tx(alice, commit(1)), chain.tx(alice, commit(2)), chain.tx(alice, commit(3))];
  assertRefused(() => chain.apply(txs), 'BLOCK_TOO_MANY_TXS');
  assertRefused(() => chain.apply([txs[0]!, txs[0]!]), 'BLOCK_DUPLICATE_TX');
});

test('applyBlock skips the envelope only for ids the caller vouches for', () => {
  const chain = new TestChain(genesis, validator);
  const tx = chain.tx(alice, commit(1));
  const forged = { ...tx, signature: new Uint8Array(64) };
  const block = chain.block([forged]);
  assertRefused(() => applyBlock(chain.state, block), 'TX_BAD_SIGNATURE');
  assertRefused(() => applyBlock(chain.state, block, { envelopeVerified: new Set(['00'.repeat(32)]) }), 'TX_BAD_SIGNATURE');
});
