/**
 * The state transition: data in, data out, no I/O. `applyBlock(state, block)` checks the header,
 * applies each transaction's rules in order and returns the next state with the write set that
 * the node commits to the tree (whose root the node compares with header.stateRoot).
 */
import { blockHash, CodecError, commitmentHash, txId } from '../codec.ts';
import { decodeEvidence, evidenceHash } from '../evidence.ts';
import { toHex } from '../hash.ts';
import { accountKey, commitKey, evidenceKey, nameKey } from '../keys.ts';
import { TxType, type Block, type Bytes, type Tx } from '../types.ts';
import type { TxContext } from './context.ts';
import { LedgerError } from './errors.ts';
import { checkBlockHeader } from './rules/block-header.ts';
import { applyCommit } from './rules/commit.ts';
import { checkEnvelope } from './rules/envelope.ts';
import { applyEvidence } from './rules/evidence.ts';
import { applyNonce } from './rules/nonce.ts';
import { applyRegister } from './rules/register.ts';
import { applyRenew } from './rules/renew.ts';
import { applyTransfer } from './rules/transfer.ts';
import { applyUpdate } from './rules/update.ts';
import { Overlay, type LedgerState, type WriteSet } from './state.ts';
import { genesisValidatorsAt } from '../validators.ts';

export interface BlockContext {
  readonly height: number;
  readonly timeMs: number;
}

/** Applies one transaction's rules on `state` (mutating the overlay). Throws LedgerError. */
export function applyTx(ledger: LedgerState, block: BlockContext, state: Overlay, tx: Tx, options: { envelopeChecked?: boolean } = {}): void {
  if (!options.envelopeChecked) checkEnvelope(ledger.genesis, tx);
  const ctx: TxContext = { genesis: ledger.genesis, height: block.height, timeMs: block.timeMs, state, account: tx.account, validatorsAt: genesisValidatorsAt(ledger.genesis) };
  applyNonce(ctx, tx.nonce);
  const p = tx.payload;
  switch (p.type) {
    case TxType.COMMIT:
      return applyCommit(ctx, p);
    case TxType.REGISTER:
      return applyRegister(ctx, p);
    case TxType.UPDATE:
      return applyUpdate(ctx, p);
    case TxType.TRANSFER:
      return applyTransfer(ctx, p);
    case TxType.RENEW:
      return applyRenew(ctx, p);
    case TxType.EVIDENCE:
      return applyEvidence(ctx, p);
  }
}

export interface AppliedBlock {
  readonly state: LedgerState;
  readonly writes: WriteSet;
}

export interface ApplyOptions {
  /**
   * Ids (hex) of transactions whose stamp and signature the caller has already checked, e.g. at
   * mempool admission; their envelope is not verified again. Everything else is.
   */
  readonly envelopeVerified?: { has(id: string): boolean };
}

export function applyBlock(state: LedgerState, block: Block, options: ApplyOptions = {}): AppliedBlock {
  checkBlockHeader(state, block);
  const overlay = new Overlay(state.kv);
  const seen = new Set<string>();
  const ctx = { height: block.header.height, timeMs: block.header.timeMs };
  block.txs.forEach((tx, index) => {
    const id = toHex(txId(tx));
    if (seen.has(id)) throw new LedgerError('BLOCK_DUPLICATE_TX', `transaction ${id} appears twice in block ${block.header.height}`, { txId: id });
    seen.add(id);
    try {
      applyTx(state, ctx, overlay, tx, { envelopeChecked: options.envelopeVerified?.has(id) ?? false });
    } catch (error) {
      if (error instanceof LedgerError) error.details.txIndex ??= index;
      throw error;
    }
  });
  return {
    state: { genesis: state.genesis, tip: { height: block.header.height, hash: blockHash(block.header), timeMs: block.header.timeMs }, kv: overlay },
    writes: overlay.writes,
  };
}

/**
 * Keys of transaction objects already seen: a node asks for them at admission, when it builds or
 * checks a block, and for every waiting transaction after each block, and each key is a hash.
 * Transaction objects are never mutated (see encodeTx).
 */
const touchedKeys = new WeakMap<Tx, readonly Bytes[]>();

/**
 * Every state key a transaction may read or write, so the node can load them before the pure
 * rules run. A REGISTER's commitment key depends only on data in the transaction. The array and
 * its keys are shared: callers must not modify them.
 */
export function keysTouched(tx: Tx): readonly Bytes[] {
  let keys = touchedKeys.get(tx);
  if (!keys) {
    keys = computeKeysTouched(tx);
    touchedKeys.set(tx, keys);
  }
  return keys;
}

function computeKeysTouched(tx: Tx): Bytes[] {
  const keys = [accountKey(tx.account)];
  const p = tx.payload;
  switch (p.type) {
    case TxType.COMMIT:
      keys.push(commitKey(p.commitment));
      break;
    case TxType.REGISTER:
      keys.push(nameKey(p.name), commitKey(commitmentHash(p.name, tx.account, p.salt)));
      break;
    case TxType.EVIDENCE:
      try {
        keys.push(evidenceKey(evidenceHash(decodeEvidence(p.evidence))));
      } catch (error) {
        // Malformed evidence reads no more state: its rule refuses it before.
        if (!(error instanceof CodecError)) throw error;
      }
      break;
    default:
      keys.push(nameKey(p.name));
  }
  return keys;
}
