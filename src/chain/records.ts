/**
 * DNS records owned by a name: presentation text ↔ RDATA wire form, canonical order, and the
 * ledger's consensus check of a whole record set. The rules and their reasons are in
 * docs/RECORDS.md.
 *
 * Everything here is consensus-critical: a record set has exactly one valid encoding, RDATA is
 * the DNS wire form (uncompressed, names lower case, RFC 4034 §6.2) and the DNS server serves it
 * as it is.
 */
import { DcbtError } from '../errors.ts';
import { bytesEqual, compareBytes, fromHex, toHex } from './hash.ts';
import type { Bytes, DnsRecord } from './types.ts';

export const RecordTypes = {
  A: 1,
  NS: 2,
  CNAME: 5,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  DS: 43,
  TLSA: 52,
  CAA: 257,
} as const;
export type RecordTypeName = keyof typeof RecordTypes;

/** Most records one name may hold. */
export const RECORD_COUNT_MAX = 64;
/** Most labels in a record's `host` ('_443._tcp.www' is 3). */
export const HOST_LABELS_MAX = 4;
/** Longest domain name in presentation form, without the final dot (255 octets on the wire). */
export const NAME_CHARS_MAX = 253;
/** Longest label, in octets. */
export const LABEL_BYTES_MAX = 63;
/** Longest RDATA the DNS wire format can carry (RDLENGTH is 16 bits). */
export const RDATA_BYTES_MAX = 65535;
/** Longest TXT character-string, in octets. */
export const TXT_STRING_BYTES_MAX = 255;
/** Longest presentation value parseRecord reads (a full 65535-octet RDATA written with \DDD escapes). */
export const VALUE_CHARS_MAX = 4 * RDATA_BYTES_MAX + 64;
/** DNSSEC algorithms a DS record may name: RSASHA256, RSASHA512, ECDSAP256SHA256, ECDSAP384SHA384, ED25519, ED448 (RFC 8624). */
export const DS_ALGORITHMS: readonly number[] = [8, 10, 13, 14, 15, 16];
/** DS digest types and their digest lengths in octets: SHA-256 and SHA-384 (SHA-1 is refused, RFC 8624). */
export const DS_DIGEST_BYTES: Readonly<Record<number, number>> = { 2: 32, 4: 48 };
/** TLSA matching types and their digest lengths in octets (0 = full data, any non-empty length). */
export const TLSA_DIGEST_BYTES: Readonly<Record<number, number>> = { 1: 32, 2: 64 };

export const RECORD_ERROR_CODES = [
  'RECORD_TYPE_UNSUPPORTED',
  'RECORD_VALUE_INVALID',
  'RECORD_NAME_INVALID',
  'RECORD_HOST_INVALID',
  'RECORD_HOST_TOO_DEEP',
  'RECORD_OWNER_TOO_LONG',
  'RECORD_RDATA_MALFORMED',
  'RECORD_RDATA_NOT_CANONICAL',
  'RECORD_FIELD_INVALID',
  'RECORD_TARGET_INVALID',
  'RECORD_SET_TOO_MANY',
  'RECORD_SET_TOO_LARGE',
  'RECORD_SET_NOT_SORTED',
  'RECORD_SET_DUPLICATE',
  'RECORD_CNAME_NOT_ALONE',
  'RECORD_NULL_MX_NOT_ALONE',
  'RECORD_NS_NOT_AT_NAME',
  'RECORD_DS_WITHOUT_NS',
  'RECORD_DELEGATION_TYPE_INVALID',
  'RECORD_DELEGATION_NOT_GLUE',
  'RECORD_NS_GLUE_MISSING',
] as const;
export type RecordErrorCode = (typeof RECORD_ERROR_CODES)[number];

export interface RecordErrorDetails {
  /** Position of the offending record in the set (validateRecordSet). */
  readonly index?: number;
  readonly host?: string;
  /** Type mnemonic when supported, else the numeric code. */
  readonly type?: RecordTypeName | number | string;
  /** Which RDATA field is wrong ('algorithm', 'digest', 'tag', …). */
  readonly field?: string;
  /** A domain name the problem is about (a target, a name being encoded). */
  readonly target?: string;
  readonly limit?: number;
  readonly actual?: number;
}

export class RecordError extends DcbtError<RecordErrorCode, RecordErrorDetails> {
  constructor(code: RecordErrorCode, message: string, details: RecordErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'RecordError';
  }
}

/**
 * Presentation form, as users type it and as JSON shows it. value is the RFC 1035 master-file
 * RDATA text: A '192.0.2.1'; AAAA '2001:db8::1'; TXT '"v=spf1 -all"' or a plain string (one or
 * more character-strings, each ≤255 octets, quoted form supported); MX '10 mail.example.org.';
 * SRV '10 5 5060 sip.example.org.'; CAA '0 issue "letsencrypt.org"'; TLSA '3 1 1 <hex>';
 * CNAME 'target.example.'; NS 'ns1.alice.dcbt.test.'; DS '12345 13 2 <hex>'.
 */
export interface RecordText {
  host: string;
  type: RecordTypeName;
  value: string;
}

// ---------------------------------------------------------------------------------------------
// Domain names

const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** Host labels: LDH, or an underscore label ('_dmarc', '_443', '_tcp', '_acme-challenge'). */
const HOST_LABEL = /^_?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Domain name text → uncompressed wire form, lower case. The final dot is optional ('a.b' and
 * 'a.b.' both mean the absolute name); '.' (or '') is the root. Labels are 1..63 printable ASCII
 * characters other than '.' and '\' (no escapes); the whole name is at most 255 octets.
 */
