/**
 * DNS wire format (RFC 1035 §4) for the authoritative server: domain names, and a message codec
 * that keeps every RDATA as raw bytes. Chain records already carry their RDATA in wire form, so
 * the server never needs to understand most types; only the few it builds itself have codecs
 * (`rdata.ts`).
 *
 * A name is an array of labels, leftmost first, without the root label. Each label is a string
 * holding one byte per character (latin1), so arbitrary octets (`\000`, `\255`, '.') round-trip.
 */
import { DnsWireError } from './errors.ts';

export type Name = readonly string[];

/** RFC 1035 §2.3.4 */
export const labelBytesMax = 63;
export const nameBytesMax = 255;
export const headerBytes = 12;
/** A compression pointer can address only the first 16 KiB of a message. */
const compressionOffsetMax = 0x3fff;

export const RRClass = { IN: 1, CH: 3, NONE: 254, ANY: 255 } as const;
export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended RCODE (RFC 6891): 4 bits in the header, the upper 8 in the OPT record. */
  BADVERS: 16,
} as const;

// ---------------------------------------------------------------------------------------------
// Names

function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** ASCII-only lower case (RFC 4343): bytes ≥ 0x80 are left alone. */
export function lowerLabel(label: string): string {
  if (!/[A-Z]/.test(label)) return label;
  let out = '';
  for (let i = 0; i < label.length; i++) out += String.fromCharCode(lowerByte(label.charCodeAt(i)));
  return out;
}

export function lowerName(name: Name): Name {
  return name.map(lowerLabel);
}

export function nameWireLength(name: Name): number {
  let n = 1;
  for (const label of name) n += 1 + label.length;
  return n;
}

/** Presentation form (RFC 1035 §5.1) with a trailing dot; '.' for the root. */
export function nameToText(name: Name): string {
  if (name.length === 0) return '.';
  let out = '';
  for (const label of name) {
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24) {
        out += '\\' + label[i];
      } else if (c <= 0x20 || c >= 0x7f) {
        out += '\\' + String(c).padStart(3, '0');
      } else {
        out += label[i];
      }
    }
    out += '.';
  }
  return out;
}

/** Parses presentation form; a missing trailing dot is taken as absolute (the server has no origin). */
export function nameFromText(text: string): Name {
  if (text === '.' || text === '') return [];
  const labels: string[] = [];
  let label = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '.') {
      if (label.length === 0) throw new DnsWireError(`empty label in ${JSON.stringify(text)}`);
      labels.push(label);
      label = '';
      i++;
    } else if (ch === '\\') {
      const digits = text.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(digits)) {
        const code = Number(digits);
        if (code > 255) throw new DnsWireError(`bad escape \\${digits}`);
        label += String.fromCharCode(code);
        i += 4;
      } else {
        if (i + 1 >= text.length) throw new DnsWireError('dangling backslash');
        label += text[i + 1];
        i += 2;
      }
    } else {
      const code = ch.charCodeAt(0);
      if (code > 0xff) throw new DnsWireError(`non-latin1 character in name (use the A-label): ${JSON.stringify(text)}`);
      label += ch;
      i++;
    }
  }
  if (label.length > 0) labels.push(label);
  checkName(labels);
  return labels;
}

export function checkName(name: Name): void {
  for (const label of name) {
    if (label.length === 0 || label.length > labelBytesMax) throw new DnsWireError('label length out of range', { length: label.length });
  }
  if (nameWireLength(name) > nameBytesMax) throw new DnsWireError('name longer than 255 octets');
}

/** Uncompressed wire form, optionally in canonical (lower) case. */
export function nameToWire(name: Name, lower = false): Uint8Array {
  const out = new Uint8Array(nameWireLength(name));
  let o = 0;
  for (const label of name) {
    out[o++] = label.length;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      out[o++] = lower ? lowerByte(c) : c;
    }
  }
  out[o] = 0;
  return out;
}

