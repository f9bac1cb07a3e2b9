/**
 * Name normalisation for the naming chain: which labels can be registered, and their one
 * canonical spelling (the A-label). A registrable name is ONE label directly under the apex.
 *
 * Consensus-critical: every node must reach the same verdict on the same input whatever its ICU,
 * Node or OS. So nothing here asks the runtime about Unicode (no `String.prototype.normalize`, no
 * `url.domainToASCII`, no `Intl`, no `\p{…}` regex escapes). All Unicode data comes from
 * `names-data/tables.ts`, generated from pinned sources (UTS #46 and UCD 17.0.0, UTS #39
 * confusables 13.0.0) by `names-data/generate.ts`; NFC and Punycode are implemented below.
 * The rules, their order and their error codes are documented in docs/NAMES.md.
 */
import { DcbtError } from '../errors.ts';
import * as T from './names-data/tables.ts';

/**
 * Why a name was refused. Each code is stable; docs/NAMES.md describes each with examples.
 *  - NAME_EMPTY: nothing to register (empty input, an empty label between dots, only ignorable
 *    characters, or the apex itself).
 *  - NAME_TOO_LONG: the A-label is over 63 octets, the full name over 253, or the input over
 *    1024 UTF-16 code units.
 *  - NAME_INVALID_CHAR: a code point that UTS #46, IDNA2008 (RFC 5892) or the hostname rules
 *    (letters, digits, hyphen) refuse: symbols, emoji, punctuation, spaces, joiners, controls.
 *  - NAME_HYPHEN: a leading or trailing hyphen, or '--' in positions 3-4 of a label that is not
 *    an `xn--` A-label.
 *  - NAME_LEADING_MARK: the label starts with a combining mark.
 *  - NAME_CONTEXT: a character whose IDNA2008 context rule (RFC 5892 appendix A) fails, e.g. a
 *    middle dot not between two 'l'.
 *  - NAME_MIXED_SCRIPT: characters from more than one script (Japanese and Korean sets count
 *    as one), or digits from more than one numbering system.
 *  - NAME_CONFUSABLE: the label, though not ASCII, looks exactly like an ASCII name (UTS #39
 *    skeleton is all ASCII).
 *  - NAME_BIDI: the label breaks the RFC 5893 bidi rule.
 *  - NAME_BAD_PUNYCODE: an `xn--` label that does not decode, decodes to nothing or to ASCII only,
 *    contains non-ASCII, or decodes to code points UTS #46 disallows.
 *  - NAME_NOT_NORMALISED: an `xn--` label that decodes to a non-canonical spelling (upper case,
 *    not NFC, characters that map to others): it is not the A-label of anything.
 *  - NAME_OUTSIDE_APEX: a dotted name that does not end with the apex.
 *  - NAME_MULTI_LABEL: more than one label (a dot in a label, or a sub-name under the apex).
 *  - NAME_BAD_APEX: the apex argument is not a lower-case, fully-qualified domain ending in '.'.
 */
export type NameErrorCode =
  | 'NAME_EMPTY'
  | 'NAME_TOO_LONG'
  | 'NAME_INVALID_CHAR'
  | 'NAME_HYPHEN'
  | 'NAME_LEADING_MARK'
  | 'NAME_CONTEXT'
  | 'NAME_MIXED_SCRIPT'
  | 'NAME_CONFUSABLE'
  | 'NAME_BIDI'
  | 'NAME_BAD_PUNYCODE'
  | 'NAME_NOT_NORMALISED'
  | 'NAME_OUTSIDE_APEX'
  | 'NAME_MULTI_LABEL'
  | 'NAME_BAD_APEX';

export class NameError extends DcbtError<NameErrorCode, { input: string; reason?: string }> {
  constructor(code: NameErrorCode, message: string, details: { input: string; reason?: string }) {
    super(code, message, details);
    this.name = 'NameError';
  }
}

/** Identifies the rule set; bump it (with the docs) whenever a rule or the data changes. */
export const NAME_RULES_VERSION = `dcbt-names-1/uts46-${T.UNICODE_VERSION}/ucd-${T.UNICODE_VERSION}/confusables-${T.CONFUSABLES_VERSION}`;

/** Longest input accepted at all (UTF-16 code units), before any mapping. */
export const NAME_INPUT_MAX = 1024;
const LABEL_MAX_OCTETS = 63;
const NAME_MAX_OCTETS = 253;

// ---- Table decoding -------------------------------------------------------------------------------

interface RangeTable {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly values: string[];
}

function decodeRanges(encoded: string): RangeTable {
  const tokens = encoded === '' ? [] : encoded.split(',');
  const starts = new Int32Array(tokens.length);
  const ends = new Int32Array(tokens.length);
  const values: string[] = [];
  let prev = 0;
  tokens.forEach((token, i) => {
    const colon = token.indexOf(':');
    const head = colon < 0 ? token : token.slice(0, colon);
    values.push(colon < 0 ? '' : token.slice(colon + 1));
    const [gap, len] = head.split('.');
    const start = prev + parseInt(gap!, 36);
    const end = start + (len === undefined ? 0 : parseInt(len, 36));
    starts[i] = start;
    ends[i] = end;
    prev = end + 1;
  });
  return { starts, ends, values };
}

