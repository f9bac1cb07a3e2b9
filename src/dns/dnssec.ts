/**
 * DNSSEC primitives for algorithm 13 (ECDSA P-256 with SHA-256, RFC 6605): keys, DNSKEY/DS RDATA,
 * key tags (RFC 4034 App. B), the canonical form of an RRset (RFC 4034 §6) and RRSIG creation and
 * verification with node:crypto.
 *
 * Key model (docs/DNS.md): the KSK (flags 257) is held by governance and signs only the DNSKEY
 * RRset — that signature is chain data (`SignedKeyset`); every node has its own ZSK (flags 256),
 * listed in that RRset, and signs everything else online.
 */
import type { KeyObject } from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { DnssecKeyError, DnsWireError } from './errors.ts';
import { concat, RRType, u16, u32 } from './rdata.ts';
import type { Name, RRset } from './wire.ts';
import { lowerLabel, nameFromText, nameToText, nameToWire, readUncompressedName, RRClass } from './wire.ts';

export const DNSSEC_ALGORITHM = 13;
export const DNSKEY_PROTOCOL = 3;
export const DS_DIGEST_SHA256 = 2;
export const DnskeyFlags = { ZSK: 256, KSK: 257 } as const;
export type DnskeyFlags = (typeof DnskeyFlags)[keyof typeof DnskeyFlags];

const publicKeyBytes = 64;
const privateKeyBytes = 32;
const signatureBytes = 64;

export interface DnssecPublicKey {
  readonly flags: DnskeyFlags;
  /** x ‖ y, 64 bytes: the DNSKEY public key field for algorithm 13. */
  readonly publicKey: Uint8Array;
  /** The DNSKEY RDATA. */
  readonly dnskey: Uint8Array;
  readonly keyTag: number;
}

export interface DnssecKeyPair extends DnssecPublicKey {
  readonly privateKey: KeyObject;
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function dnskeyRdata(flags: number, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== publicKeyBytes) throw new DnssecKeyError(`an algorithm 13 public key is ${publicKeyBytes} bytes`, { length: publicKey.length });
  return concat(u16(flags), new Uint8Array([DNSKEY_PROTOCOL, DNSSEC_ALGORITHM]), publicKey);
}

/** RFC 4034 Appendix B. */
export function keyTag(dnskey: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < dnskey.length; i++) ac += i & 1 ? dnskey[i]! : dnskey[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

/** Parses DNSKEY RDATA of algorithm 13. */
export function parseDnskey(dnskey: Uint8Array): DnssecPublicKey {
  if (dnskey.length !== 4 + publicKeyBytes) throw new DnssecKeyError('DNSKEY RDATA is not an algorithm 13 key', { length: dnskey.length });
  const flags = (dnskey[0]! << 8) | dnskey[1]!;
  if (dnskey[2] !== DNSKEY_PROTOCOL || dnskey[3] !== DNSSEC_ALGORITHM) throw new DnssecKeyError('DNSKEY is not protocol 3 algorithm 13');
  if (flags !== DnskeyFlags.KSK && flags !== DnskeyFlags.ZSK) throw new DnssecKeyError(`DNSKEY flags must be 256 or 257, got ${flags}`);
  return { flags, publicKey: dnskey.slice(4), dnskey: dnskey.slice(), keyTag: keyTag(dnskey) };
}

export function publicKeyFromBytes(flags: DnskeyFlags, publicKey: Uint8Array): DnssecPublicKey {
  const dnskey = dnskeyRdata(flags, publicKey);
  return { flags, publicKey: publicKey.slice(), dnskey, keyTag: keyTag(dnskey) };
}

/** A key pair from the 32-byte private scalar (the form keys are stored in). */
export function keyPairFromPrivate(flags: DnskeyFlags, privateScalar: Uint8Array): DnssecKeyPair {
  if (privateScalar.length !== privateKeyBytes) throw new DnssecKeyError(`a P-256 private key is ${privateKeyBytes} bytes`, { length: privateScalar.length });
  let uncompressed: Uint8Array;
  try {
    uncompressed = p256.getPublicKey(privateScalar, false);
  } catch (cause) {
    throw new DnssecKeyError('not a valid P-256 private key', { cause: String(cause) });
  }
  const publicKey = uncompressed.slice(1);
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64url(privateScalar), x: b64url(publicKey.subarray(0, 32)), y: b64url(publicKey.subarray(32)) },
    format: 'jwk',
  });
  return { ...publicKeyFromBytes(flags, publicKey), privateKey };
}

