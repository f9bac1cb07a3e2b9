/**
 * TSIG (RFC 8945): HMAC transaction signatures over whole DNS messages, with node:crypto. Used to
 * authenticate zone transfers, the SOA queries secondaries send before them, and our NOTIFYs.
 *
 * The TSIG record is always the last record of the additional section. The MAC covers:
 *  - a request:            message (without TSIG, ARCOUNT − 1, original ID) ‖ TSIG variables
 *  - a response:           len(request MAC) ‖ request MAC ‖ message ‖ TSIG variables
 *  - later messages of a multi-message answer (AXFR/IXFR):
 *                          len(previous MAC) ‖ previous MAC ‖ message ‖ time signed ‖ fudge
 * where the variables are key name and algorithm (canonical wire form), class ANY, TTL 0, time
 * signed (48 bits), fudge, error, other length and other data (RFC 8945 §4.3.3). We sign every
 * message of a transfer (RFC 8945 §5.3.1 allows gaps of up to 99; none is simpler and safer) and
 * accept only untruncated MACs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DnsWireError } from '../errors.ts';
import { concat, RRType, u16, u32 } from '../rdata.ts';
import type { Name } from '../wire.ts';
import { headerBytes, lowerName, nameWireLength, nameFromText, nameKey, nameToText, nameToWire, readName, readUncompressedName, RRClass } from '../wire.ts';
import { TransferConfigError } from './errors.ts';

export const TsigAlgorithms = { 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' } as const;
export type TsigAlgorithm = keyof typeof TsigAlgorithms;
const macBytes: Record<TsigAlgorithm, number> = { 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 };

/** TSIG error codes (RFC 8945 §3); the message RCODE is NOTAUTH for all of them. */
export const TsigError = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;
export const RCODE_NOTAUTH = 9;

/** Allowed clock difference between signer and verifier (RFC 8945 §10 recommends 300 s). */
export const tsigFudgeSecondsDefault = 300;
/** Shortest shared secret we accept: as long as the hash output (RFC 8945 §6.1 / RFC 2104). */
export const tsigSecretBytesMin = 16;

/** How keys are configured: the form `dig -y algorithm:name:secret` takes. */
export interface TsigKeyConfig {
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secretBase64: string;
}

export interface TsigKey {
  readonly name: Name;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Uint8Array;
}

export function tsigKey(config: TsigKeyConfig): TsigKey {
  if (!(config.algorithm in TsigAlgorithms)) throw new TransferConfigError(`TSIG algorithm must be one of ${Object.keys(TsigAlgorithms).join(', ')}`, { algorithm: config.algorithm });
  const secret = new Uint8Array(Buffer.from(config.secretBase64, 'base64'));
  if (secret.length < tsigSecretBytesMin || Buffer.from(secret).toString('base64') !== config.secretBase64.replace(/\s+/g, '')) {
    throw new TransferConfigError(`TSIG secret must be base64 of at least ${tsigSecretBytesMin} bytes`, { name: config.name });
  }
  return { name: lowerName(nameFromText(config.name)), algorithm: config.algorithm, secret };
}

/** The RDATA fields of a TSIG record. */
export interface TsigRecord {
  readonly keyName: Name;
  readonly algorithm: Name;
  /** Seconds since the epoch (48 bits on the wire). */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Uint8Array;
  readonly originalId: number;
  readonly error: number;
  readonly other: Uint8Array;
}

/** A message split at its TSIG record. */
export interface TsigSplit {
  readonly tsig: TsigRecord;
  /** The message as it was before signing: TSIG removed, ARCOUNT − 1, ID = original ID. */
  readonly unsigned: Uint8Array;
}

function u48(v: number): Uint8Array {
  return concat(u16(Math.floor(v / 0x100000000) & 0xffff), u32(v % 0x100000000));
}

/** Other Data of a BADTIME answer: the server's time, 48 bits (RFC 8945 §5.2.3). */
export function tsigTimeOther(nowSeconds: number): Uint8Array {
  return u48(Math.floor(nowSeconds));
}

/**
 * Finds the TSIG record of a message. Undefined when there is none; throws DnsWireError when it is
 * malformed or not the last record (RFC 8945 §5.1: FORMERR).
 */