/** Index of the range holding cp, or -1. */
function find(table: RangeTable, cp: number): number {
  let lo = 0;
  let hi = table.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (table.starts[mid]! > cp) hi = mid - 1;
    else if (table.ends[mid]! < cp) lo = mid + 1;
    else return mid;
  }
  return -1;
}

const seqOf = (s: string): number[] => s.split('_').map((x) => parseInt(x, 36));

interface ScriptSet {
  /** Script property value (short alias, e.g. 'Latn'). */
  readonly sc: string;
  /** Script_Extensions augmented per UTS #39 (Hani → Hanb/Jpan/Kore, …); undefined = any script. */
  readonly resolved: ReadonlySet<string> | undefined;
}

interface Data {
  readonly uts46: RangeTable;
  readonly allowed: RangeTable;
  readonly marks: RangeTable;
  readonly ccc: RangeTable;
  readonly decomp: Map<number, number[]>;
  readonly compose: Map<number, number>;
  readonly scripts: RangeTable;
  readonly scriptSets: ScriptSet[];
  readonly scriptNames: Map<string, string>;
  readonly bidi: RangeTable;
  readonly digitZeros: Int32Array;
  readonly prototypes: Map<number, number[]>;
}

let cached: Data | undefined;

function data(): Data {
  if (cached) return cached;
  const decompTable = decodeRanges(T.DECOMP);
  const decomp = new Map<number, number[]>();
  decompTable.values.forEach((v, i) => decomp.set(decompTable.starts[i]!, seqOf(v)));
  const compose = new Map<number, number>();
  for (const token of T.COMPOSE.split(',')) {
    const [a, b, c] = seqOf(token) as [number, number, number];
    compose.set(a * 0x110000 + b, c);
  }
  const protoTable = decodeRanges(T.PROTOTYPES);
  const prototypes = new Map<number, number[]>();
  protoTable.values.forEach((v, i) => prototypes.set(protoTable.starts[i]!, seqOf(v)));
  const scriptSets = T.SCRIPT_SETS.split(',').map((entry): ScriptSet => {
    const [sc, ext] = entry.split(':') as [string, string | undefined];
    const members = ext === undefined ? [sc] : ext.split(' ');
    if (members.includes('Zyyy') || members.includes('Zinh')) return { sc, resolved: undefined };
    const resolved = new Set(members);
    for (const s of members) {
      if (s === 'Hani') ['Hanb', 'Jpan', 'Kore'].forEach((x) => resolved.add(x));
      if (s === 'Hira' || s === 'Kana') resolved.add('Jpan');
      if (s === 'Hang') resolved.add('Kore');
      if (s === 'Bopo') resolved.add('Hanb');
    }
    return { sc, resolved };
  });
  const scriptNames = new Map<string, string>();
  for (const entry of T.SCRIPT_NAMES.split(',')) {
    const [short, long] = entry.split(':') as [string, string];
    scriptNames.set(short, long.replaceAll('_', ' '));
  }
  cached = {
    uts46: decodeRanges(T.UTS46),
    allowed: decodeRanges(T.ALLOWED),
    marks: decodeRanges(T.MARKS),
    ccc: decodeRanges(T.CCC),
    decomp,
    compose,
    scripts: decodeRanges(T.SCRIPTS),
    scriptSets,
    scriptNames,
    bidi: decodeRanges(T.BIDI),
    digitZeros: Int32Array.from(T.DIGIT_ZEROS.split(','), (x) => parseInt(x, 36)),
    prototypes,
  };
  return cached;
}

const isAllowed = (cp: number): boolean => find(data().allowed, cp) >= 0;
const isMark = (cp: number): boolean => find(data().marks, cp) >= 0;
/** A combining mark by general category (allowed code points) or by a non-zero combining class. */
const isMarkAny = (cp: number): boolean => isMark(cp) || cccOf(cp) !== 0;
function cccOf(cp: number): number {
  const d = data();
  const i = find(d.ccc, cp);
  return i < 0 ? 0 : parseInt(d.ccc.values[i]!, 36);
}
function bidiOf(cp: number): string {
  const d = data();
  const i = find(d.bidi, cp);
  return i < 0 ? '' : d.bidi.values[i]!;
}
function scriptSetOf(cp: number): ScriptSet | undefined {
  const d = data();
  const i = find(d.scripts, cp);
  return i < 0 ? undefined : d.scriptSets[parseInt(d.scripts.values[i]!, 36)];
}
function digitZeroOf(cp: number): number | undefined {
  const zeros = data().digitZeros;
  let lo = 0;
  let hi = zeros.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (zeros[mid]! <= cp) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return undefined;
  const zero = zeros[best]!;
  return cp <= zero + 9 ? zero : undefined;
}

// ---- Messages ---------------------------------------------------------------------------------------

const hex = (cp: number): string => 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');

