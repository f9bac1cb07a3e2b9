/** Building and checking a transaction's envelope: stamp and signature. */
import { signingBytes, stampPreimage } from './codec.ts';
import { findStamp, sign, stampValid, verify, verifyAsync, type KeyPair } from './crypto.ts';
import type { Tx, TxBody } from './types.ts';

/** Finds a hashcash stamp for `body` at `powBits` and signs it with `key` (must be body.account's). */
export function buildTx(body: TxBody, key: KeyPair, powBits: number): Tx {
  const stamp = findStamp(stampPreimage(body), powBits);
  return { ...body, stamp, signature: sign(key.secretKey, signingBytes(body, stamp)) };
}

export function txStampValid(tx: Tx, powBits: number): boolean {
  return stampValid(stampPreimage(tx), tx.stamp, powBits);
}

export function txSignatureValid(tx: Tx): boolean {
  return verify(tx.account, signingBytes(tx, tx.stamp), tx.signature);
}

/** `txSignatureValid` off the event loop (see `verifyAsync`). */
export function txSignatureValidAsync(tx: Tx): Promise<boolean> {
  return verifyAsync(tx.account, signingBytes(tx, tx.stamp), tx.signature);
}
