/**
 * Hashing for the chain. SHA-256 everywhere; node:crypto on the hot path. Browser bundles swap
 * this file for `hash.browser.ts` (same exports over @noble/hashes).
 */
import { createHash } from 'node:crypto';
import type { Bytes } from './types.ts';

export function sha256(...parts: readonly Bytes[]): Bytes {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest().buffer.slice(0)) as Bytes;
}

const encoder = new TextEncoder();
export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

export function toHex(bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Bytes {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new TypeError(`not a hex string: ${hex.slice(0, 20)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesEqual(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compareBytes(a: Bytes, b: Bytes): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