/** The string in quotes, with anything invisible or unusual shown as \u{…}. */
function quote(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const printableAscii = cp >= 0x21 && cp <= 0x7e && ch !== "'" && ch !== '\\';
    out += printableAscii || (cp > 0x7f && isAllowed(cp) && !isMark(cp)) ? ch : `\\u{${cp.toString(16)}}`;
  }
  return `'${out}'`;
}

function fail(code: NameErrorCode, input: string, message: string, reason?: string): never {
  throw new NameError(code, message, reason === undefined ? { input: String(input) } : { input: String(input), reason });
}

function charReason(cp: number): string {
  if (cp === 0x200c || cp === 0x200d) return 'invisible joiners (ZWJ/ZWNJ) are not allowed';
  if (cp === 0x5f) return "'_' is not allowed in host names";
  if (cp === 0x20) return 'spaces are not allowed';
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return 'control characters are not allowed';
  if (cp >= 0xd800 && cp <= 0xdfff) return 'a lone surrogate is not a character';
  if (cp < 0x80) return 'only letters, digits and hyphen are allowed';
  return 'symbols, emoji, punctuation and other non-letters are not allowed';
}

// ---- UTS #46 mapping --------------------------------------------------------------------------------

/** UTS #46 mapping of one code point (non-transitional): the replacement, or undefined if disallowed. */
function mapCodePoint(cp: number): number[] | undefined {
  const d = data();
  const i = find(d.uts46, cp);
  if (i < 0) return undefined;
  const v = d.uts46.values[i]!;
  switch (v[0]) {
    case 'v':
      return [cp];
    case 'i':
      return [];
    case 'd':
      return [cp + parseInt(v.slice(1), 36)];
    case 'a':
      return [(cp - d.uts46.starts[i]!) % 2 === 0 ? cp + parseInt(v.slice(1), 36) : cp];
    default:
      return seqOf(v.slice(1));
  }
}

/** UTS #46 step 1: map every code point; refuse disallowed ones. */
function mapInput(text: string, input: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const mapped = mapCodePoint(cp);
    if (mapped === undefined) {
      fail('NAME_INVALID_CHAR', input, `${quote(input)} contains ${hex(cp)}, which cannot be used in a name (${charReason(cp)}); remove or replace it`, `${hex(cp)} disallowed`);
    }
    out.push(...mapped);
  }
  return out;
}

// ---- NFC / NFD (Unicode 17.0.0 data, UAX #15) ---------------------------------------------------------

const S_BASE = 0xac00;
const L_BASE = 0x1100;
const V_BASE = 0x1161;
const T_BASE = 0x11a7;
const L_COUNT = 19;
const V_COUNT = 21;
const T_COUNT = 28;
const N_COUNT = V_COUNT * T_COUNT;
const S_COUNT = L_COUNT * N_COUNT;

function decompose(cps: readonly number[]): number[] {
  const d = data();
  const out: number[] = [];
  for (const cp of cps) {
    if (cp >= S_BASE && cp < S_BASE + S_COUNT) {
      const s = cp - S_BASE;
      out.push(L_BASE + Math.floor(s / N_COUNT), V_BASE + Math.floor((s % N_COUNT) / T_COUNT));
      if (s % T_COUNT !== 0) out.push(T_BASE + (s % T_COUNT));
    } else {
      const m = d.decomp.get(cp);
      if (m) out.push(...m);
      else out.push(cp);
    }
  }
  canonicalOrder(out);
  return out;
}

/** Stable sort of each run of non-starters by combining class. */
function canonicalOrder(cps: number[]): void {
  for (let i = 1; i < cps.length; i++) {
    const c = cccOf(cps[i]!);
    if (c === 0) continue;
    let j = i;
    while (j > 0 && cccOf(cps[j - 1]!) > c) {
      const t = cps[j - 1]!;
      cps[j - 1] = cps[j]!;
      cps[j] = t;
      j--;
    }
  }
}

function composePair(a: number, b: number): number | undefined {
  if (a >= L_BASE && a < L_BASE + L_COUNT && b >= V_BASE && b < V_BASE + V_COUNT) {
    return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT;
  }
  if (a >= S_BASE && a < S_BASE + S_COUNT && (a - S_BASE) % T_COUNT === 0 && b > T_BASE && b < T_BASE + T_COUNT) {
    return a + (b - T_BASE);
  }
  return data().compose.get(a * 0x110000 + b);
}

function nfd(cps: readonly number[]): number[] {
  return decompose(cps);
}

function nfc(cps: readonly number[]): number[] {
  const d = decompose(cps);
  if (d.length === 0) return d;
  const out: number[] = [d[0]!];
  let starterPos = 0;
  let starter = d[0]!;
  let lastClass = cccOf(starter) === 0 ? 0 : 256;
  for (let i = 1; i < d.length; i++) {
    const cp = d[i]!;
    const cls = cccOf(cp);
    const composite = lastClass === 256 ? undefined : composePair(starter, cp);
    if (composite !== undefined && (lastClass < cls || lastClass === 0)) {
      out[starterPos] = composite;
      starter = composite;
      continue;
    }
    if (cls === 0) {
      starterPos = out.length;
      starter = cp;
    }
    lastClass = cls;
    out.push(cp);
  }
  return out;
}

