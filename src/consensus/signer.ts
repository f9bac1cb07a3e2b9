/** The engine's signer over a validator's Ed25519 key (`validator.key` in a node's data dir). */
import { sign, type KeyPair } from '../chain/crypto.ts';
import type { Signer } from './types.ts';

export function ed25519Signer(key: KeyPair): Signer {
  return { publicKey: key.publicKey, sign: (message) => sign(key.secretKey, message) };
}