export function generateKeyPair(flags: DnskeyFlags): DnssecKeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return keyPairFromPrivate(flags, exportPrivateScalar(privateKey));
}

/** The 32-byte private scalar of a P-256 key, for storage. */
export function exportPrivateScalar(privateKey: KeyObject): Uint8Array {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new DnssecKeyError('not a P-256 private key');
  return new Uint8Array(Buffer.from(jwk.d, 'base64url'));
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(publicKey.subarray(0, 32)), y: b64url(publicKey.subarray(32)) },
    format: 'jwk',
  });
}

/** DS RDATA, digest type 2 (SHA-256 over owner ‖ DNSKEY RDATA, RFC 4509). */
export function dsRdata(owner: Name, dnskey: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(nameToWire(owner, true)).update(dnskey).digest();
  return concat(u16(keyTag(dnskey)), new Uint8Array([DNSSEC_ALGORITHM, DS_DIGEST_SHA256]), digest);
}

/** 'dcbt.test. 3600 IN DS 12345 13 2 ABCD…' style text (TTL omitted). */
export function dsText(owner: Name, dnskey: Uint8Array): string {
  const ds = dsRdata(owner, dnskey);
  return `${nameToText(owner)} IN DS ${keyTag(dnskey)} ${DNSSEC_ALGORITHM} ${DS_DIGEST_SHA256} ${Buffer.from(ds.subarray(4)).toString('hex').toUpperCase()}`;
}

export function dnskeyText(owner: Name, dnskey: Uint8Array): string {
  const key = parseDnskey(dnskey);
  return `${nameToText(owner)} IN DNSKEY ${key.flags} ${DNSKEY_PROTOCOL} ${DNSSEC_ALGORITHM} ${Buffer.from(key.publicKey).toString('base64')}`;
}

/** The unbound.conf line that makes Unbound trust the zone through its KSK. */
export function unboundTrustAnchor(apex: string, kskDnskey: Uint8Array): string {
  return `trust-anchor: "${dsText(nameFromText(apex), kskDnskey)}"`;
}

// ---------------------------------------------------------------------------------------------
// Canonical form (RFC 4034 §6.2) and signatures