// ---- Punycode (RFC 3492) --------------------------------------------------------------------------------

const P_BASE = 36;
const P_TMIN = 1;
const P_TMAX = 26;
const P_SKEW = 38;
const P_DAMP = 700;
const P_INITIAL_BIAS = 72;
const P_INITIAL_N = 128;
const P_MAXINT = 0x7fffffff;

function adapt(delta: number, numPoints: number, firstTime: boolean): number {
  delta = firstTime ? Math.floor(delta / P_DAMP) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((P_BASE - P_TMIN) * P_TMAX) >> 1) {
    delta = Math.floor(delta / (P_BASE - P_TMIN));
    k += P_BASE;
  }
  return k + Math.floor(((P_BASE - P_TMIN + 1) * delta) / (delta + P_SKEW));
}

const digitChar = (d: number): string => String.fromCharCode(d < 26 ? 0x61 + d : 0x30 + d - 26);

/** Punycode encoding of code points (lower-case digits). */
export function punycodeEncode(cps: readonly number[]): string {
  let output = '';
  for (const cp of cps) if (cp < 0x80) output += String.fromCharCode(cp);
  const basic = output.length;
  let handled = basic;
  if (basic > 0) output += '-';
  let n = P_INITIAL_N;
  let delta = 0;
  let bias = P_INITIAL_BIAS;
  while (handled < cps.length) {
    let m = P_MAXINT;
    for (const cp of cps) if (cp >= n && cp < m) m = cp;
    if (m - n > Math.floor((P_MAXINT - delta) / (handled + 1))) throw new RangeError('punycode overflow');
    delta += (m - n) * (handled + 1);
    n = m;
    for (const cp of cps) {
      if (cp < n && ++delta > P_MAXINT) throw new RangeError('punycode overflow');
      if (cp === n) {
        let q = delta;
        for (let k = P_BASE; ; k += P_BASE) {
          const t = k <= bias ? P_TMIN : k >= bias + P_TMAX ? P_TMAX : k - bias;
          if (q < t) break;
          output += digitChar(t + ((q - t) % (P_BASE - t)));
          q = Math.floor((q - t) / (P_BASE - t));
        }
        output += digitChar(q);
        bias = adapt(delta, handled + 1, handled === basic);
        delta = 0;
        handled++;
      }
    }
    delta++;
    n++;
  }
  return output;
}

/** Strict Punycode decoding; undefined if the input is not valid Punycode for Unicode scalars. */
export function punycodeDecode(input: string): number[] | undefined {
  const out: number[] = [];
  const delim = input.lastIndexOf('-');
  const basicEnd = delim < 0 ? 0 : delim;
  for (let j = 0; j < basicEnd; j++) {
    const c = input.charCodeAt(j);
    if (c >= 0x80) return undefined;
    out.push(c);
  }
  let n = P_INITIAL_N;
  let bias = P_INITIAL_BIAS;
  let i = 0;
  for (let pos = delim < 0 ? 0 : delim + 1; pos < input.length; ) {
    const oldi = i;
    let w = 1;
    for (let k = P_BASE; ; k += P_BASE) {
      if (pos >= input.length) return undefined;
      const c = input.charCodeAt(pos++);
      const digit = c >= 0x30 && c <= 0x39 ? c - 22 : c >= 0x41 && c <= 0x5a ? c - 0x41 : c >= 0x61 && c <= 0x7a ? c - 0x61 : -1;
      if (digit < 0) return undefined;
      if (digit > Math.floor((P_MAXINT - i) / w)) return undefined;
      i += digit * w;
      const t = k <= bias ? P_TMIN : k >= bias + P_TMAX ? P_TMAX : k - bias;
      if (digit < t) break;
      if (w > Math.floor(P_MAXINT / (P_BASE - t))) return undefined;
      w *= P_BASE - t;
    }
    const len = out.length + 1;
    bias = adapt(i - oldi, len, oldi === 0);
    if (Math.floor(i / len) > P_MAXINT - n) return undefined;
    n += Math.floor(i / len);
    i %= len;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
    out.splice(i, 0, n);
    i++;
  }
  return out;
}

// ---- The apex -----------------------------------------------------------------------------------------

interface Apex {
  readonly fqdn: string;
  /** Labels in A-label form, without the root. */
  readonly labels: readonly string[];
  /** Octets of the apex in presentation form without the trailing dot. */
  readonly length: number;
  /** The apex contains a right-to-left label, so every name under it is a bidi domain name. */
  readonly rtl: boolean;
  /** Name of the first apex label that fails RFC 5893 in a bidi domain name, if any. */
  readonly bidiFailure: string | undefined;
}

const apexCache = new Map<string, Apex>();

