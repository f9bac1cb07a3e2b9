/**
 * Verifier for state-tree proofs: does `key` hold a value under the state root of a header, and
 * which? Pure and synchronous, with no node: imports, so light clients and browsers run the same
 * code as the node.
 *
 * The tree is an urkel radix tree (base-2, 256-bit keys, SHA-256), and the proof bytes are exactly
 * urkel's serialisation (urkel/lib/proof.js), so proofs from `StateTree.prove` verify here. The
 * verification logic is a port of urkel's `Proof#verify`, with a stricter decoder: trailing bytes,
 * non-zero padding bits in the prefix bitfield and non-minimal prefix lengths are rejected, so a
 * proof has exactly one accepted encoding and any change to its bytes makes it fail.
 *
 * Hashes (H = SHA-256, u16 little-endian):
 *   empty tree      32 zero bytes
 *   leaf            H(0x00 ‖ key ‖ H(value))
 *   internal        H(0x01 ‖ left ‖ right)                          (no skipped bits)
 *   internal+prefix H(0x02 ‖ u16(prefixBits) ‖ prefixBytes ‖ left ‖ right)
 *
 * Proof layout:
 *   u16 field        type << 14 | depth   (type: 0 dead end, 1 short, 2 collision, 3 exists)
 *   u16 count        sibling nodes on the path, root first
 *   bitfield         ceil(count / 8) bytes; bit i (MSB first) = node i carries a prefix
 *   count × [prefix] 32-byte sibling hash
 *   then by type:    dead end: nothing; short: prefix, left, right; collision: key, value hash;
 *                    exists: u16 length, value
 *   prefix           bit length in 1 byte (< 0x80) or 2 bytes (0x80 | len >> 8, len & 0xff),
 *                    then ceil(len / 8) bytes, MSB first
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { DcbtError } from '../errors.ts';

export type Sha256 = (data: Uint8Array) => Uint8Array;

export type StateProofResult = { readonly exists: true; readonly value: Uint8Array } | { readonly exists: false };

export type ProofInvalidReason =
  | 'root-length'
  | 'key-length'
  | 'truncated'
  | 'trailing-bytes'
  | 'depth-too-large'
  | 'too-many-nodes'
  | 'bitfield-padding'
  | 'prefix-size'
  | 'prefix-encoding'
  | 'same-path'
  | 'same-key'
  | 'negative-depth'
  | 'path-mismatch'
  | 'too-deep'
  | 'hash-mismatch';

export type ProofInvalidError = DcbtError<'PROOF_INVALID', { reason: ProofInvalidReason }>;

/** Key size of the state tree in bits (keys are 32-byte hashes, see keys.ts). */
export const STATE_KEY_BITS = 256;
const KEY_BYTES = STATE_KEY_BITS / 8;
const HASH_BYTES = 32;

/** Root of the empty state tree: 32 zero bytes (urkel's `hash.zero`), returned fresh. */
export function emptyStateRoot(): Uint8Array {
  return new Uint8Array(HASH_BYTES);
}

const TYPE_DEADEND = 0;
const TYPE_SHORT = 1;
const TYPE_COLLISION = 2;
const TYPE_EXISTS = 3;

const LEAF_PREFIX = 0x00;
const INTERNAL_PREFIX = 0x01;
const SKIP_PREFIX = 0x02;

/** A run of bits: `size` bits, MSB first, in `data`. */
interface Bits {
  readonly size: number;
  readonly data: Uint8Array;
}

interface ProofNode {
  readonly prefix: Bits | undefined;
  readonly hash: Uint8Array;
}

function fail(reason: ProofInvalidReason): never {
  throw new DcbtError('PROOF_INVALID', `state proof is invalid (${reason}); fetch a fresh proof from a node and check it was requested for this key and root`, { reason });
}

function hasBit(data: Uint8Array, index: number): number {
  return (data[index >>> 3]! >>> (7 - (index & 7))) & 1;
}

