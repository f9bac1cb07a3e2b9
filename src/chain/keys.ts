/**
 * Keys of the authenticated state tree. Each kind of entry gets its own domain tag, so keys are
 * uniformly distributed 32-byte hashes (what the tree needs) and kinds can never collide.
 */
import { sha256, utf8 } from './hash.ts';
import type { Bytes } from './types.ts';

const NAME_TAG = utf8('dcbt/state/name\0');
const COMMIT_TAG = utf8('dcbt/state/commit\0');
const ACCOUNT_TAG = utf8('dcbt/state/account\0');
const EVIDENCE_TAG = utf8('dcbt/state/evidence\0');

/** Key of a registered name; `label` is the A-label under the apex ('alice', 'xn--…'). */
export function nameKey(label: string): Bytes {
  return sha256(NAME_TAG, utf8(label));
}

export function commitKey(commitment: Bytes): Bytes {
  return sha256(COMMIT_TAG, commitment);
}

export function accountKey(publicKey: Bytes): Bytes {
  return sha256(ACCOUNT_TAG, publicKey);
}

/** Key of recorded evidence of equivocation; `hash` is evidenceHash(evidence). */
export function evidenceKey(hash: Bytes): Bytes {
  return sha256(EVIDENCE_TAG, hash);
}