function apexOf(apex: string): Apex {
  const hit = typeof apex === 'string' ? apexCache.get(apex) : undefined;
  if (hit) return hit;
  const bad = (why: string): never =>
    fail('NAME_BAD_APEX', String(apex), `apex ${quote(String(apex))} is not usable: ${why}; configure it as a fully-qualified lower-case domain ending in '.', like 'dcbt.test.'`, why);
  if (typeof apex !== 'string') bad('it is not a string');
  if (!apex.endsWith('.') || apex.length < 2) bad("it must end with '.' and have at least one label");
  const labels = apex.slice(0, -1).split('.');
  let rtl = false;
  let bidiFailure: string | undefined;
  for (const label of labels) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) bad(`label ${quote(label)} is not 1-63 lower-case letters, digits or inner hyphens`);
    let cps = Array.from(label, (c) => c.codePointAt(0)!);
    if (label.startsWith('xn--')) {
      try {
        if (aLabelOf(label, label, undefined) !== label) bad(`label ${quote(label)} is not a canonical A-label`);
      } catch (error) {
        if (error instanceof NameError && error.code !== 'NAME_BAD_APEX') bad(`label ${quote(label)} is not a valid A-label (${error.message})`);
        throw error;
      }
      cps = punycodeDecode(label.slice(4))!;
    }
    if (cps.some((cp) => ['R', 'AL', 'AN'].includes(bidiOf(cp)))) rtl = true;
    if (bidiFailure === undefined && bidiRuleFailure(cps) !== undefined) bidiFailure = label;
  }
  if (apex.length - 1 > NAME_MAX_OCTETS - 2) bad(`it is ${apex.length - 1} octets, leaving no room for a label within 253`);
  const result: Apex = { fqdn: apex, labels, length: apex.length - 1, rtl, bidiFailure };
  if (apexCache.size > 64) apexCache.clear();
  apexCache.set(apex, result);
  return result;
}

// ---- Label rules -----------------------------------------------------------------------------------------