export function splitTsig(wire: Uint8Array): TsigSplit | undefined {
  if (wire.length < headerBytes) throw new DnsWireError('shorter than a DNS header');
  const view = new DataView(wire.buffer, wire.byteOffset, wire.byteLength);
  const counts = [view.getUint16(4), view.getUint16(6), view.getUint16(8), view.getUint16(10)] as const;
  let pos = headerBytes;
  for (let i = 0; i < counts[0]; i++) {
    pos = readName(wire, pos).end + 4;
    if (pos > wire.length) throw new DnsWireError('truncated question');
  }
  const total = counts[1] + counts[2] + counts[3];
  let lastStart = -1;
  let tsigSeen = 0;
  let last: { name: Name; type: number; klass: number; ttl: number; rdata: Uint8Array } | undefined;
  for (let i = 0; i < total; i++) {
    const start = pos;
    const { name, end } = readName(wire, pos);
    if (end + 10 > wire.length) throw new DnsWireError('truncated resource record');
    const type = view.getUint16(end);
    const rdlength = view.getUint16(end + 8);
    if (end + 10 + rdlength > wire.length) throw new DnsWireError('RDATA runs past the end of the message');
    if (type === RRType.TSIG) tsigSeen++;
    last = { name, type, klass: view.getUint16(end + 2), ttl: view.getUint32(end + 4), rdata: wire.subarray(end + 10, end + 10 + rdlength) };
    lastStart = start;
    pos = end + 10 + rdlength;
  }
  if (pos !== wire.length) throw new DnsWireError('trailing bytes after the last record');
  if (tsigSeen === 0) return undefined;
  if (tsigSeen > 1 || !last || last.type !== RRType.TSIG || counts[3] === 0) throw new DnsWireError('TSIG must be the last record of the additional section');
  if (last.klass !== RRClass.ANY || last.ttl !== 0) throw new DnsWireError('TSIG must have class ANY and TTL 0');
  const tsig = parseTsigRdata(lowerName(last.name), last.rdata);
  const unsigned = wire.slice(0, lastStart);
  const out = new DataView(unsigned.buffer);
  out.setUint16(0, tsig.originalId);
  out.setUint16(10, counts[3] - 1);
  return { tsig, unsigned };
}

function parseTsigRdata(keyName: Name, rdata: Uint8Array): TsigRecord {
  const { name: algorithm, end } = readUncompressedName(rdata, 0);
  const view = new DataView(rdata.buffer, rdata.byteOffset, rdata.byteLength);
  const need = (n: number): void => {
    if (n > rdata.length) throw new DnsWireError('TSIG RDATA too short');
  };
  need(end + 10);
  const timeSigned = view.getUint16(end) * 0x100000000 + view.getUint32(end + 2);
  const fudge = view.getUint16(end + 6);
  const macSize = view.getUint16(end + 8);
  need(end + 10 + macSize + 6);
  const mac = rdata.slice(end + 10, end + 10 + macSize);
  let p = end + 10 + macSize;
  const originalId = view.getUint16(p);
  const error = view.getUint16(p + 2);
  const otherLen = view.getUint16(p + 4);
  p += 6;
  need(p + otherLen);
  if (p + otherLen !== rdata.length) throw new DnsWireError('trailing bytes in TSIG RDATA');
  return { keyName, algorithm: lowerName(algorithm), timeSigned, fudge, mac, originalId, error, other: rdata.slice(p, p + otherLen) };
}

/** Bytes the TSIG record of a message signed with `key` takes (no error data). */
export function tsigRecordLength(key: TsigKey): number {
  return nameWireLength(key.name) + 10 + nameWireLength(algorithmName(key.algorithm)) + 16 + macBytes[key.algorithm];
}

function algorithmName(algorithm: TsigAlgorithm): Name {
  return [algorithm];
}

/** TSIG variables (RFC 8945 §4.3.3), or only the timers for later messages of a transfer. */
function variables(t: Omit<TsigRecord, 'mac' | 'originalId'>, timersOnly: boolean): Uint8Array {
  const timers = concat(u48(t.timeSigned), u16(t.fudge));
  if (timersOnly) return timers;
  return concat(nameToWire(t.keyName, true), u16(RRClass.ANY), u32(0), nameToWire(t.algorithm, true), timers, u16(t.error), u16(t.other.length), t.other);
}

/** What a MAC is chained to: nothing (a request), the request's MAC, or the previous message's. */
export type MacChain = { readonly kind: 'request' } | { readonly kind: 'response'; readonly requestMac: Uint8Array } | { readonly kind: 'next'; readonly previousMac: Uint8Array };

function computeMac(key: TsigKey, unsigned: Uint8Array, t: Omit<TsigRecord, 'mac' | 'originalId'>, chain: MacChain): Uint8Array {
  const h = createHmac(TsigAlgorithms[key.algorithm], key.secret);
  if (chain.kind === 'response') h.update(concat(u16(chain.requestMac.length), chain.requestMac));
  if (chain.kind === 'next') h.update(concat(u16(chain.previousMac.length), chain.previousMac));
  h.update(unsigned);
  h.update(variables(t, chain.kind === 'next'));
  return new Uint8Array(h.digest());
}