export function nameToWire(fqdn: string): Uint8Array {
  if (typeof fqdn !== 'string') throw new RecordError('RECORD_NAME_INVALID', 'a domain name must be a string');
  if (fqdn === '' || fqdn === '.') return Uint8Array.of(0);
  const text = fqdn.endsWith('.') ? fqdn.slice(0, -1) : fqdn;
  if (text.length > NAME_CHARS_MAX) {
    throw new RecordError('RECORD_NAME_INVALID', `domain name "${shorten(fqdn)}" is ${text.length} characters; the limit is ${NAME_CHARS_MAX}`, { target: shorten(fqdn), limit: NAME_CHARS_MAX, actual: text.length });
  }
  const out = new Uint8Array(text.length + 2);
  let pos = 0;
  for (const label of text.split('.')) {
    if (label.length === 0) throw new RecordError('RECORD_NAME_INVALID', `domain name "${shorten(fqdn)}" has an empty label; remove the extra dot`, { target: shorten(fqdn) });
    if (label.length > LABEL_BYTES_MAX) {
      throw new RecordError('RECORD_NAME_INVALID', `label "${shorten(label)}" in "${shorten(fqdn)}" is ${label.length} characters; the limit is ${LABEL_BYTES_MAX}`, { target: shorten(fqdn), limit: LABEL_BYTES_MAX, actual: label.length });
    }
    out[pos++] = label.length;
    for (let i = 0; i < label.length; i++) {
      let c = label.charCodeAt(i);
      if (c < 0x21 || c > 0x7e || c === 0x5c) {
        throw new RecordError('RECORD_NAME_INVALID', `domain name "${shorten(fqdn)}" contains ${describeChar(c)}; use letters, digits, '-' and '_' only`, { target: shorten(fqdn) });
      }
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      out[pos++] = c;
    }
  }
  out[pos] = 0;
  return out;
}

/**
 * Uncompressed wire-form name at `offset` → absolute text name (lower case, final dot; '.' for
 * the root) and the offset after it. Compression pointers are refused: RDATA names are never
 * compressed in the canonical form.
 */
export function nameFromWire(buf: Uint8Array, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let wireBytes = 0;
  while (true) {
    if (pos >= buf.length) throw new RecordError('RECORD_NAME_INVALID', 'domain name runs past the end of the data; it must end with a zero-length label');
    const length = buf[pos]!;
    if (length === 0) {
      pos += 1;
      break;
    }
    if (length > LABEL_BYTES_MAX) {
      const what = (length & 0xc0) === 0xc0 ? 'a compression pointer' : `label type 0x${(length & 0xc0).toString(16)}`;
      throw new RecordError('RECORD_NAME_INVALID', `domain name contains ${what}; names in RDATA must be uncompressed plain labels`);
    }
    if (pos + 1 + length > buf.length) throw new RecordError('RECORD_NAME_INVALID', 'domain name label runs past the end of the data');
    let label = '';
    for (let i = pos + 1; i <= pos + length; i++) {
      let c = buf[i]!;
      if (c < 0x21 || c > 0x7e || c === 0x2e || c === 0x5c) {
        throw new RecordError('RECORD_NAME_INVALID', `domain name label contains ${describeChar(c)}; only printable ASCII other than '.' and '\\' is supported`);
      }
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      label += String.fromCharCode(c);
    }
    labels.push(label);
    wireBytes += 1 + length;
    pos += 1 + length;
    if (wireBytes > NAME_CHARS_MAX + 1) throw new RecordError('RECORD_NAME_INVALID', `domain name is longer than ${NAME_CHARS_MAX + 2} octets on the wire`, { limit: NAME_CHARS_MAX + 2 });
  }
  return { name: labels.length === 0 ? '.' : `${labels.join('.')}.`, next: pos };
}

function isHostName(name: string, labelPattern: RegExp): boolean {
  if (name === '.') return false;
  const labels = name.slice(0, -1).split('.');
  return labels.every((label) => label.length <= LABEL_BYTES_MAX && labelPattern.test(label));
}

// ---------------------------------------------------------------------------------------------
// RDATA model

type Rdata =
  | { readonly type: 'A' | 'AAAA'; readonly address: Bytes }
  | { readonly type: 'TXT'; readonly strings: readonly Bytes[] }
  | { readonly type: 'MX'; readonly preference: number; readonly exchange: string }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly type: 'CAA'; readonly flags: number; readonly tag: string; readonly value: Bytes }
  | { readonly type: 'TLSA'; readonly usage: number; readonly selector: number; readonly matchingType: number; readonly data: Bytes }
  | { readonly type: 'CNAME' | 'NS'; readonly target: string }
  | { readonly type: 'DS'; readonly keyTag: number; readonly algorithm: number; readonly digestType: number; readonly digest: Bytes };

const TYPE_NAMES = new Map<number, RecordTypeName>(Object.entries(RecordTypes).map(([name, code]) => [code, name as RecordTypeName]));

function typeLabel(type: number): RecordTypeName | number {
  return TYPE_NAMES.get(type) ?? type;
}

class Writer {
  readonly parts: number[] = [];
  u8(value: number): void {
    this.parts.push(value & 0xff);
  }
  u16(value: number): void {
    this.parts.push((value >>> 8) & 0xff, value & 0xff);
  }
  bytes(data: ArrayLike<number>): void {
    for (let i = 0; i < data.length; i++) this.parts.push(data[i]!);
  }
  done(): Bytes {
    return Uint8Array.from(this.parts);
  }
}

