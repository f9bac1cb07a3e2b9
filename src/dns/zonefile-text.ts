/**
 * RFC 1035 §5 presentation form of resource records, for zone files. The types the zone holds
 * (A, AAAA, NS, CNAME, SOA, MX, TXT, SRV, CAA, TLSA, DS, DNSKEY, RRSIG, NSEC, …) are written in
 * their usual text form; any other type, or RDATA that does not parse as its type, is written in
 * the RFC 3597 generic form (`TYPE65 \# 3 0a0b0c`), which every zone-file parser reads.
 */
import { parseTypeBitmap, RRType } from './rdata.ts';
import type { ResourceRecord } from './wire.ts';
import { nameToText, readUncompressedName } from './wire.ts';

const typeNames = new Map<number, string>(Object.entries(RRType).map(([name, type]) => [type, name]));

/** The mnemonic of a type ('A', 'RRSIG'), or 'TYPE<n>' (RFC 3597 §5). */
export function typeMnemonic(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

class RdataReader {
  pos = 0;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  u8(): number {
    if (this.pos + 1 > this.bytes.length) throw new RangeError('RDATA too short');
    return this.bytes[this.pos++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u32(): number {
    return this.u16() * 0x10000 + this.u16();
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new RangeError('RDATA too short');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  rest(): Uint8Array {
    return this.take(this.bytes.length - this.pos);
  }
  name(): string {
    const { name, end } = readUncompressedName(this.bytes, this.pos);
    this.pos = end;
    return nameToText(name);
  }
  /** <character-string>: a length octet and that many octets. */
  string(): string {
    return quoted(this.take(this.u8()));
  }
  done(): void {
    if (this.pos !== this.bytes.length) throw new RangeError('trailing bytes in RDATA');
  }
}

/** A quoted <character-string>: '"' and '\' escaped, octets outside printable ASCII as \DDD. */
function quoted(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b < 0x20 || b > 0x7e) out += '\\' + String(b).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out + '"';
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const base64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** RRSIG time field: YYYYMMDDHHmmSS in UTC (RFC 4034 §3.2). */
export function rrsigTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function ipv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // The URL parser writes the RFC 5952 form (longest run of zero groups as '::').
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function rdataText(type: number, rdata: Uint8Array): string {
  const r = new RdataReader(rdata);
  let text: string;
  switch (type) {
    case RRType.A:
      text = [...r.take(4)].join('.');
      break;
    case RRType.AAAA:
      text = ipv6Text(r.take(16));
      break;
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.DNAME:
      text = r.name();
      break;
    case RRType.SOA:
      text = [r.name(), r.name(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()].join(' ');
      break;
    case RRType.MX:
      text = `${r.u16()} ${r.name()}`;
      break;
    case RRType.SRV:
      text = `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`;
      break;
    case RRType.TXT: {
      const parts: string[] = [];
      do parts.push(r.string());
      while (r.pos < rdata.length);
      text = parts.join(' ');
      break;
    }
    case RRType.HINFO:
      text = `${r.string()} ${r.string()}`;
      break;
    case RRType.CAA: {
      const flags = r.u8();
      const tag = r.take(r.u8());
      if (tag.length === 0 || !tag.every((c) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a))) throw new RangeError('CAA tag');
      text = `${flags} ${Buffer.from(tag).toString('latin1')} ${quoted(r.rest())}`;
      break;
    }
    case RRType.TLSA:
      text = `${r.u8()} ${r.u8()} ${r.u8()} ${hex(r.rest())}`;
      break;
    case RRType.SSHFP:
      text = `${r.u8()} ${r.u8()} ${hex(r.rest())}`;
      break;
    case RRType.DS:
    case RRType.CDS:
      text = `${r.u16()} ${r.u8()} ${r.u8()} ${hex(r.rest())}`;
      break;
    case RRType.DNSKEY:
    case RRType.CDNSKEY:
      text = `${r.u16()} ${r.u8()} ${r.u8()} ${base64(r.rest())}`;
      break;
    case RRType.RRSIG: {
      const covered = typeMnemonic(r.u16());
      const fields = [covered, r.u8(), r.u8(), r.u32(), rrsigTime(r.u32()), rrsigTime(r.u32()), r.u16(), r.name()];
      text = `${fields.join(' ')} ${base64(r.rest())}`;
      break;
    }
    case RRType.NSEC: {
      const next = r.name();
      text = [next, ...parseTypeBitmap(r.rest()).map(typeMnemonic)].join(' ');
      break;
    }
    default:
      throw new RangeError('no presentation form');
  }
  r.done();
  if ((type === RRType.DS || type === RRType.TLSA || type === RRType.SSHFP || type === RRType.DNSKEY || type === RRType.RRSIG) && text.endsWith(' ')) {
    throw new RangeError('empty key, digest or signature');
  }
  return text;
}

/** RFC 3597 §5 generic RDATA. */
function genericRdata(rdata: Uint8Array): string {
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${hex(rdata)}`;
}

/** One record as a zone-file line: 'alice.dcbt.test. 300 IN A 192.0.2.1'. */
export function rrToText(rr: ResourceRecord): string {
  const head = `${nameToText(rr.name)} ${rr.ttl} IN`;
  try {
    return `${head} ${typeMnemonic(rr.type)} ${rdataText(rr.type, rr.rdata)}`;
  } catch {
    return `${head} TYPE${rr.type} ${genericRdata(rr.rdata)}`;
  }
}
