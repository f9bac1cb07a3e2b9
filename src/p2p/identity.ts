/**
 * Peer identity is the node key: the libp2p key is derived from the same 32-byte Ed25519 seed
 * the node signs with (`KeyPair.secretKey` in src/chain/crypto.ts), so a validator's peer id
 * follows from its public key in genesis and Noise proves who is on the other end of a connection.
 */
import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPublicKey } from '@libp2p/peer-id';
import type { Bytes } from '../chain/types.ts';

export async function libp2pKeyFromNodeKey(secretKey: Bytes): Promise<Ed25519PrivateKey> {
  if (secretKey.length !== 32) throw new RangeError(`a node key is a 32-byte Ed25519 seed, got ${secretKey.length} bytes`);
  return generateKeyPairFromSeed('Ed25519', secretKey);
}

/** The peer id (base58 "12D3KooW…") of the node holding the Ed25519 key `publicKey`. */
export function peerIdOfNodeKey(publicKey: Bytes): string {
  if (publicKey.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${publicKey.length}`);
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString();
}
