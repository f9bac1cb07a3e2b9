import { txRoot, validatorsHash } from '../../codec.ts';
import { bytesEqual, toHex } from '../../hash.ts';
import type { Block } from '../../types.ts';
import { LedgerError } from '../errors.ts';
import type { LedgerState } from '../state.ts';

/** A block must extend the tip: same chain, next height, later time, its own txs, our validators. */
export function checkBlockHeader(state: LedgerState, block: Block): void {
  const { header } = block;
  const { genesis, tip } = state;
  if (header.chainId !== genesis.chainId) {
    throw new LedgerError('BLOCK_WRONG_CHAIN', `block is for chain "${header.chainId}", this is "${genesis.chainId}"`, { expected: genesis.chainId, got: header.chainId });
  }
  if (header.height !== tip.height + 1) {
    throw new LedgerError('BLOCK_WRONG_HEIGHT', `block height ${header.height} does not follow ${tip.height}`, { expected: tip.height + 1, got: header.height });
  }
  if (!bytesEqual(header.prevHash, tip.hash)) {
    throw new LedgerError('BLOCK_WRONG_PARENT', `block ${header.height} builds on ${toHex(header.prevHash)}, not on the tip ${toHex(tip.hash)}`, { expected: toHex(tip.hash), got: toHex(header.prevHash) });
  }
  if (header.timeMs <= tip.timeMs) {
    throw new LedgerError('BLOCK_TIME_NOT_INCREASING', `block time ${header.timeMs} is not after its parent's ${tip.timeMs}`, { parentTimeMs: tip.timeMs, timeMs: header.timeMs });
  }
  if (block.txs.length > genesis.params.blockTxCountMax) {
    throw new LedgerError('BLOCK_TOO_MANY_TXS', `block has ${block.txs.length} transactions, the limit is ${genesis.params.blockTxCountMax}`, { count: block.txs.length });
  }
  if (!bytesEqual(header.txRoot, txRoot(block.txs))) {
    throw new LedgerError('BLOCK_TX_ROOT_MISMATCH', `block ${header.height}'s transaction root does not match its transactions`, {});
  }
  if (!bytesEqual(header.validatorsHash, validatorsHash(genesis.validators))) {
    throw new LedgerError('BLOCK_WRONG_VALIDATORS', `block ${header.height} names a validator set other than the chain's`, {});
  }
  if (!genesis.validators.some((v) => bytesEqual(v.publicKey, header.proposer))) {
    throw new LedgerError('BLOCK_UNKNOWN_PROPOSER', `block ${header.height} was proposed by ${toHex(header.proposer)}, who is not a validator`, { proposer: toHex(header.proposer) });
  }
}
