/**
 * Signatures for long simulation campaigns. Ed25519 costs ~100 µs a verification, and a run
 * verifies tens of thousands of votes; the campaign's default replaces it with a non-cryptographic
 * hash of key and message in the same 64-byte shape. It is not a signature scheme (anyone could compute it) — the only
 * code that signs for a validator is that validator's engine or the scripted adversary, which
 * signs only as the Byzantine validators. `--crypto ed25519` runs the real thing.
 */
import { sign, verify, type KeyPair } from '../chain/crypto.ts';
import { bytesEqual } from '../chain/hash.ts';
import type { Bytes } from '../chain/types.ts';
import type { SignatureVerifier, Signer } from '../consensus/types.ts';

export type SimCrypto = 'fast' | 'ed25519';

/** FNV-1a over key and message, stretched to 64 bytes: cheap, deterministic, and it changes with every input byte. */
function fastSign(publicKey: Bytes, message: Bytes): Bytes {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const part of [publicKey, message]) {
    for (let i = 0; i < part.length; i++) {
      h1 = Math.imul(h1 ^ part[i]!, 0x01000193);
      h2 = Math.imul(h2 ^ part[i]!, 0x5bd1e995) ^ (h2 >>> 15);
    }
  }
  const out = new Uint8Array(64);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 16; i++) {
    h1 = Math.imul(h1 ^ (h1 >>> 13), 0x85ebca6b) + i;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35) ^ h1;
    view.setUint32(4 * i, h2 >>> 0);
  }
  return out;
}

export function simSigner(key: KeyPair, crypto: SimCrypto): Signer {
  return crypto === 'fast'
    ? { publicKey: key.publicKey, sign: (m) => fastSign(key.publicKey, m) }
    : { publicKey: key.publicKey, sign: (m) => sign(key.secretKey, m) };
}

export function simVerifier(crypto: SimCrypto): SignatureVerifier {
  return crypto === 'fast' ? (publicKey, message, signature) => signature.length === 64 && bytesEqual(fastSign(publicKey, message), signature) : verify;
}