/** urkel's Bits#has: the prefix matches the key's bits starting at `depth`. */
function prefixMatches(prefix: Bits, key: Uint8Array, depth: number): boolean {
  if (prefix.size > key.length * 8 - depth) return false;
  for (let i = 0; i < prefix.size; i++) if (hasBit(prefix.data, i) !== hasBit(key, depth + i)) return false;
  return true;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function hashInternal(sha256: Sha256, prefix: Bits | undefined, left: Uint8Array, right: Uint8Array): Uint8Array {
  if (prefix === undefined || prefix.size === 0) return sha256(concat([Uint8Array.of(INTERNAL_PREFIX), left, right]));
  return sha256(concat([Uint8Array.of(SKIP_PREFIX, prefix.size & 0xff, prefix.size >>> 8), prefix.data, left, right]));
}

function hashLeaf(sha256: Sha256, key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return sha256(concat([Uint8Array.of(LEAF_PREFIX), key, valueHash]));
}

class Reader {
  pos = 0;
  readonly data: Uint8Array;
  constructor(data: Uint8Array) {
    this.data = data;
  }
  need(n: number): void {
    if (this.pos + n > this.data.length) fail('truncated');
  }
  u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.data[this.pos]! | (this.data[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  bits(): Bits {
    let size = this.u8();
    if (size & 0x80) {
      size = ((size & 0x7f) << 8) | this.u8();
      if (size < 0x80) fail('prefix-encoding');
    }
    if (size === 0 || size > STATE_KEY_BITS) fail('prefix-size');
    return { size, data: this.bytes((size + 7) >>> 3) };
  }
}

/**
 * Verify `proof` for `key` against the state root `root`. Returns whether the key exists and, if
 * so, its value; throws DcbtError PROOF_INVALID (details.reason) if the proof is malformed or does
 * not lead to `root`. `sha256` defaults to @noble/hashes; the node passes its native one.
 */
export function verifyStateProof(root: Uint8Array, key: Uint8Array, proof: Uint8Array, sha256: Sha256 = nobleSha256): StateProofResult {
  if (root.length !== HASH_BYTES) fail('root-length');
  if (key.length !== KEY_BYTES) fail('key-length');

  // Decode.
  const r = new Reader(proof);
  const field = r.u16();
  const type = field >>> 14;
  const depth = field & 0x3fff;
  if (depth > STATE_KEY_BITS) fail('depth-too-large');
  const count = r.u16();
  if (count > STATE_KEY_BITS) fail('too-many-nodes');
  const bitfield = r.bytes((count + 7) >>> 3);
  for (let i = count; i < bitfield.length * 8; i++) if (hasBit(bitfield, i)) fail('bitfield-padding');
  const nodes: ProofNode[] = [];
  for (let i = 0; i < count; i++) {
    const prefix = hasBit(bitfield, i) ? r.bits() : undefined;
    nodes.push({ prefix, hash: r.bytes(HASH_BYTES) });
  }

  // Re-create the node the path ends at.
  let next: Uint8Array;
  let value: Uint8Array | undefined;
  switch (type) {
    case TYPE_DEADEND:
      next = new Uint8Array(HASH_BYTES);
      break;
    case TYPE_SHORT: {
      const prefix = r.bits();
      const left = r.bytes(HASH_BYTES);
      const right = r.bytes(HASH_BYTES);
      if (prefixMatches(prefix, key, depth)) fail('same-path');
      next = hashInternal(sha256, prefix, left, right);
      break;
    }
    case TYPE_COLLISION: {
      const otherKey = r.bytes(KEY_BYTES);
      const valueHash = r.bytes(HASH_BYTES);
      if (bytesEqual(otherKey, key)) fail('same-key');
      next = hashLeaf(sha256, otherKey, valueHash);
      break;
    }
    default: {
      // TYPE_EXISTS: the two-bit type field has no other value.
      value = r.bytes(r.u16());
      next = hashLeaf(sha256, key, sha256(value));
      break;
    }
  }
  if (r.pos !== proof.length) fail('trailing-bytes');

  // Hash up to the root, deepest sibling first.
  let d = depth;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const { prefix, hash } = nodes[i]!;
    const prefixSize = prefix === undefined ? 0 : prefix.size;
    if (d < prefixSize + 1) fail('negative-depth');
    d -= 1;
    next = hasBit(key, d) ? hashInternal(sha256, prefix, hash, next) : hashInternal(sha256, prefix, next, hash);
    d -= prefixSize;
    if (prefix !== undefined && !prefixMatches(prefix, key, d)) fail('path-mismatch');
  }
  if (d !== 0) fail('too-deep');
  if (!bytesEqual(next, root)) fail('hash-mismatch');

  return type === TYPE_EXISTS ? { exists: true, value: value! } : { exists: false };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