/** Reads a possibly compressed name at `offset`; `end` is the offset just after it in `buf`. */
export function readName(buf: Uint8Array, offset: number): { name: Name; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let total = 1;
  // Every pointer must go strictly backwards, so loops are impossible and this terminates.
  let lowestPointerTarget = offset;
  while (true) {
    if (pos >= buf.length) throw new DnsWireError('name runs past the end of the message', { offset });
    const len = buf[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsWireError('truncated compression pointer', { offset });
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= lowestPointerTarget) throw new DnsWireError('compression pointer does not point backwards', { offset });
      lowestPointerTarget = target;
      if (end < 0) end = pos + 2;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new DnsWireError('unsupported label type', { offset, byte: len });
    if (pos + 1 + len > buf.length) throw new DnsWireError('label runs past the end of the message', { offset });
    total += 1 + len;
    if (total > nameBytesMax) throw new DnsWireError('name longer than 255 octets', { offset });
    let label = '';
    for (let i = 0; i < len; i++) label += String.fromCharCode(buf[pos + 1 + i]!);
    labels.push(label);
    pos += 1 + len;
  }
  return { name: labels, end };
}

/** An uncompressed name that must fill `bytes` exactly (RDATA fields written by the chain). */
export function nameFromWire(bytes: Uint8Array): Name {
  const { name, end } = readUncompressedName(bytes, 0);
  if (end !== bytes.length) throw new DnsWireError('trailing bytes after name');
  return name;
}

/** Reads an uncompressed name (inside RDATA, where compression is not allowed for new types). */
export function readUncompressedName(buf: Uint8Array, offset: number): { name: Name; end: number } {
  let pos = offset;
  const labels: string[] = [];
  let total = 1;
  while (true) {
    if (pos >= buf.length) throw new DnsWireError('name runs past the end of the data');
    const len = buf[pos]!;
    if (len === 0) return { name: labels, end: pos + 1 };
    if (len > labelBytesMax) throw new DnsWireError('compressed or invalid label in RDATA name');
    if (pos + 1 + len > buf.length) throw new DnsWireError('label runs past the end of the data');
    total += 1 + len;
    if (total > nameBytesMax) throw new DnsWireError('name longer than 255 octets');
    let label = '';
    for (let i = 0; i < len; i++) label += String.fromCharCode(buf[pos + 1 + i]!);
    labels.push(label);
    pos += 1 + len;
  }
}

export function nameEquals(a: Name, b: Name): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (lowerLabel(a[i]!) !== lowerLabel(b[i]!)) return false;
  return true;
}

/** True when `name` is `ancestor` or below it. */
export function isSubdomain(name: Name, ancestor: Name): boolean {
  if (name.length < ancestor.length) return false;
  const skip = name.length - ancestor.length;
  for (let i = 0; i < ancestor.length; i++) if (lowerLabel(name[skip + i]!) !== lowerLabel(ancestor[i]!)) return false;
  return true;
}