function encodeRdata(rdata: Rdata): Bytes {
  const w = new Writer();
  switch (rdata.type) {
    case 'A':
    case 'AAAA':
      w.bytes(rdata.address);
      break;
    case 'TXT':
      for (const s of rdata.strings) {
        w.u8(s.length);
        w.bytes(s);
      }
      break;
    case 'MX':
      w.u16(rdata.preference);
      w.bytes(nameToWire(rdata.exchange));
      break;
    case 'SRV':
      w.u16(rdata.priority);
      w.u16(rdata.weight);
      w.u16(rdata.port);
      w.bytes(nameToWire(rdata.target));
      break;
    case 'CAA':
      w.u8(rdata.flags);
      w.u8(rdata.tag.length);
      for (let i = 0; i < rdata.tag.length; i++) w.u8(rdata.tag.charCodeAt(i));
      w.bytes(rdata.value);
      break;
    case 'TLSA':
      w.u8(rdata.usage);
      w.u8(rdata.selector);
      w.u8(rdata.matchingType);
      w.bytes(rdata.data);
      break;
    case 'CNAME':
    case 'NS':
      w.bytes(nameToWire(rdata.target));
      break;
    case 'DS':
      w.u16(rdata.keyTag);
      w.u8(rdata.algorithm);
      w.u8(rdata.digestType);
      w.bytes(rdata.digest);
      break;
  }
  return w.done();
}