/** Types whose RDATA names are lower-cased in canonical form (RFC 4034 §6.2 as updated by RFC 6840 §5.1). */
function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array {
  const lowerNameAt = (offset: number): Uint8Array => {
    const { name, end } = readUncompressedName(rdata, offset);
    return concat(rdata.subarray(0, offset), nameToWire(name, true), rdata.subarray(end));
  };
  switch (type) {
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.DNAME:
      return lowerNameAt(0);
    case RRType.MX:
      return lowerNameAt(2);
    case RRType.SRV:
      return lowerNameAt(6);
    case RRType.SOA: {
      const first = readUncompressedName(rdata, 0);
      const second = readUncompressedName(rdata, first.end);
      return concat(nameToWire(first.name, true), nameToWire(second.name, true), rdata.subarray(second.end));
    }
    default:
      return rdata;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Canonical RDATA of an RRset, sorted and without duplicates (RFC 4034 §6.3). */
export function canonicalRdatas(set: RRset): Uint8Array[] {
  const sorted = set.rdatas.map((r) => canonicalRdata(set.type, r)).sort(compareBytes);
  return sorted.filter((r, i) => i === 0 || compareBytes(r, sorted[i - 1]!) !== 0);
}

/** Labels field of an RRSIG: owner labels not counting the root nor a leading wildcard. */
export function rrsigLabels(owner: Name): number {
  return owner.length > 0 && owner[0] === '*' ? owner.length - 1 : owner.length;
}

export interface RrsigFields {
  readonly typeCovered: number;
  readonly labels: number;
  readonly originalTtl: number;
  /** Seconds since the epoch (serial number arithmetic is not needed before 2106). */
  readonly expiration: number;
  readonly inception: number;
  readonly keyTag: number;
  readonly signer: Name;
}

function rrsigHead(f: RrsigFields): Uint8Array {
  return concat(
    u16(f.typeCovered),
    new Uint8Array([DNSSEC_ALGORITHM, f.labels]),
    u32(f.originalTtl),
    u32(f.expiration),
    u32(f.inception),
    u16(f.keyTag),
    nameToWire(f.signer, true),
  );
}

/** The bytes an RRSIG signs: RRSIG RDATA without the signature, then the RRset in canonical form. */
export function signatureInput(f: RrsigFields, set: RRset): Uint8Array {
  const owner = nameToWire(set.name, true);
  const parts: Uint8Array[] = [rrsigHead(f)];
  const fixed = concat(u16(set.type), u16(RRClass.IN), u32(f.originalTtl));
  for (const rdata of canonicalRdatas(set)) parts.push(owner, fixed, u16(rdata.length), rdata);
  return concat(...parts);
}

export interface SignOptions {
  readonly signer: Name;
  readonly inceptionSeconds: number;
  readonly expirationSeconds: number;
}

/** Signs an RRset with `key`; returns the RRSIG RDATA. */
export function signRRset(set: RRset, key: DnssecKeyPair, opts: SignOptions): Uint8Array {
  const fields: RrsigFields = {
    typeCovered: set.type,
    labels: rrsigLabels(set.name),
    originalTtl: set.ttl,
    expiration: opts.expirationSeconds >>> 0,
    inception: opts.inceptionSeconds >>> 0,
    keyTag: key.keyTag,
    signer: opts.signer,
  };
  const signature = sign('sha256', signatureInput(fields, set), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return concat(rrsigHead(fields), signature);
}

export interface ParsedRrsig extends RrsigFields {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export function parseRrsig(rdata: Uint8Array): ParsedRrsig {
  if (rdata.length < 18) throw new DnsWireError('RRSIG RDATA too short');
  const view = new DataView(rdata.buffer, rdata.byteOffset, rdata.byteLength);
  const { name: signer, end } = readUncompressedName(rdata, 18);
  return {
    typeCovered: view.getUint16(0),
    algorithm: rdata[2]!,
    labels: rdata[3]!,
    originalTtl: view.getUint32(4),
    expiration: view.getUint32(8),
    inception: view.getUint32(12),
    keyTag: view.getUint16(16),
    signer,
    signature: rdata.slice(end),
  };
}

/**
 * Verifies an RRSIG over an RRset with a DNSKEY, including the validity window at `nowSeconds`.
 * (The server uses this to check the keyset it is given; resolvers do their own.)
 */
export function verifyRRset(set: RRset, rrsig: Uint8Array, dnskey: Uint8Array, nowSeconds: number): boolean {
  const sig = parseRrsig(rrsig);
  const key = parseDnskey(dnskey);
  if (sig.algorithm !== DNSSEC_ALGORITHM || sig.keyTag !== key.keyTag || sig.typeCovered !== set.type) return false;
  if (sig.labels !== rrsigLabels(set.name) || sig.signature.length !== signatureBytes) return false;
  if (nowSeconds < sig.inception || nowSeconds > sig.expiration) return false;
  const ok = verify('sha256', signatureInput({ ...sig, originalTtl: sig.originalTtl }, set), { key: publicKeyObject(key.publicKey), dsaEncoding: 'ieee-p1363' }, sig.signature);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// The signed keyset (chain data)

/** The apex DNSKEY RRset and the KSK's RRSIG over it: what `dcbt dns sign-keyset` produces. */
export interface SignedKeyset {
  /** DNSKEY RDATAs: the KSK and every node's ZSK. */
  readonly dnskeys: readonly Uint8Array[];
  readonly ttlSeconds: number;
  /** RRSIG RDATA by the KSK over the DNSKEY RRset. */
  readonly rrsig: Uint8Array;
}

export const keysetValidityMsDefault = 90 * 24 * 3600 * 1000;
export const keysetBackdateMs = 3600 * 1000;

export function signKeyset(opts: {
  apex: string;
  ksk: DnssecKeyPair;
  /** Every ZSK that should be able to sign the zone (one per node). */
  zsks: readonly DnssecPublicKey[];
  ttlSeconds: number;
  nowMs: number;
  validityMs?: number;
}): SignedKeyset {
  if (opts.ksk.flags !== DnskeyFlags.KSK) throw new DnssecKeyError('the keyset must be signed with a KSK (flags 257)');
  const dnskeys = [opts.ksk.dnskey, ...opts.zsks.map((z) => z.dnskey)];
  const set: RRset = { name: nameFromText(opts.apex), type: RRType.DNSKEY, ttl: opts.ttlSeconds, rdatas: dnskeys };
  const rrsig = signRRset(set, opts.ksk, {
    signer: set.name,
    inceptionSeconds: Math.floor((opts.nowMs - keysetBackdateMs) / 1000),
    expirationSeconds: Math.floor((opts.nowMs + (opts.validityMs ?? keysetValidityMsDefault)) / 1000),
  });
  return { dnskeys, ttlSeconds: opts.ttlSeconds, rrsig };
}

/** Checks a keyset against the KSK and the node's ZSK; throws DnssecKeyError saying what is wrong. */
export function checkKeyset(keyset: SignedKeyset, apex: string, ksk: DnssecPublicKey, zsk: DnssecPublicKey, nowMs: number): void {
  const has = (k: Uint8Array): boolean => keyset.dnskeys.some((d) => compareBytes(d, k) === 0);
  if (!has(ksk.dnskey)) throw new DnssecKeyError('the signed keyset does not contain the KSK', { kskKeyTag: ksk.keyTag });
  if (!has(zsk.dnskey)) throw new DnssecKeyError('the signed keyset does not list this node\'s ZSK: add it and re-sign the keyset', { zskKeyTag: zsk.keyTag });
  const set: RRset = { name: nameFromText(apex), type: RRType.DNSKEY, ttl: keyset.ttlSeconds, rdatas: keyset.dnskeys };
  const sig = parseRrsig(keyset.rrsig);
  if (sig.originalTtl !== keyset.ttlSeconds) throw new DnssecKeyError('keyset TTL differs from the RRSIG original TTL');
  if (!verifyRRset(set, keyset.rrsig, ksk.dnskey, Math.floor(nowMs / 1000))) {
    throw new DnssecKeyError('the KSK signature over the DNSKEY RRset does not verify or is outside its validity window', {
      inception: sig.inception,
      expiration: sig.expiration,
    });
  }
}

/** A name in canonical (lower) case: exported for callers building RRsets by hand. */
export function canonicalName(name: Name): Name {
  return name.map(lowerLabel);
}

/** JSON form of a signed keyset (hex RDATA), for chain transactions, files and the CLI. */
export interface SignedKeysetJson {
  readonly dnskeys: readonly string[];
  readonly ttlSeconds: number;
  readonly rrsig: string;
}

export function keysetToJson(keyset: SignedKeyset): SignedKeysetJson {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  return { dnskeys: keyset.dnskeys.map(hex), ttlSeconds: keyset.ttlSeconds, rrsig: hex(keyset.rrsig) };
}

export function keysetFromJson(json: SignedKeysetJson): SignedKeyset {
  const bytes = (h: string): Uint8Array => {
    if (!/^(?:[0-9a-f]{2})+$/i.test(h)) throw new DnssecKeyError('keyset field is not hex');
    return new Uint8Array(Buffer.from(h, 'hex'));
  };
  if (!Number.isInteger(json.ttlSeconds) || json.ttlSeconds < 0) throw new DnssecKeyError('keyset ttlSeconds must be a non-negative integer');
  const dnskeys = json.dnskeys.map(bytes);
  for (const k of dnskeys) parseDnskey(k);
  parseRrsig(bytes(json.rrsig));
  return { dnskeys, ttlSeconds: json.ttlSeconds, rrsig: bytes(json.rrsig) };
}
