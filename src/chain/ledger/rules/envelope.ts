import { toHex } from '../../hash.ts';
import { txSignatureValid, txStampValid } from '../../tx.ts';
import type { Genesis, Tx } from '../../types.ts';
import { LedgerError } from '../errors.ts';

/**
 * Chain id, hashcash stamp and signature: checks that need no state. A caller that verified the
 * signature itself (off the event loop) says so with `signatureVerified`.
 */
export function checkEnvelope(genesis: Genesis, tx: Tx, options: { signatureVerified?: boolean } = {}): void {
  if (tx.chainId !== genesis.chainId) {
    throw new LedgerError('TX_WRONG_CHAIN', `transaction is for chain "${tx.chainId}", this is "${genesis.chainId}"; rebuild it for this chain`, { expected: genesis.chainId, got: tx.chainId });
  }
  if (!txStampValid(tx, genesis.params.powBits)) {
    throw new LedgerError('TX_BAD_STAMP', `hashcash stamp does not reach ${genesis.params.powBits} leading zero bits; recompute the stamp`, { powBits: genesis.params.powBits });
  }
  if (!options.signatureVerified && !txSignatureValid(tx)) throw badSignature(tx);
}

export function badSignature(tx: Tx): LedgerError {
  return new LedgerError('TX_BAD_SIGNATURE', `signature does not verify for account ${toHex(tx.account)}; sign with that account's key`, { account: toHex(tx.account) });
}