class Reader {
  readonly buf: Bytes;
  at = 0;
  constructor(buf: Bytes) {
    this.buf = buf;
  }
  need(n: number, what: string): void {
    if (this.at + n > this.buf.length) throw new Error(`it ends before the ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++]!;
  }
  u16(what: string): number {
    this.need(2, what);
    const value = (this.buf[this.at]! << 8) | this.buf[this.at + 1]!;
    this.at += 2;
    return value;
  }
  bytes(n: number, what: string): Bytes {
    this.need(n, what);
    const out = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  rest(): Bytes {
    const out = this.buf.slice(this.at);
    this.at = this.buf.length;
    return out;
  }
  name(): string {
    const { name, next } = nameFromWire(this.buf, this.at);
    this.at = next;
    return name;
  }
}

/** Wire RDATA → model; throws RECORD_RDATA_MALFORMED. Names come back lower case, so a re-encode exposes upper case. */
function decodeRdata(type: RecordTypeName, bytes: Bytes, where: RecordErrorDetails): Rdata {
  if (!(bytes instanceof Uint8Array)) throw new RecordError('RECORD_RDATA_MALFORMED', `${type} record${at(where)}: rdata must be bytes`, where);
  if (bytes.length > RDATA_BYTES_MAX) {
    throw new RecordError('RECORD_RDATA_MALFORMED', `${type} record${at(where)}: rdata is ${bytes.length} octets; the DNS limit is ${RDATA_BYTES_MAX}`, { ...where, limit: RDATA_BYTES_MAX, actual: bytes.length });
  }
  const r = new Reader(bytes);
  let rdata: Rdata;
  try {
    switch (type) {
      case 'A':
      case 'AAAA': {
        const size = type === 'A' ? 4 : 16;
        if (bytes.length !== size) throw new Error(`an ${type} address is ${size} octets, not ${bytes.length}`);
        rdata = { type, address: r.rest() };
        break;
      }
      case 'TXT': {
        if (bytes.length === 0) throw new Error('TXT needs at least one character-string');
        const strings: Bytes[] = [];
        while (r.at < bytes.length) strings.push(r.bytes(r.u8('string length'), 'character-string'));
        rdata = { type, strings };
        break;
      }
      case 'MX':
        rdata = { type, preference: r.u16('preference'), exchange: r.name() };
        break;
      case 'SRV':
        rdata = { type, priority: r.u16('priority'), weight: r.u16('weight'), port: r.u16('port'), target: r.name() };
        break;
      case 'CAA': {
        const flags = r.u8('flags');
        const tag = String.fromCharCode(...r.bytes(r.u8('tag length'), 'tag'));
        rdata = { type, flags, tag, value: r.rest() };
        break;
      }
      case 'TLSA':
        rdata = { type, usage: r.u8('usage'), selector: r.u8('selector'), matchingType: r.u8('matching type'), data: r.rest() };
        break;
      case 'CNAME':
      case 'NS':
        rdata = { type, target: r.name() };
        break;
      case 'DS':
        rdata = { type, keyTag: r.u16('key tag'), algorithm: r.u8('algorithm'), digestType: r.u8('digest type'), digest: r.rest() };
        break;
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new RecordError('RECORD_RDATA_MALFORMED', `${type} record${at(where)}: rdata does not parse: ${detail}`, where, { cause: error });
  }
  if (r.at !== bytes.length) {
    throw new RecordError('RECORD_RDATA_MALFORMED', `${type} record${at(where)}: rdata has ${bytes.length - r.at} trailing octets after the ${type} fields; remove them`, where);
  }
  return rdata;
}

/** Field ranges and target names; shared by parseRecord and validateRecordSet. */
function checkRdata(rdata: Rdata, where: RecordErrorDetails): void {
  const fail = (code: RecordErrorCode, message: string, extra: RecordErrorDetails): never => {
    throw new RecordError(code, `${rdata.type} record${at(where)}: ${message}`, { ...where, ...extra });
  };
  switch (rdata.type) {
    case 'MX':
      if (rdata.exchange === '.') {
        if (rdata.preference !== 0) fail('RECORD_FIELD_INVALID', `a null MX (exchange ".") must have preference 0, not ${rdata.preference} (RFC 7505)`, { field: 'preference' });
      } else if (!isHostName(rdata.exchange, LDH_LABEL)) {
        fail('RECORD_TARGET_INVALID', `mail exchange "${shorten(rdata.exchange)}" is not a host name; use letters, digits and inner hyphens, e.g. mail.example.org.`, { target: shorten(rdata.exchange) });
      }
      break;
    case 'SRV':
      if (rdata.target !== '.' && !isHostName(rdata.target, LDH_LABEL)) {
        fail('RECORD_TARGET_INVALID', `target "${shorten(rdata.target)}" is not a host name; use a host such as sip.example.org. (or "." for "no service")`, { target: shorten(rdata.target) });
      }
      break;
    case 'NS':
      if (!isHostName(rdata.target, LDH_LABEL)) {
        fail('RECORD_TARGET_INVALID', `name server "${shorten(rdata.target)}" is not a host name; use a host such as ns1.example.org.`, { target: shorten(rdata.target) });
      }
      break;
    case 'CNAME':
      if (!isHostName(rdata.target, HOST_LABEL)) {
        fail('RECORD_TARGET_INVALID', `alias target "${shorten(rdata.target)}" is not a valid name; use letters, digits, inner hyphens and leading-underscore labels`, { target: shorten(rdata.target) });
      }
      break;
    case 'CAA':
      if (rdata.flags !== 0 && rdata.flags !== 128) fail('RECORD_FIELD_INVALID', `flags must be 0 or 128 (issuer critical), not ${rdata.flags}: other bits are reserved (RFC 8659)`, { field: 'flags' });
      if (!/^[a-z0-9]{1,15}$/.test(rdata.tag)) fail('RECORD_FIELD_INVALID', `tag "${shorten(printable(rdata.tag))}" must be 1 to 15 lower-case letters or digits, e.g. issue, issuewild, iodef`, { field: 'tag' });
      break;
    case 'TLSA': {
      if (rdata.usage > 3) fail('RECORD_FIELD_INVALID', `certificate usage must be 0..3, not ${rdata.usage}`, { field: 'usage' });
      if (rdata.selector > 1) fail('RECORD_FIELD_INVALID', `selector must be 0 or 1, not ${rdata.selector}`, { field: 'selector' });
      if (rdata.matchingType > 2) fail('RECORD_FIELD_INVALID', `matching type must be 0..2, not ${rdata.matchingType}`, { field: 'matchingType' });
      const size = TLSA_DIGEST_BYTES[rdata.matchingType];
      if (size !== undefined && rdata.data.length !== size) {
        fail('RECORD_FIELD_INVALID', `matching type ${rdata.matchingType} needs a ${size}-octet digest, got ${rdata.data.length}`, { field: 'data', limit: size, actual: rdata.data.length });
      }
      if (rdata.data.length === 0) fail('RECORD_FIELD_INVALID', 'certificate association data is empty', { field: 'data' });
      break;
    }
    case 'DS': {
      if (!DS_ALGORITHMS.includes(rdata.algorithm)) fail('RECORD_FIELD_INVALID', `algorithm ${rdata.algorithm} is not supported; use one of ${DS_ALGORITHMS.join(', ')} (13 = ECDSAP256SHA256 is a good default)`, { field: 'algorithm' });
      const size = DS_DIGEST_BYTES[rdata.digestType];
      if (size === undefined) fail('RECORD_FIELD_INVALID', `digest type ${rdata.digestType} is not supported; use 2 (SHA-256) or 4 (SHA-384)`, { field: 'digestType' });
      else if (rdata.digest.length !== size) fail('RECORD_FIELD_INVALID', `digest type ${rdata.digestType} needs a ${size}-octet digest, got ${rdata.digest.length}`, { field: 'digest', limit: size, actual: rdata.digest.length });
      break;
    }
    case 'A':
    case 'AAAA':
    case 'TXT':
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Hosts

function checkHost(host: unknown, origin: string, where: RecordErrorDetails): asserts host is string {
  if (typeof host !== 'string') throw new RecordError('RECORD_HOST_INVALID', `host${at(where)} must be a string`, where);
  if (host === '') return;
  const labels = host.split('.');
  for (const label of labels) {
    if (label === '') {
      throw new RecordError('RECORD_HOST_INVALID', `host "${shorten(host)}" has an empty label; write it relative to the name without leading, trailing or doubled dots (e.g. "www")`, where);
    }
    if (label.length > LABEL_BYTES_MAX) {
      throw new RecordError('RECORD_HOST_INVALID', `host label "${shorten(label)}" is ${label.length} characters; the limit is ${LABEL_BYTES_MAX}`, { ...where, limit: LABEL_BYTES_MAX, actual: label.length });
    }
    if (!HOST_LABEL.test(label)) {
      throw new RecordError('RECORD_HOST_INVALID', `host label "${shorten(printable(label))}" is not allowed; use lower-case letters, digits and inner hyphens, optionally after a leading underscore ('www', '_dmarc', '_443')`, where);
    }
  }
  if (labels.length > HOST_LABELS_MAX) {
    throw new RecordError('RECORD_HOST_TOO_DEEP', `host "${shorten(host)}" has ${labels.length} labels; the limit is ${HOST_LABELS_MAX}`, { ...where, limit: HOST_LABELS_MAX, actual: labels.length });
  }
  const ownerChars = host.length + 1 + origin.length - 1;
  if (ownerChars > NAME_CHARS_MAX) {
    throw new RecordError('RECORD_OWNER_TOO_LONG', `owner name ${shorten(host)}.${origin} is ${ownerChars} characters; the DNS limit is ${NAME_CHARS_MAX}: shorten the host`, { ...where, limit: NAME_CHARS_MAX, actual: ownerChars });
  }
}

/** '<name>.<apex>' with a final dot, lower case. */
function originOf(ctx: { name: string; apex: string }): string {
  const apex = ctx.apex.toLowerCase();
  const name = ctx.name.toLowerCase();
  if (apex === '.' || apex === '') return `${name}.`;
  return `${name}.${apex.endsWith('.') ? apex : `${apex}.`}`;
}

// ---------------------------------------------------------------------------------------------
// Presentation text

interface Token {
  readonly bytes: Bytes;
  readonly quoted: boolean;
  /** The token as typed, when unquoted and without escapes (numbers, names, hex). */
  readonly plain: string | undefined;
}

function valueError(type: string, message: string): RecordError {
  return new RecordError('RECORD_VALUE_INVALID', `${type} value: ${message}`, { type });
}

/** Raw characters a value may contain (others need \DDD): no C0/C1 controls, no lone surrogates. */
function isRawChar(cp: number): boolean {
  return cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f) && !(cp >= 0xd800 && cp <= 0xdfff);
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/** RFC 1035 §5.1 tokens: whitespace-separated, "quoted" or not, with \X and \DDD escapes. */
function tokenize(type: string, value: string): Token[] {
  const chars = Array.from(value);
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const quoted = c === '"';
    if (quoted) i++;
    const bytes: number[] = [];
    let escaped = false;
    let closed = !quoted;
    const start = i;
    while (i < chars.length) {
      const ch = chars[i]!;
      if (quoted && ch === '"') {
        closed = true;
        i++;
        break;
      }
      if (!quoted && (ch === ' ' || ch === '\t')) break;
      if (!quoted && ch === '"') throw valueError(type, 'a quote mark may only open or close a whole string; escape it as \\" inside a quoted string');
      if (ch === '\\') {
        escaped = true;
        const next = chars[i + 1];
        if (next === undefined) throw valueError(type, 'it ends with a lone backslash; write \\\\ for a backslash');
        if (/^[0-9]$/.test(next)) {
          const digits = chars.slice(i + 1, i + 4).join('');
          if (!/^[0-9]{3}$/.test(digits) || Number(digits) > 255) throw valueError(type, `"\\${shorten(digits)}" is not a valid escape; use \\DDD with three decimal digits 000..255`);
          bytes.push(Number(digits));
          i += 4;
          continue;
        }
        const cp = next.codePointAt(0)!;
        if (!isRawChar(cp)) throw valueError(type, `it contains ${describeChar(cp)}; write control characters as \\DDD`);
        pushUtf8(bytes, cp);
        i += 2;
        continue;
      }
      const cp = ch.codePointAt(0)!;
      if (!isRawChar(cp)) throw valueError(type, `it contains ${describeChar(cp)}; write control characters as \\DDD inside a quoted string`);
      pushUtf8(bytes, cp);
      i++;
    }
    if (!closed) throw valueError(type, 'a quoted string is not closed; add the final "');
    if (quoted && i < chars.length && chars[i] !== ' ' && chars[i] !== '\t') throw valueError(type, 'put a space after the closing quote');
    tokens.push({ bytes: Uint8Array.from(bytes), quoted, plain: quoted || escaped ? undefined : chars.slice(start, i).join('') });
  }
  return tokens;
}

function plainToken(type: string, token: Token | undefined, what: string): string {
  if (token === undefined) throw valueError(type, `the ${what} is missing`);
  if (token.plain === undefined) throw valueError(type, `the ${what} must be written without quotes or escapes`);
  return token.plain;
}

function parseNumber(type: string, token: Token | undefined, what: string, max: number): number {
  const text = plainToken(type, token, what);
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > max) throw valueError(type, `${what} "${shorten(text)}" must be a whole number 0..${max}`);
  return Number(text);
}

function parseHex(type: string, tokens: readonly Token[], what: string): Bytes {
  if (tokens.length === 0) throw valueError(type, `the ${what} is missing; write it in hexadecimal`);
  const hex = tokens.map((t) => plainToken(type, t, what)).join('');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) throw valueError(type, `the ${what} must be hexadecimal with an even number of digits`);
  return fromHex(hex);
}

/** A name in RDATA text: absolute with a final dot, '@' for the name itself, else relative to the name (as in a zone file). */
function parseName(type: string, token: Token | undefined, what: string, origin: string): string {
  const text = plainToken(type, token, what);
  const absolute = text === '@' ? origin : text === '.' ? '.' : text.endsWith('.') ? text : `${text}.${origin}`;
  try {
    return nameFromWire(nameToWire(absolute), 0).name;
  } catch (error) {
    if (error instanceof RecordError) throw valueError(type, `${what}: ${error.message}`);
    throw error;
  }
}

function expectCount(type: string, tokens: readonly Token[], count: number, form: string): void {
  if (tokens.length !== count) throw valueError(type, `expected ${count} field${count === 1 ? '' : 's'} (${form}), got ${tokens.length}`);
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

function parseIpv4(text: string): Bytes | undefined {
  const m = IPV4.exec(text);
  return m ? Uint8Array.from(m.slice(1, 5).map(Number)) : undefined;
}

/** RFC 4291 §2.2 text forms, including '::' and a trailing dotted quad; no zone index. */
function parseIpv6(text: string): Bytes | undefined {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(text)) return undefined;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return undefined;
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = gap === -1 ? split(text) : split(text.slice(0, gap));
  const tail = gap === -1 ? [] : split(text.slice(gap + 2));
  const toGroups = (parts: string[], last: boolean): number[] | undefined => {
    const groups: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (last && i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const first = toGroups(head, gap === -1);
  const second = toGroups(tail, true);
  if (!first || !second) return undefined;
  const total = first.length + second.length;
  if (gap === -1 ? total !== 8 : total > 7) return undefined;
  const groups = [...first, ...new Array<number>(8 - total).fill(0), ...second];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥2) of zero groups as '::', first on a tie. */
function formatIpv6(address: Bytes): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** Plain TXT: the whole value is the text, split into ≤255-octet character-strings at character boundaries. */
function plainTxt(value: string): Bytes[] {
  const strings: Bytes[] = [];
  let current: number[] = [];
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (!isRawChar(cp)) throw valueError('TXT', `it contains ${describeChar(cp)}; use the quoted form with \\DDD escapes for control characters`);
    const bytes: number[] = [];
    pushUtf8(bytes, cp);
    if (current.length + bytes.length > TXT_STRING_BYTES_MAX) {
      strings.push(Uint8Array.from(current));
      current = [];
    }
    current.push(...bytes);
  }
  strings.push(Uint8Array.from(current));
  return strings;
}

function parseValue(type: RecordTypeName, value: string, origin: string): Rdata {
  if (type === 'TXT' && !value.startsWith('"')) {
    if (value === '') throw valueError(type, 'the text is empty; write "" for an empty string');
    return { type, strings: plainTxt(value) };
  }
  const tokens = tokenize(type, value);
  switch (type) {
    case 'A':
    case 'AAAA': {
      expectCount(type, tokens, 1, type === 'A' ? 'e.g. 192.0.2.1' : 'e.g. 2001:db8::1');
      const text = plainToken(type, tokens[0], 'address');
      const address = type === 'A' ? parseIpv4(text) : parseIpv6(text);
      if (!address) throw valueError(type, type === 'A' ? `"${shorten(text)}" is not an IPv4 address; write four numbers 0..255 without leading zeros, e.g. 192.0.2.1` : `"${shorten(text)}" is not an IPv6 address, e.g. 2001:db8::1`);
      return { type, address };
    }
    case 'TXT': {
      if (tokens.length === 0) throw valueError(type, 'no character-strings; write at least one, e.g. "v=spf1 -all"');
      for (const token of tokens) {
        if (token.bytes.length > TXT_STRING_BYTES_MAX) throw valueError(type, `a character-string is ${token.bytes.length} octets; the limit is ${TXT_STRING_BYTES_MAX}: split it into several quoted strings`);
      }
      return { type, strings: tokens.map((t) => t.bytes) };
    }
    case 'MX':
      expectCount(type, tokens, 2, 'preference exchange, e.g. 10 mail.example.org.');
      return { type, preference: parseNumber(type, tokens[0], 'preference', 0xffff), exchange: parseName(type, tokens[1], 'exchange', origin) };
    case 'SRV':
      expectCount(type, tokens, 4, 'priority weight port target, e.g. 10 5 5060 sip.example.org.');
      return {
        type,
        priority: parseNumber(type, tokens[0], 'priority', 0xffff),
        weight: parseNumber(type, tokens[1], 'weight', 0xffff),
        port: parseNumber(type, tokens[2], 'port', 0xffff),
        target: parseName(type, tokens[3], 'target', origin),
      };
    case 'CAA': {
      expectCount(type, tokens, 3, 'flags tag "value", e.g. 0 issue "letsencrypt.org"');
      const flags = parseNumber(type, tokens[0], 'flags', 0xff);
      const tag = plainToken(type, tokens[1], 'tag');
      if (!/^[A-Za-z0-9]{1,255}$/.test(tag)) throw valueError(type, `tag "${shorten(tag)}" must be letters and digits, e.g. issue`);
      return { type, flags, tag: tag.toLowerCase(), value: tokens[2]!.bytes };
    }
    case 'TLSA':
      if (tokens.length < 4) throw valueError(type, `expected usage selector matching-type data, e.g. 3 1 1 <64 hex digits>, got ${tokens.length} fields`);
      return {
        type,
        usage: parseNumber(type, tokens[0], 'usage', 0xff),
        selector: parseNumber(type, tokens[1], 'selector', 0xff),
        matchingType: parseNumber(type, tokens[2], 'matching type', 0xff),
        data: parseHex(type, tokens.slice(3), 'certificate association data'),
      };
    case 'CNAME':
    case 'NS':
      expectCount(type, tokens, 1, type === 'NS' ? 'e.g. ns1.example.org.' : 'e.g. target.example.org.');
      return { type, target: parseName(type, tokens[0], type === 'NS' ? 'name server' : 'target', origin) };
    case 'DS':
      if (tokens.length < 4) throw valueError(type, `expected key-tag algorithm digest-type digest, e.g. 12345 13 2 <64 hex digits>, got ${tokens.length} fields`);
      return {
        type,
        keyTag: parseNumber(type, tokens[0], 'key tag', 0xffff),
        algorithm: parseNumber(type, tokens[1], 'algorithm', 0xff),
        digestType: parseNumber(type, tokens[2], 'digest type', 0xff),
        digest: parseHex(type, tokens.slice(3), 'digest'),
      };
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A quoted character-string that parses back to the same octets: UTF-8 text kept readable, everything else as \DDD. */
function quote(bytes: Bytes): string {
  let out = '"';
  const escapeByte = (b: number): string => `\\${b.toString().padStart(3, '0')}`;
  let text: string | undefined;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    for (const b of bytes) out += b === 0x22 || b === 0x5c ? `\\${String.fromCharCode(b)}` : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : escapeByte(b);
  } else {
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (ch === '"' || ch === '\\') out += `\\${ch}`;
      else if (isRawChar(cp)) out += ch;
      else {
        const bytesOfChar: number[] = [];
        pushUtf8(bytesOfChar, cp);
        out += bytesOfChar.map(escapeByte).join('');
      }
    }
  }
  return `${out}"`;
}

function presentRdata(rdata: Rdata): string {
  switch (rdata.type) {
    case 'A':
      return Array.from(rdata.address).join('.');
    case 'AAAA':
      return formatIpv6(rdata.address);
    case 'TXT':
      return rdata.strings.map(quote).join(' ');
    case 'MX':
      return `${rdata.preference} ${rdata.exchange}`;
    case 'SRV':
      return `${rdata.priority} ${rdata.weight} ${rdata.port} ${rdata.target}`;
    case 'CAA':
      return `${rdata.flags} ${rdata.tag} ${quote(rdata.value)}`;
    case 'TLSA':
      return `${rdata.usage} ${rdata.selector} ${rdata.matchingType} ${toHex(rdata.data)}`;
    case 'CNAME':
    case 'NS':
      return rdata.target;
    case 'DS':
      return `${rdata.keyTag} ${rdata.algorithm} ${rdata.digestType} ${toHex(rdata.digest)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Presentation text → record. The type mnemonic is case-insensitive; the host is relative to the
 * name ('' or '@' for the name itself) and is lower-cased; names in the value are absolute with a
 * final dot, '@' for the name itself, or relative to the name as in a zone file ('mail' →
 * mail.<name>.<apex>.). Throws RecordError with a message that says what to fix.
 */
export function parseRecord(text: RecordText, ctx: { name: string; apex: string }): DnsRecord {
  const typeText = typeof text.type === 'string' ? text.type.toUpperCase() : '';
  if (!Object.hasOwn(RecordTypes, typeText)) {
    throw new RecordError('RECORD_TYPE_UNSUPPORTED', `record type "${shorten(String(text.type))}" is not supported; use one of ${Object.keys(RecordTypes).join(', ')}`, { type: shorten(String(text.type)) });
  }
  const type = typeText as RecordTypeName;
  const origin = originOf(ctx);
  const host = typeof text.host === 'string' ? (text.host === '@' ? '' : text.host.toLowerCase()) : text.host;
  if (typeof host === 'string' && host.endsWith('.') && host.length > 1) {
    throw new RecordError('RECORD_HOST_INVALID', `host "${shorten(host)}" ends with a dot; write it relative to the name (e.g. "www" for www.${origin})`, { host: shorten(host), type });
  }
  checkHost(host, origin, { host: typeof host === 'string' ? shorten(host) : undefined, type });
  if (typeof text.value !== 'string') throw valueError(type, 'it must be a string');
  if (text.value.length > VALUE_CHARS_MAX) throw valueError(type, `it is ${text.value.length} characters; the limit is ${VALUE_CHARS_MAX}`);
  const rdata = parseValue(type, text.value, origin);
  const where = { host, type };
  checkRdata(rdata, where);
  const bytes = encodeRdata(rdata);
  if (bytes.length > RDATA_BYTES_MAX) throw valueError(type, `the record data is ${bytes.length} octets; the DNS limit is ${RDATA_BYTES_MAX}`);
  return { host, type: RecordTypes[type], rdata: bytes };
}

/** Record → presentation text (names absolute with a final dot, TXT/CAA values quoted, hex in lower case). */
export function formatRecord(record: DnsRecord): RecordText {
  const type = TYPE_NAMES.get(record.type);
  if (type === undefined) throw new RecordError('RECORD_TYPE_UNSUPPORTED', `record type ${record.type} is not supported; supported are ${Object.keys(RecordTypes).join(', ')}`, { host: record.host, type: record.type });
  const rdata = decodeRdata(type, record.rdata, { host: record.host, type });
  return { host: record.host, type, value: presentRdata(rdata) };
}

function compareRecords(a: DnsRecord, b: DnsRecord): number {
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  if (a.type !== b.type) return a.type - b.type;
  return compareBytes(a.rdata, b.rdata);
}

/** Canonical order: by host (plain code-unit order), then type, then rdata bytes. Keeps duplicates; returns a new array. */
export function sortRecords(records: readonly DnsRecord[]): DnsRecord[] {
  return [...records].sort(compareRecords);
}

/**
 * Encoded size used for the cap, in octets: per record 2 (host length) + host UTF-8 octets +
 * 2 (type) + 2 (rdata length) + rdata octets.
 */
export function recordSetSizeBytes(records: readonly DnsRecord[]): number {
  let total = 0;
  for (const r of records) total += 2 + Buffer.byteLength(r.host, 'utf8') + 2 + 2 + r.rdata.length;
  return total;
}

/** The part of a name below `origin` as a host ('' for origin itself), or undefined when outside it. */
function hostWithin(target: string, origin: string): string | undefined {
  if (target === origin) return '';
  return target.endsWith(`.${origin}`) ? target.slice(0, -origin.length - 1) : undefined;
}

/** The ledger's consensus check of a whole record set for label `name` under `apex`; throws RecordError. Rules: docs/RECORDS.md. */
export function validateRecordSet(records: readonly DnsRecord[], ctx: { name: string; apex: string; sizeBytesMax: number }): void {
  if (records.length > RECORD_COUNT_MAX) {
    throw new RecordError('RECORD_SET_TOO_MANY', `${records.length} records; a name may hold at most ${RECORD_COUNT_MAX}`, { limit: RECORD_COUNT_MAX, actual: records.length });
  }
  records.forEach((r, index) => {
    if (typeof r.host !== 'string') throw new RecordError('RECORD_HOST_INVALID', `record ${index}: host must be a string`, { index });
    if (!(r.rdata instanceof Uint8Array)) throw new RecordError('RECORD_RDATA_MALFORMED', `record ${index}: rdata must be bytes`, { index, host: shorten(r.host) });
  });
  const sizeBytes = recordSetSizeBytes(records);
  if (sizeBytes > ctx.sizeBytesMax) {
    throw new RecordError('RECORD_SET_TOO_LARGE', `the record set is ${sizeBytes} bytes; the limit is ${ctx.sizeBytesMax}: remove or shorten records`, { limit: ctx.sizeBytesMax, actual: sizeBytes });
  }
  const origin = originOf(ctx);
  const decoded: Rdata[] = [];
  records.forEach((record, index) => {
    const typeName = TYPE_NAMES.get(record.type);
    const where: RecordErrorDetails = { index, host: typeof record.host === 'string' ? shorten(record.host) : undefined, type: typeLabel(record.type) };
    if (typeName === undefined) {
      throw new RecordError('RECORD_TYPE_UNSUPPORTED', `record ${index}: type ${record.type} is not supported; use one of ${Object.keys(RecordTypes).join(', ')}`, where);
    }
    checkHost(record.host, origin, where);
    const rdata = decodeRdata(typeName, record.rdata, where);
    if (!bytesEqual(encodeRdata(rdata), record.rdata)) {
      throw new RecordError('RECORD_RDATA_NOT_CANONICAL', `${typeName} record${at(where)}: rdata is not in canonical form (names must be lower case); re-encode it with parseRecord`, where);
    }
    checkRdata(rdata, where);
    decoded.push(rdata);
  });

  for (let i = 1; i < records.length; i++) {
    const order = compareRecords(records[i - 1]!, records[i]!);
    const where = { index: i, host: records[i]!.host, type: typeLabel(records[i]!.type) };
    if (order === 0) throw new RecordError('RECORD_SET_DUPLICATE', `record ${i} repeats record ${i - 1} (same host, type and data); remove one`, where);
    if (order > 0) throw new RecordError('RECORD_SET_NOT_SORTED', `record ${i} is out of canonical order (host, then type, then data); sort the set with sortRecords`, where);
  }

  // Per-host rules. The set is sorted, so each host's records are contiguous.
  const byHost = new Map<string, number[]>();
  records.forEach((r, i) => {
    const list = byHost.get(r.host);
    if (list) list.push(i);
    else byHost.set(r.host, [i]);
  });
  for (const [host, indexes] of byHost) {
    const cname = indexes.find((i) => records[i]!.type === RecordTypes.CNAME);
    if (cname !== undefined && indexes.length > 1) {
      const other = indexes.find((i) => i !== cname)!;
      throw new RecordError('RECORD_CNAME_NOT_ALONE', `${describeHost(host, origin)} has a CNAME and another record (${typeLabel(records[other]!.type)}); an alias must be the only record at its host: remove one`, { index: other, host, type: typeLabel(records[other]!.type) });
    }
    const mx = indexes.filter((i) => records[i]!.type === RecordTypes.MX);
    const nullMx = mx.find((i) => (decoded[i] as { exchange: string }).exchange === '.');
    if (nullMx !== undefined && mx.length > 1) {
      throw new RecordError('RECORD_NULL_MX_NOT_ALONE', `${describeHost(host, origin)} has a null MX ("0 .", accepts no mail) and other MX records; keep one or the other (RFC 7505)`, { index: nullMx, host, type: 'MX' });
    }
  }

  // Delegation.
  const nsRecords: { index: number; target: string }[] = [];
  records.forEach((r, index) => {
    if (r.type !== RecordTypes.NS) return;
    if (r.host !== '') {
      throw new RecordError('RECORD_NS_NOT_AT_NAME', `NS at host "${r.host}": only the name itself (host '') can be delegated; put the NS records at host ''`, { index, host: r.host, type: 'NS' });
    }
    nsRecords.push({ index, target: (decoded[index] as { target: string }).target });
  });
  const delegated = nsRecords.length > 0;
  const glueHosts = new Set<string>();
  for (const { target } of nsRecords) {
    const host = hostWithin(target, origin);
    if (host !== undefined) glueHosts.add(host);
  }
  records.forEach((r, index) => {
    const where = { index, host: r.host, type: typeLabel(r.type) };
    if (!delegated) {
      if (r.type === RecordTypes.DS) throw new RecordError('RECORD_DS_WITHOUT_NS', `DS${at(where)} without NS records: a DS record only makes sense for a delegated name; add NS records at host '' or remove the DS`, where);
      return;
    }
    if (r.host === '') {
      if (r.type !== RecordTypes.NS && r.type !== RecordTypes.DS) {
        throw new RecordError('RECORD_DELEGATION_TYPE_INVALID', `${typeLabel(r.type)} at the name itself: ${origin} is delegated (it has NS records), so only NS and DS may be at host ''; serve other records from the delegated name servers`, where);
      }
      return;
    }
    const glue = (r.type === RecordTypes.A || r.type === RecordTypes.AAAA) && glueHosts.has(r.host);
    if (!glue) {
      throw new RecordError('RECORD_DELEGATION_NOT_GLUE', `${typeLabel(r.type)} at ${r.host}.${origin}: the name is delegated, so records under it are only glue (A/AAAA at a host an NS record names); serve it from the delegated name servers`, where);
    }
  });
  for (const { index, target } of nsRecords) {
    const host = hostWithin(target, origin);
    if (host === undefined) continue; // outside this name: resolves elsewhere, needs no glue from here
    const where = { index, host: '', type: 'NS' as const, target };
    if (host === '') {
      throw new RecordError('RECORD_NS_GLUE_MISSING', `NS ${target} is the delegated name itself, which cannot have address records; name a server below it (e.g. ns1.${origin}) with A/AAAA glue`, where);
    }
    const hasGlue = records.some((r) => r.host === host && (r.type === RecordTypes.A || r.type === RecordTypes.AAAA));
    if (!hasGlue) {
      throw new RecordError('RECORD_NS_GLUE_MISSING', `NS ${target} is inside the delegated name but has no address; add an A or AAAA record at host "${host}" (glue)`, where);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Message helpers

function at(where: RecordErrorDetails): string {
  const parts: string[] = [];
  if (where.index !== undefined) parts.push(`${where.index}`);
  if (where.host !== undefined) parts.push(where.host === '' ? 'at the name itself' : `at host "${where.host}"`);
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}

function describeHost(host: string, origin: string): string {
  return host === '' ? origin : `${host}.${origin}`;
}

function describeChar(cp: number): string {
  return `character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
