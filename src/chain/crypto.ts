/**
 * Ed25519 accounts and the hashcash stamp, on node:crypto (about ten times faster than a pure-JS
 * Ed25519 for verification, which is the hot path when a block is applied).
 */
import { createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { sha256 } from './hash.ts';
import type { Bytes } from './types.ts';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface KeyPair {
  /** The 32-byte Ed25519 seed. Never logged. */
  readonly secretKey: Bytes;
  readonly publicKey: Bytes;
}

/**
 * Runs `fn` with stack traces off. node:crypto's createPublicKey (and createPrivateKey) find out
 * whether their argument is a KeyObject or a CryptoKey by reading a private field inside
 * try/catch, so every call with a plain options object throws and catches two TypeErrors, and
 * capturing their stack traces is most of the call's cost: 21 µs against 8 µs without them
 * (docs/PERFORMANCE.md, Ledger, has the command that times it).
 * Parsing a key happens for each new account's first transaction, so it is on the hot path; an
 * error from a bad key is caught by the caller, which needs no stack for it.
 */
function withoutStackTraces<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function privateKeyObject(secretKey: Bytes): KeyObject {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
}

/** Parsed public keys, so verifying many transactions of one account parses its key once. */
const PUBLIC_KEY_CACHE_ENTRIES_MAX = 4096;
const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Bytes): KeyObject {
  const id = Buffer.from(publicKey).toString('base64');
  let key = publicKeyCache.get(id);
  if (!key) {
    key = withoutStackTraces(() => createPublicKey({ key: publicKey, format: 'raw-public', asymmetricKeyType: 'ed25519' }));
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_ENTRIES_MAX) publicKeyCache.delete(publicKeyCache.keys().next().value!);
    publicKeyCache.set(id, key);
  }
  return key;
}

export function publicKeyFromSecret(secretKey: Bytes): Bytes {
  const der = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

export function keyPairFromSecret(secretKey: Bytes): KeyPair {
  return { secretKey, publicKey: publicKeyFromSecret(secretKey) };
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSecret(new Uint8Array(randomBytes(32)));
}

export function sign(secretKey: Bytes, message: Bytes): Bytes {
  return new Uint8Array(edSign(null, message, privateKeyObject(secretKey)));
}

/** False for a bad signature and for a public key that is not a valid curve point. */
export function verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return edVerify(null, message, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/**
 * `verify` on libuv's thread pool: the event loop stays free for consensus messages while a burst
 * of transactions is checked, and a machine with more cores checks them in parallel.
 */
export function verifyAsync(publicKey: Bytes, message: Bytes, signature: Bytes): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
  let key: KeyObject;
  try {
    key = publicKeyObject(publicKey);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    edVerify(null, message, key, signature, (error, valid) => resolve(!error && valid));
  });
}

function leadingZeroBits(hash: Bytes): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

function stampBytes(stamp: bigint): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, stamp);
  return b;
}

export function stampValid(preimage: Bytes, stamp: bigint, bits: number): boolean {
  return leadingZeroBits(sha256(preimage, stampBytes(stamp))) >= bits;
}

/** Searches stamps from `start` until one meets `bits`; expected 2^bits hashes. */
export function findStamp(preimage: Bytes, bits: number, start = 0n): bigint {
  for (let stamp = start; ; stamp++) if (stampValid(preimage, stamp, bits)) return stamp;
}
