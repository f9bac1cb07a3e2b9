/**
 * The RR types the server itself needs to build or look into. Chain records arrive as wire RDATA
 * and are served as they are; only SOA/NS/A/AAAA (apex data), CNAME/NS targets (following and
 * glue), DNSKEY/DS/RRSIG/NSEC (DNSSEC) and HINFO are encoded or decoded here.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DnsWireError } from './errors.ts';
import type { Name } from './wire.ts';
import { nameToWire, readUncompressedName } from './wire.ts';

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  SSHFP: 44,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  CDS: 59,
  CDNSKEY: 60,
  SVCB: 64,
  HTTPS: 65,
  /** RFC 9824 — listed so it is never served from chain data. */
  NXNAME: 128,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  CAA: 257,
} as const;

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u16(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
}

export function u32(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, v >>> 0);
  return out;
}

export function aRdata(address: string): Uint8Array {
  if (!isIPv4(address)) throw new DnsWireError(`not an IPv4 address: ${address}`);
  return new Uint8Array(address.split('.').map(Number));
}

export function aaaaRdata(address: string): Uint8Array {
  if (!isIPv6(address)) throw new DnsWireError(`not an IPv6 address: ${address}`);
  // The WHATWG URL parser normalises IPv6 (embedded IPv4 included) to hex groups with at most one '::'.
  const text = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', rest] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
  if (groups.length !== 8) throw new DnsWireError(`not an IPv6 address: ${address}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

export function nameRdata(target: Name): Uint8Array {
  return nameToWire(target, true);
}

/** The single domain name an NS, CNAME, DNAME or PTR RDATA holds. */
export function rdataTargetName(rdata: Uint8Array): Name {
  const { name, end } = readUncompressedName(rdata, 0);
  if (end !== rdata.length) throw new DnsWireError('trailing bytes after target name');
  return name;
}

export interface Soa {
  readonly mname: Name;
  readonly rname: Name;
  readonly serial: number;
  readonly refreshSeconds: number;
  readonly retrySeconds: number;
  readonly expireSeconds: number;
  readonly minimumSeconds: number;
}

export function soaRdata(soa: Soa): Uint8Array {
  return concat(
    nameToWire(soa.mname, true),
    nameToWire(soa.rname, true),
    u32(soa.serial),
    u32(soa.refreshSeconds),
    u32(soa.retrySeconds),
    u32(soa.expireSeconds),
    u32(soa.minimumSeconds),
  );
}

function characterString(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > 255) throw new DnsWireError('character-string longer than 255 octets');
  return concat(new Uint8Array([bytes.length]), bytes);
}

export function hinfoRdata(cpu: string, os: string): Uint8Array {
  return concat(characterString(cpu), characterString(os));
}

/** NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2). */
export function typeBitmap(types: Iterable<number>): Uint8Array {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let i = 0;
  while (i < sorted.length) {
    const window = sorted[i]! >> 8;
    const bits = new Uint8Array(32);
    let used = 0;
    while (i < sorted.length && sorted[i]! >> 8 === window) {
      const low = sorted[i]! & 0xff;
      bits[low >> 3]! |= 0x80 >> (low & 7);
      used = (low >> 3) + 1;
      i++;
    }
    parts.push(new Uint8Array([window, used]), bits.subarray(0, used));
  }
  return concat(...parts);
}

export function parseTypeBitmap(bitmap: Uint8Array): number[] {
  const types: number[] = [];
  let pos = 0;
  while (pos < bitmap.length) {
    if (pos + 2 > bitmap.length) throw new DnsWireError('truncated type bitmap');
    const window = bitmap[pos]!;
    const len = bitmap[pos + 1]!;
    if (len < 1 || len > 32 || pos + 2 + len > bitmap.length) throw new DnsWireError('bad type bitmap window');
    for (let b = 0; b < len; b++) {
      const byte = bitmap[pos + 2 + b]!;
      for (let bit = 0; bit < 8; bit++) if (byte & (0x80 >> bit)) types.push(window * 256 + b * 8 + bit);
    }
    pos += 2 + len;
  }
  return types;
}

export function nsecRdata(next: Name, types: Iterable<number>): Uint8Array {
  return concat(nameToWire(next, true), typeBitmap(types));
}

export function parseNsec(rdata: Uint8Array): { next: Name; types: number[] } {
  const { name, end } = readUncompressedName(rdata, 0);
  return { next: name, types: parseTypeBitmap(rdata.subarray(end)) };
}