const RTL_ALLOWED = new Set(['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM']);
const LTR_ALLOWED = new Set(['L', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM']);

/** RFC 5893 section 2 rules 1-6 on one label; a description of the broken rule, or undefined. */
function bidiRuleFailure(cps: readonly number[]): string | undefined {
  const classes = cps.map(bidiOf);
  const first = classes[0];
  let last = classes.length - 1;
  while (last >= 0 && classes[last] === 'NSM') last--;
  const end = classes[last];
  if (first === 'R' || first === 'AL') {
    const bad = classes.findIndex((c) => !RTL_ALLOWED.has(c));
    if (bad >= 0) return `rule 2: ${hex(cps[bad]!)} (bidi class ${classes[bad] || 'unknown'}) cannot appear in a right-to-left label`;
    if (end !== 'R' && end !== 'AL' && end !== 'EN' && end !== 'AN') return 'rule 3: a right-to-left label must end with a right-to-left letter or a digit';
    if (classes.includes('EN') && classes.includes('AN')) return 'rule 4: a right-to-left label cannot mix European and Arabic-Indic digits';
    return undefined;
  }
  if (first === 'L') {
    const bad = classes.findIndex((c) => !LTR_ALLOWED.has(c));
    if (bad >= 0) return `rule 5: ${hex(cps[bad]!)} (bidi class ${classes[bad] || 'unknown'}) cannot appear in a left-to-right label`;
    if (end !== 'L' && end !== 'EN') return 'rule 6: a left-to-right label must end with a left-to-right letter or a digit';
    return undefined;
  }
  return 'rule 1: in a bidi domain name a label must start with a letter, not a digit or mark';
}

const toStr = (cps: readonly number[]): string => String.fromCodePoint(...cps);

/**
 * The A-label of an already mapped (UTS #46) and NFC label `cps`, after every label rule.
 * `apex` is undefined when checking the apex's own labels.
 */
function validateULabel(cps: number[], input: string, apex: Apex | undefined): string {
  const d = data();
  const shown = quote(input);
  if (cps.length === 0) fail('NAME_EMPTY', input, `${shown} is empty after normalisation; enter a label such as 'alice'`, 'empty label');

  // Characters: UTS #46 valid, IDNA2008 PVALID/CONTEXTO, LDH in ASCII, no joiners.
  for (const cp of cps) {
    if (cp === 0x2e) fail('NAME_MULTI_LABEL', input, `${shown} contains a dot: a name is a single label registered directly under the apex; remove the dot`, 'dot inside label');
    if (!isAllowed(cp)) {
      fail('NAME_INVALID_CHAR', input, `${shown} contains ${hex(cp)}, which cannot be used in a name (${charReason(cp)}); remove or replace it`, `${hex(cp)} not allowed`);
    }
  }

  // Hyphens (LDH rules; UTS #46 CheckHyphens).
  if (cps[0] === 0x2d || cps[cps.length - 1] === 0x2d) {
    fail('NAME_HYPHEN', input, `${shown} starts or ends with a hyphen; hyphens are allowed only inside a label`, 'leading or trailing hyphen');
  }
  if (cps[2] === 0x2d && cps[3] === 0x2d) {
    fail('NAME_HYPHEN', input, `${shown} has '--' in positions 3-4, which is reserved for encoded labels like 'xn--…'; use a single hyphen or move it`, "'--' in positions 3-4");
  }

  if (isMark(cps[0]!)) fail('NAME_LEADING_MARK', input, `${shown} starts with the combining mark ${hex(cps[0]!)}; a label must start with a letter or digit`, 'leading combining mark');

  // IDNA2008 CONTEXTO rules (RFC 5892 appendix A).
  const scOf = (cp: number | undefined): string | undefined => (cp === undefined ? undefined : scriptSetOf(cp)?.sc);
  cps.forEach((cp, i) => {
    const why =
      cp === 0xb7 && !(cps[i - 1] === 0x6c && cps[i + 1] === 0x6c) ? "U+00B7 MIDDLE DOT is allowed only between two 'l' (as in Catalan 'l·l')"
        : cp === 0x375 && scOf(cps[i + 1]) !== 'Grek' ? 'U+0375 GREEK KERAIA must be followed by a Greek letter'
          : (cp === 0x5f3 || cp === 0x5f4) && scOf(cps[i - 1]) !== 'Hebr' ? `${hex(cp)} (Hebrew geresh/gershayim) must follow a Hebrew letter`
            : cp === 0x30fb && !cps.some((c) => ['Hira', 'Kana', 'Hani'].includes(scOf(c) ?? '')) ? 'U+30FB KATAKANA MIDDLE DOT needs a Hiragana, Katakana or Han character in the label'
              : cp >= 0x660 && cp <= 0x669 && cps.some((c) => c >= 0x6f0 && c <= 0x6f9) ? 'Arabic-Indic digits cannot be mixed with Extended Arabic-Indic digits'
                : cp >= 0x6f0 && cp <= 0x6f9 && cps.some((c) => c >= 0x660 && c <= 0x669) ? 'Extended Arabic-Indic digits cannot be mixed with Arabic-Indic digits'
                  : undefined;
    if (why) fail('NAME_CONTEXT', input, `${shown}: ${why}; remove the character or fix its neighbours`, why);
  });

  // Lengths, in A-label form.
  const ascii = cps.every((cp) => cp < 0x80);
  const aLabel = ascii ? toStr(cps) : 'xn--' + punycodeEncode(cps);
  if (aLabel.length > LABEL_MAX_OCTETS) {
    fail('NAME_TOO_LONG', input, `${shown} is ${aLabel.length} octets as an A-label; the limit is ${LABEL_MAX_OCTETS}: choose a shorter name`, `label is ${aLabel.length} octets`);
  }
  if (apex && aLabel.length + 1 + apex.length > NAME_MAX_OCTETS) {
    const total = aLabel.length + 1 + apex.length;
    fail('NAME_TOO_LONG', input, `${shown} under ${apex.fqdn} makes a ${total}-octet name; the limit is ${NAME_MAX_OCTETS}: choose a shorter name`, `name is ${total} octets`);
  }

  // Bidi (RFC 5893), for bidi domain names: this label or the apex has right-to-left characters.
  const rtl = cps.some((cp) => ['R', 'AL', 'AN'].includes(bidiOf(cp)));
  if (rtl || apex?.rtl) {
    const broken = bidiRuleFailure(cps);
    if (broken) fail('NAME_BIDI', input, `${shown} breaks the bidi rule (RFC 5893 ${broken}); reorder or remove characters so it reads unambiguously`, broken);
    if (apex?.bidiFailure) {
      fail('NAME_BIDI', input, `${shown} is right-to-left, and the apex label ${quote(apex.bidiFailure)} breaks the bidi rule (RFC 5893), so no right-to-left name can be registered under ${apex.fqdn}`, `apex label ${apex.bidiFailure} fails RFC 5893`);
    }
  }

  // One script per label (UTS #39 resolved script set), one numbering system.
  let resolved: Set<string> | undefined;
  const seen: string[] = [];
  let zero: number | undefined;
  for (const cp of cps) {
    const set = scriptSetOf(cp)!;
    if (set.resolved) {
      if (!seen.includes(set.sc)) seen.push(set.sc);
      resolved = resolved ? new Set([...resolved].filter((s) => set.resolved!.has(s))) : new Set(set.resolved);
      if (resolved.size === 0) {
        const names = seen.map((s) => d.scriptNames.get(s) ?? s).join(' and ');
        fail('NAME_MIXED_SCRIPT', input, `${shown} mixes ${names} characters (first conflict at ${hex(cp)}); a label must use one script, so spell it entirely in one`, `mixed scripts: ${names}`);
      }
    }
    const z = digitZeroOf(cp);
    if (z !== undefined) {
      if (zero !== undefined && z !== zero) fail('NAME_MIXED_SCRIPT', input, `${shown} mixes digits from different numbering systems (${hex(zero)} and ${hex(z)} digit sets); use one set of digits`, 'mixed numbering systems');
      zero = z;
    }
  }

  // Confusables: a non-ASCII label whose UTS #39 skeleton is pure ASCII impersonates an ASCII name.
  // A combining mark repeated (after NFD) renders like one: 'á́' would impersonate 'á'.
  if (!ascii) {
    const decomposed = nfd(cps);
    const at = decomposed.findIndex((cp, i) => i > 0 && cp === decomposed[i - 1] && isMarkAny(cp));
    if (at > 0) {
      fail('NAME_CONFUSABLE', input, `${shown} repeats the combining mark ${hex(decomposed[at]!)}, which looks the same as writing it once; write it once`, `repeated combining mark ${hex(decomposed[at]!)}`);
    }
    const twin: number[] = [];
    let allAscii = true;
    for (const cp of decomposed) {
      const proto = cp < 0x80 ? [cp] : d.prototypes.get(cp) ?? [cp];
      if (proto.some((p) => p >= 0x80)) {
        allAscii = false;
        break;
      }
      twin.push(...proto);
    }
    if (allAscii) {
      const lookalike = toStr(twin).toLowerCase();
      fail('NAME_CONFUSABLE', input, `${shown} looks like the ASCII name '${lookalike}' (every character is a look-alike of a Latin letter or digit); register the ASCII spelling instead`, `confusable with '${lookalike}'`);
    }
  }

  return aLabel;
}

/** The canonical A-label of one mapped+NFC label given as code points (may be an xn-- label). */
function aLabelFromMapped(cps: number[], input: string, apex: Apex | undefined): string {
  const isAce = cps.length >= 4 && cps[0] === 0x78 && cps[1] === 0x6e && cps[2] === 0x2d && cps[3] === 0x2d;
  if (!isAce) return validateULabel(cps, input, apex);
  const shown = quote(input);
  if (cps.some((cp) => cp >= 0x80)) fail('NAME_BAD_PUNYCODE', input, `${shown} starts with 'xn--' but contains non-ASCII characters; an encoded label is ASCII only: enter the name itself instead`, 'non-ASCII in A-label');
  const ace = toStr(cps);
  const decoded = punycodeDecode(ace.slice(4));
  if (decoded === undefined) fail('NAME_BAD_PUNYCODE', input, `${shown} is not valid Punycode after 'xn--'; enter the name itself, or copy its A-label exactly`, 'undecodable Punycode');
  if (decoded.length === 0 || decoded.every((cp) => cp < 0x80)) {
    fail('NAME_BAD_PUNYCODE', input, `${shown} decodes to ${quote(toStr(decoded))}, which needs no encoding; an 'xn--' label must encode non-ASCII characters: enter the plain name instead`, 'decodes to ASCII');
  }
  // UTS #46 validity for decoded labels: every code point valid as it stands (no mapping), NFC.
  const d = data();
  for (const cp of decoded) {
    const i = find(d.uts46, cp);
    if (i < 0) fail('NAME_BAD_PUNYCODE', input, `${shown} decodes to ${hex(cp)}, which cannot be used in a name (${charReason(cp)}); this is not the A-label of any valid name`, `decodes to disallowed ${hex(cp)}`);
  }
  const mapped = nfc(mapInput(toStr(decoded), input));
  const mappedAce = mapped.every((cp) => cp < 0x80) ? undefined : 'xn--' + punycodeEncode(mapped);
  if (mapped.length !== decoded.length || mapped.some((cp, i) => cp !== decoded[i])) {
    let canonical: string;
    try {
      canonical = aLabelFromMapped(mapped, input, apex);
    } catch {
      canonical = '';
    }
    fail(
      'NAME_NOT_NORMALISED',
      input,
      `${shown} decodes to ${quote(toStr(decoded))}, which is not in normal form${canonical ? `; its canonical A-label is '${canonical}'` : ''}: use the canonical form`,
      `non-canonical encoding${mappedAce ? ` of ${mappedAce}` : ''}`,
    );
  }
  const aLabel = validateULabel(decoded, input, apex);
  if (aLabel !== ace) fail('NAME_NOT_NORMALISED', input, `${shown} is not the canonical encoding of ${quote(toStr(decoded))}; use '${aLabel}'`, `canonical form is ${aLabel}`);
  return aLabel;
}

function aLabelOf(label: string, input: string, apex: Apex | undefined): string {
  if (typeof label !== 'string') fail('NAME_INVALID_CHAR', String(label), 'a name must be a string', 'not a string');
  if (label.length === 0) fail('NAME_EMPTY', input, "the name is empty; enter a label such as 'alice'", 'empty input');
  if (label.length > NAME_INPUT_MAX) fail('NAME_TOO_LONG', input.slice(0, 64), `the input is ${label.length} characters; the limit is ${NAME_INPUT_MAX}: enter a shorter name`, 'input too long');
  const cps = nfc(mapInput(label, input));
  if (cps.includes(0x2e)) {
    fail('NAME_MULTI_LABEL', input, `${quote(input)} contains a dot: a name is a single label registered directly under the apex; remove the dot`, 'dot inside label');
  }
  if (cps.length === 0) fail('NAME_EMPTY', input, `${quote(input)} is empty after normalisation (only ignorable characters); enter a label such as 'alice'`, 'empty after mapping');
  return aLabelFromMapped(cps, input, apex);
}

// ---- Public API -------------------------------------------------------------------------------------------

/**
 * User input (U-label or A-label, any case, optionally with the apex: 'Alice', 'alice.dcbt.test',
 * 'alice.dcbt.test.', 'bücher', 'xn--bcher-kva') → canonical A-label ('alice', 'xn--bcher-kva').
 * Throws NameError.
 */
export function normaliseName(input: string, apex: string): string {
  const ctx = apexOf(apex);
  if (typeof input !== 'string') fail('NAME_INVALID_CHAR', String(input), 'a name must be a string', 'not a string');
  if (input.length === 0) fail('NAME_EMPTY', input, "the name is empty; enter a label such as 'alice'", 'empty input');
  if (input.length > NAME_INPUT_MAX) fail('NAME_TOO_LONG', input.slice(0, 64), `the input is ${input.length} characters; the limit is ${NAME_INPUT_MAX}: enter a shorter name`, 'input too long');
  const cps = nfc(mapInput(input, input));
  const labels: number[][] = [[]];
  for (const cp of cps) {
    if (cp === 0x2e) labels.push([]);
    else labels[labels.length - 1]!.push(cp);
  }
  const fqdn = labels.length > 1 && labels[labels.length - 1]!.length === 0;
  if (fqdn) labels.pop();
  if (labels.length === 1 && labels[0]!.length === 0) {
    fail('NAME_EMPTY', input, `${quote(input)} is empty after normalisation; enter a label such as 'alice'`, 'empty after mapping');
  }
  if (labels.some((l) => l.length === 0)) {
    fail('NAME_EMPTY', input, `${quote(input)} has an empty label (two dots in a row, or a leading dot); remove the extra dot`, 'empty label');
  }
  if (labels.length === 1 && !fqdn) return aLabelFromMapped(labels[0]!, input, ctx);
  const n = ctx.labels.length;
  const suffix = labels.slice(-n).map((l) => (l.every((cp) => cp < 0x80) ? toStr(l) : 'xn--' + punycodeEncode(l)));
  const underApex = labels.length >= n && suffix.every((l, i) => l === ctx.labels[i]);
  if (!underApex) {
    fail('NAME_OUTSIDE_APEX', input, `${quote(input)} is not under ${ctx.fqdn}; enter just the label (like 'alice') or a name ending in '.${ctx.fqdn.slice(0, -1)}'`, `not under ${ctx.fqdn}`);
  }
  const prefix = labels.slice(0, labels.length - n);
  if (prefix.length === 0) fail('NAME_EMPTY', input, `${quote(input)} is the apex itself; put the label to register in front of it, like 'alice.${ctx.fqdn}'`, 'apex only');
  if (prefix.length > 1) {
    fail('NAME_MULTI_LABEL', input, `${quote(input)} has ${prefix.length} labels under ${ctx.fqdn}; only one label directly under the apex can be registered (sub-names are records of that name)`, `${prefix.length} labels under the apex`);
  }
  return aLabelFromMapped(prefix[0]!, input, ctx);
}

/**
 * The label rule alone: UTS-46 processing (non-transitional), IDNA2008 validity, one script per
 * label, confusables refused, bidi rule (RFC 5893), LDH rules, label ≤ 63 octets in A-label form,
 * full name (label + apex) ≤ 253 octets. Returns the A-label. Throws NameError.
 */
export function normaliseLabel(input: string, apex: string): string {
  const ctx = apexOf(apex);
  return aLabelOf(input, typeof input === 'string' ? input : String(input), ctx);
}

/**
 * Consensus check used by the ledger: true iff label is already exactly the canonical A-label form
 * (normaliseLabel(label) === label). Never throws.
 */
export function isCanonicalLabel(label: string, apex: string): boolean {
  try {
    if (typeof label !== 'string' || !/^[a-z0-9-]{1,63}$/.test(label)) return false;
    return normaliseLabel(label, apex) === label;
  } catch {
    return false;
  }
}

/**
 * A-label → U-label for display (pure Punycode decode; no validation). Dotted input is decoded
 * label by label. Throws NameError NAME_BAD_PUNYCODE if an 'xn--' label does not decode.
 */
export function displayName(aLabel: string): string {
  return String(aLabel)
    .split('.')
    .map((label) => {
      if (!/^xn--/i.test(label)) return label;
      const cps = punycodeDecode(label.slice(4));
      if (cps === undefined) fail('NAME_BAD_PUNYCODE', aLabel, `${quote(label)} is not valid Punycode after 'xn--'; it cannot be displayed`, 'undecodable Punycode');
      return toStr(cps);
    })
    .join('.');
}

/**
 * UTS #39 skeleton (confusables 13.0.0) of a label given as A-label or U-label, for detecting
 * look-alike collisions between registered names: two labels that look the same share a skeleton.
 * Characters outside the label repertoire are left as they are.
 */
export function labelSkeleton(label: string): string {
  const d = data();
  const u = displayName(label);
  const out: number[] = [];
  for (const cp of nfd(Array.from(u, (c) => c.codePointAt(0)!))) out.push(...(d.prototypes.get(cp) ?? [cp]));
  canonicalOrder(out);
  return toStr(out);
}

/** Internals exposed for tests: the NFC and NFD implementations over the pinned data. */
export const _internal = {
  nfc: (s: string): string => toStr(nfc(Array.from(s, (c) => c.codePointAt(0)!))),
  nfd: (s: string): string => toStr(nfd(Array.from(s, (c) => c.codePointAt(0)!))),
  isAllowed,
  mapCodePoint,
};
