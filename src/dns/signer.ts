/**
 * Online signing: the node's ZSK signs each RRset the first time it is served, and the signature
 * is kept in a bounded LRU cache keyed by the RRset's canonical form. The DNSKEY RRset carries the
 * KSK signature from the signed keyset (chain data), or one made here when the node holds the KSK.
 */
import { createHash } from 'node:crypto';
import { canonicalRdatas, checkKeyset, signRRset } from './dnssec.ts';
import type { DnssecKeyPair, DnssecPublicKey, SignedKeyset } from './dnssec.ts';
import { DnssecKeyError } from './errors.ts';
import { concat, RRType, u16, u32 } from './rdata.ts';
import type { Name, RRset } from './wire.ts';
import { nameEquals, nameToText, nameToWire } from './wire.ts';

/** The keys a node serves the zone with. */
export interface DnssecKeys {
  /** The KSK. With its private key the node can sign the keyset itself (devnet); otherwise `keyset` is required. */
  readonly ksk: DnssecPublicKey | DnssecKeyPair;
  /** This node's ZSK: signs every RRset except DNSKEY. */
  readonly zsk: DnssecKeyPair;
  /** The DNSKEY RRset and the KSK's RRSIG over it, as stored on chain. */
  readonly keyset?: SignedKeyset;
}

export const signatureBackdateMs = 3600 * 1000;
export const signatureValidityMs = 7 * 24 * 3600 * 1000;
/** Expiration is spread ±12 h (deterministically from the RRset hash) so re-signing does not bunch up. */
export const signatureJitterMs = 12 * 3600 * 1000;
/** A cached signature is replaced once it has less than this left. */
export const signatureRefreshBeforeExpiryMs = 5 * 24 * 3600 * 1000;

export interface SignerStats {
  cacheHits: number;
  signatures: number;
}

interface CacheEntry {
  readonly rrsig: Uint8Array;
  readonly inceptionMs: number;
  readonly expirationMs: number;
}

function hasPrivate(k: DnssecPublicKey | DnssecKeyPair): k is DnssecKeyPair {
  return 'privateKey' in k && k.privateKey !== undefined;
}

export class Signer {
  readonly apex: Name;
  readonly zsk: DnssecKeyPair;
  readonly ksk: DnssecPublicKey | DnssecKeyPair;
  readonly dnskeySet: RRset;
  readonly stats: SignerStats = { cacheHits: 0, signatures: 0 };
  private readonly keysetRrsig: Uint8Array | undefined;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheEntriesMax: number;

  constructor(opts: { apex: Name; keys: DnssecKeys; dnskeyTtlSeconds: number; cacheEntriesMax: number; nowMs: number }) {
    const { keys } = opts;
    if (keys.zsk.flags !== 256) throw new DnssecKeyError('the ZSK must have DNSKEY flags 256');
    if (keys.ksk.flags !== 257) throw new DnssecKeyError('the KSK must have DNSKEY flags 257');
    this.apex = opts.apex;
    this.zsk = keys.zsk;
    this.ksk = keys.ksk;
    this.cacheEntriesMax = opts.cacheEntriesMax;
    if (keys.keyset) {
      checkKeyset(keys.keyset, nameToText(opts.apex), keys.ksk, keys.zsk, opts.nowMs);
      this.dnskeySet = { name: opts.apex, type: RRType.DNSKEY, ttl: keys.keyset.ttlSeconds, rdatas: keys.keyset.dnskeys };
      this.keysetRrsig = keys.keyset.rrsig;
    } else {
      if (!hasPrivate(keys.ksk)) throw new DnssecKeyError('without a signed keyset the node needs the KSK private key to sign the DNSKEY RRset');
      this.dnskeySet = { name: opts.apex, type: RRType.DNSKEY, ttl: opts.dnskeyTtlSeconds, rdatas: [keys.ksk.dnskey, keys.zsk.dnskey] };
      this.keysetRrsig = undefined;
    }
  }

  /** RRSIG RDATA for an RRset of this zone, at wall-clock time `nowMs`. */
  rrsig(set: RRset, nowMs: number): Uint8Array {
    if (set.type === RRType.DNSKEY && nameEquals(set.name, this.apex)) {
      if (this.keysetRrsig) return this.keysetRrsig;
      return this.cached(set, nowMs, this.ksk as DnssecKeyPair);
    }
    return this.cached(set, nowMs, this.zsk);
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  private cached(set: RRset, nowMs: number, key: DnssecKeyPair): Uint8Array {
    const digest = rrsetDigest(set, key.keyTag);
    const id = Buffer.from(digest).toString('base64');
    const hit = this.cache.get(id);
    if (hit && hit.inceptionMs <= nowMs && hit.expirationMs - nowMs > signatureRefreshBeforeExpiryMs) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      this.stats.cacheHits++;
      return hit.rrsig;
    }
    const jitterMs = Math.round(((new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0) / 0xffffffff) * 2 - 1) * signatureJitterMs);
    const inceptionMs = nowMs - signatureBackdateMs;
    const expirationMs = nowMs + signatureValidityMs + jitterMs;
    const rrsig = signRRset(set, key, {
      signer: this.apex,
      inceptionSeconds: Math.floor(inceptionMs / 1000),
      expirationSeconds: Math.floor(expirationMs / 1000),
    });
    this.stats.signatures++;
    this.cache.delete(id);
    this.cache.set(id, { rrsig, inceptionMs, expirationMs });
    while (this.cache.size > this.cacheEntriesMax) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return rrsig;
  }
}

/** SHA-256 over the RRset's canonical form (owner, type, TTL, sorted RDATA) and the signing key. */
export function rrsetDigest(set: RRset, keyTag: number): Uint8Array {
  const h = createHash('sha256');
  h.update(concat(nameToWire(set.name, true), u16(set.type), u32(set.ttl), u16(keyTag)));
  for (const r of canonicalRdatas(set)) h.update(concat(u16(r.length), r));
  return new Uint8Array(h.digest());
}