function tsigRecordBytes(t: TsigRecord): Uint8Array {
  const rdata = concat(nameToWire(t.algorithm, true), u48(t.timeSigned), u16(t.fudge), u16(t.mac.length), t.mac, u16(t.originalId), u16(t.error), u16(t.other.length), t.other);
  return concat(nameToWire(t.keyName, true), u16(RRType.TSIG), u16(RRClass.ANY), u32(0), u16(rdata.length), rdata);
}

/** Appends a TSIG record to an encoded message (ARCOUNT + 1). */
function appendTsig(unsigned: Uint8Array, t: TsigRecord): Uint8Array {
  const out = concat(unsigned, tsigRecordBytes(t));
  const view = new DataView(out.buffer);
  view.setUint16(10, view.getUint16(10) + 1);
  return out;
}

export interface SignOptions {
  readonly nowSeconds: number;
  readonly chain: MacChain;
  readonly fudge?: number;
  readonly error?: number;
  readonly other?: Uint8Array;
  /** Keep this time signed (a BADTIME answer echoes the request's). */
  readonly timeSigned?: number;
}

/** Signs an encoded message; returns the signed message and its MAC (to chain the next one). */
export function signMessage(unsigned: Uint8Array, key: TsigKey, opts: SignOptions): { wire: Uint8Array; mac: Uint8Array } {
  const base = {
    keyName: key.name,
    algorithm: algorithmName(key.algorithm),
    timeSigned: opts.timeSigned ?? Math.floor(opts.nowSeconds),
    fudge: opts.fudge ?? tsigFudgeSecondsDefault,
    error: opts.error ?? TsigError.NOERROR,
    other: opts.other ?? new Uint8Array(0),
  };
  const mac = computeMac(key, unsigned, base, opts.chain);
  const originalId = (unsigned[0]! << 8) | unsigned[1]!;
  return { wire: appendTsig(unsigned, { ...base, mac, originalId }), mac };
}

/**
 * An unsigned TSIG error answer (BADKEY, BADSIG: RFC 8945 §5.2.1–2): the MAC is empty because
 * the client's key could not be used.
 */
export function appendUnsignedTsigError(unsigned: Uint8Array, request: TsigRecord, error: number, nowSeconds: number): Uint8Array {
  const originalId = (unsigned[0]! << 8) | unsigned[1]!;
  return appendTsig(unsigned, { ...request, timeSigned: Math.floor(nowSeconds), mac: new Uint8Array(0), originalId, error, other: new Uint8Array(0) });
}

export type TsigVerdict =
  | { readonly ok: true; readonly key: TsigKey; readonly tsig: TsigRecord; readonly unsigned: Uint8Array }
  | { readonly ok: false; readonly error: number; readonly key: TsigKey | undefined; readonly tsig: TsigRecord; readonly unsigned: Uint8Array };

/**
 * Checks the TSIG of a split message: known key and algorithm (else BADKEY), untruncated MAC
 * (BADTRUNC), MAC (BADSIG), then time within the fudge (BADTIME), in RFC 8945 §5.2 order.
 */
export function verifySplit(split: TsigSplit, keys: readonly TsigKey[], chain: MacChain, nowSeconds: number): TsigVerdict {
  const { tsig, unsigned } = split;
  const key = keys.find((k) => nameKey(k.name) === nameKey(tsig.keyName) && nameKey(algorithmName(k.algorithm)) === nameKey(tsig.algorithm));
  if (!key) return { ok: false, error: TsigError.BADKEY, key: undefined, tsig, unsigned };
  const size = macBytes[key.algorithm];
  if (tsig.mac.length > size || tsig.mac.length < Math.max(10, size / 2)) throw new DnsWireError('TSIG MAC size out of range', { size: tsig.mac.length });
  if (tsig.mac.length !== size) return { ok: false, error: TsigError.BADTRUNC, key, tsig, unsigned };
  const expected = computeMac(key, unsigned, tsig, chain);
  if (!timingSafeEqual(expected, tsig.mac)) return { ok: false, error: TsigError.BADSIG, key, tsig, unsigned };
  if (Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge) return { ok: false, error: TsigError.BADTIME, key, tsig, unsigned };
  return { ok: true, key, tsig, unsigned };
}

/** Verifies a signed message; undefined when it carries no TSIG. Throws DnsWireError if malformed. */
export function verifyMessage(wire: Uint8Array, keys: readonly TsigKey[], chain: MacChain, nowSeconds: number): TsigVerdict | undefined {
  const split = splitTsig(wire);
  return split ? verifySplit(split, keys, chain, nowSeconds) : undefined;
}

/** 'dig -y' / 'kdig -y' argument for a key. */
export function digKeyArgument(config: TsigKeyConfig): string {
  return `${config.algorithm}:${nameToText(nameFromText(config.name)).replace(/\.$/, '')}:${config.secretBase64}`;
}