function compareLabels(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = lowerByte(a.charCodeAt(i)) - lowerByte(b.charCodeAt(i));
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Canonical DNS name order (RFC 4034 §6.1): compare label by label from the right. */
export function compareNames(a: Name, b: Name): number {
  let i = a.length - 1;
  let j = b.length - 1;
  while (i >= 0 && j >= 0) {
    const d = compareLabels(a[i]!, b[j]!);
    if (d !== 0) return d;
    i--;
    j--;
  }
  return a.length - b.length;
}

/** A map key for a name: its lower-case presentation form. */
export function nameKey(name: Name): string {
  return nameToText(lowerName(name));
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface Question {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
}

export interface ResourceRecord {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: Uint8Array;
}

export interface Header {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** The 4 header bits only; extended RCODE bits live in the OPT record. */
  readonly rcode: number;
}

export interface Message extends Header {
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
  readonly additionals: readonly ResourceRecord[];
}

/** Reads the 12-byte header, or undefined when there are not 12 bytes. */
export function readHeader(buf: Uint8Array): (Header & { counts: [number, number, number, number] }) | undefined {
  if (buf.length < headerBytes) return undefined;
  const u16 = (o: number): number => (buf[o]! << 8) | buf[o + 1]!;
  const flags = u16(2);
  return {
    id: u16(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
    counts: [u16(4), u16(6), u16(8), u16(10)],
  };
}

export interface DecodeLimits {
  /** Refuse messages with more records than this in all sections together (questions included). */
  readonly recordsMax: number;
}

/** Full decode; throws DnsWireError on anything malformed, including trailing garbage. */
export function decodeMessage(buf: Uint8Array, limits: DecodeLimits = { recordsMax: 65535 * 4 }): Message {
  const header = readHeader(buf);
  if (!header) throw new DnsWireError('shorter than a DNS header', { length: buf.length });
  const [qd, an, ns, ar] = header.counts;
  if (qd + an + ns + ar > limits.recordsMax) throw new DnsWireError('too many records', { count: qd + an + ns + ar });
  let pos = headerBytes;
  const questions: Question[] = [];
  for (let i = 0; i < qd; i++) {
    const { name, end } = readName(buf, pos);
    if (end + 4 > buf.length) throw new DnsWireError('truncated question');
    questions.push({ name, type: (buf[end]! << 8) | buf[end + 1]!, class: (buf[end + 2]! << 8) | buf[end + 3]! });
    pos = end + 4;
  }
  const readSection = (count: number): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const { name, end } = readName(buf, pos);
      if (end + 10 > buf.length) throw new DnsWireError('truncated resource record');
      const view = new DataView(buf.buffer, buf.byteOffset + end, 10);
      const rdlength = view.getUint16(8);
      const start = end + 10;
      if (start + rdlength > buf.length) throw new DnsWireError('RDATA runs past the end of the message');
      out.push({ name, type: view.getUint16(0), class: view.getUint16(2), ttl: view.getUint32(4), rdata: buf.slice(start, start + rdlength) });
      pos = start + rdlength;
    }
    return out;
  };
  const answers = readSection(an);
  const authorities = readSection(ns);
  const additionals = readSection(ar);
  if (pos !== buf.length) throw new DnsWireError('trailing bytes after the last record', { extra: buf.length - pos });
  const { counts: _counts, ...h } = header;
  return { ...h, questions, answers, authorities, additionals };
}

/** Growable output buffer with name compression (case-insensitive suffix matching). */
class Writer {
  private buf = new Uint8Array(512);
  length = 0;
  private readonly suffixes = new Map<string, number>();

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = v & 0xff;
  }
  u32(v: number): void {
    this.u16(Math.floor(v / 0x10000) & 0xffff);
    this.u16(v & 0xffff);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  name(name: Name): void {
    for (let i = 0; i < name.length; i++) {
      const key = nameKey(name.slice(i));
      const at = this.suffixes.get(key);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.length <= compressionOffsetMax) this.suffixes.set(key, this.length);
      const label = name[i]!;
      this.u8(label.length);
      for (let j = 0; j < label.length; j++) this.u8(label.charCodeAt(j));
    }
    this.u8(0);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export function encodeHeader(h: Header, counts: readonly [number, number, number, number]): Uint8Array {
  const flags =
    (h.qr ? 0x8000 : 0) |
    ((h.opcode & 0xf) << 11) |
    (h.aa ? 0x0400 : 0) |
    (h.tc ? 0x0200 : 0) |
    (h.rd ? 0x0100 : 0) |
    (h.ra ? 0x0080 : 0) |
    (h.ad ? 0x0020 : 0) |
    (h.cd ? 0x0010 : 0) |
    (h.rcode & 0xf);
  const out = new Uint8Array(headerBytes);
  const view = new DataView(out.buffer);
  view.setUint16(0, h.id);
  view.setUint16(2, flags);
  counts.forEach((c, i) => view.setUint16(4 + i * 2, c));
  return out;
}

/** Encodes a message; owner and question names are compressed, RDATA is written as it is. */
export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer();
  w.bytes(encodeHeader(m, [m.questions.length, m.answers.length, m.authorities.length, m.additionals.length]));
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const section of [m.answers, m.authorities, m.additionals]) {
    for (const rr of section) {
      if (rr.rdata.length > 0xffff) throw new DnsWireError('RDATA longer than 65535 octets');
      w.name(rr.name);
      w.u16(rr.type);
      w.u16(rr.class);
      w.u32(rr.ttl >>> 0);
      w.u16(rr.rdata.length);
      w.bytes(rr.rdata);
    }
  }
  return w.done();
}

/** All records of one owner, type and class, as the server holds them before encoding. */
export interface RRset {
  readonly name: Name;
  readonly type: number;
  readonly ttl: number;
  readonly rdatas: readonly Uint8Array[];
}

/** Expands an RRset into class IN resource records. */
export function rrsetRecords(set: RRset): ResourceRecord[] {
  return set.rdatas.map((rdata) => ({ name: set.name, type: set.type, class: RRClass.IN, ttl: set.ttl, rdata }));
}
