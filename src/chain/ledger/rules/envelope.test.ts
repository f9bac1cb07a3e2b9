import { test } from 'node:test';
import { TxType } from '../../types.ts';
import { TestChain, testGenesis, testKey } from '../testing.ts';
import { assertRefused } from '../testing-assert.ts';
import { checkEnvelope } from './envelope.ts';
import { buildTx } from '../../tx.ts';

const { genesis, validator } = testGenesis();
const alice = testKey(1);
const payload = { type: TxType.COMMIT, commitment: new Uint8Array(32).fill(1) } as const;

test('a well-formed transaction passes the envelope checks', () => {
  checkEnvelope(genesis, new TestChain(genesis, validator).tx(alice, payload));
});

test('a transaction for another chain is refused', () => {
  const other = new TestChain({ ...genesis, chainId: 'other' }, validator);
  assertRefused(() => checkEnvelope(genesis, other.tx(alice, payload)), 'TX_WRONG_CHAIN');
});

test('a stamp short of the difficulty is refused', () => {
  const chain = new TestChain(genesis, validator);
  const tx = chain.tx(alice, payload);
  const hard = { ...genesis, params: { ...genesis.params, powBits: 30 } };
  assertRefused(() => checkEnvelope(hard, tx), 'TX_BAD_STAMP');
});

test('a bad signature, a signature by another key, or a changed body is refused', () => {
  const chain = new TestChain(genesis, validator);
  const tx = chain.tx(alice, payload);
  const flipped = tx.signature.slice();
  flipped[0]! ^= 1;
  assertRefused(() => checkEnvelope(genesis, { ...tx, signature: flipped }), 'TX_BAD_SIGNATURE');
  const mallory = testKey(2);
  // Mallory's account, a valid stamp, but alice's signature.
  const forged = buildTx({ chainId: genesis.chainId, account: mallory.publicKey, nonce: 0, payload }, alice, genesis.params.powBits);
  assertRefused(() => checkEnvelope(genesis, forged), 'TX_BAD_SIGNATURE');
  // Keep the stamp valid for the new body so only the signature can fail.
  const changed = chain.tx(alice, { type: TxType.COMMIT, commitment: new Uint8Array(32).fill(2) }, 0);
  assertRefused(() => checkEnvelope(genesis, { ...changed, signature: tx.signature }), 'TX_BAD_SIGNATURE');
});
