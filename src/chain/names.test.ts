import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { DcbtError } from '../errors.ts';
import {
  NameError,
  type NameErrorCode,
  displayName,
  isCanonicalLabel,
  labelSkeleton,
  normaliseLabel,
  normaliseName,
  punycodeDecode,
  punycodeEncode,
  _internal,
} from './names.ts';

const APEX = 'dcbt.test.';
const cps = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);

function refuses(fn: () => unknown, code: NameErrorCode): NameError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof NameError, `expected NameError, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${code}, but it was accepted`);
}
const label = (s: string, apex = APEX): string => normaliseLabel(s, apex);
const refusesLabel = (s: string, code: NameErrorCode, apex = APEX): NameError => refuses(() => normaliseLabel(s, apex), code);

test('the data tables are the pinned ones (changing them is a consensus change)', () => {
  const bytes = readFileSync(new URL('./names-data/tables.ts', import.meta.url));
  assert.equal(
    createHash('sha256').update(bytes).digest('hex'),
    'b227c966bcc93e0478e4b78310c49d86ccf9f1defe55e9d10ead15416cb70cc8',
    'names-data/tables.ts changed: if deliberate, regenerate it with generate.ts, bump NAME_RULES_VERSION, document it in docs/NAMES.md and update this digest',
  );
});

test('normaliseName accepts labels with or without the apex, in any case', () => {
  assert.equal(normaliseName('Alice', APEX), 'alice');
  assert.equal(normaliseName('alice.dcbt.test', APEX), 'alice');
  assert.equal(normaliseName('alice.dcbt.test.', APEX), 'alice');
  assert.equal(normaliseName('ALICE.DCBT.TEST.', APEX), 'alice');
  assert.equal(normaliseName('bücher', APEX), 'xn--bcher-kva');
  assert.equal(normaliseName('xn--bcher-kva', APEX), 'xn--bcher-kva');
  assert.equal(normaliseName('XN--BCHER-KVA.dcbt.test', APEX), 'xn--bcher-kva');
  assert.equal(normaliseName('bücher.dcbt.test.', APEX), 'xn--bcher-kva');
  assert.equal(normaliseName('ａｌｉｃｅ', APEX), 'alice');
  assert.equal(normaliseName('ａｌｉｃｅ。ｄｃｂｔ。ｔｅｓｔ', APEX), 'alice', 'ideographic and full-width dots separate labels');
});

test('normaliseName refuses names outside the apex, sub-names and the apex itself', () => {
  refuses(() => normaliseName('alice.com', APEX), 'NAME_OUTSIDE_APEX');
  refuses(() => normaliseName('alice.test', APEX), 'NAME_OUTSIDE_APEX');
  refuses(() => normaliseName('alice.', APEX), 'NAME_OUTSIDE_APEX');
  refuses(() => normaliseName('alice.dcbt', APEX), 'NAME_OUTSIDE_APEX');
  refuses(() => normaliseName('www.alice.dcbt.test', APEX), 'NAME_MULTI_LABEL');
  refuses(() => normaliseName('dcbt.test', APEX), 'NAME_EMPTY');
  refuses(() => normaliseName('dcbt.test.', APEX), 'NAME_EMPTY');
  refuses(() => normaliseName('.dcbt.test', APEX), 'NAME_EMPTY');
  refuses(() => normaliseName('alice..dcbt.test', APEX), 'NAME_EMPTY');
  refuses(() => normaliseName('.', APEX), 'NAME_EMPTY');
  refuses(() => normaliseName('', APEX), 'NAME_EMPTY');
});

test('UTS #46 mapping: case and width folding, non-transitional ß and ς, ignorables', () => {
  assert.equal(label('ALICE'), 'alice');
  assert.equal(label('ΑΛΙΚΗ'), label('αλικη'));
  assert.equal(label('straße'), 'xn--strae-oqa', 'ß stays ß (non-transitional)');
  assert.equal(label('STRAẞE'), 'xn--strae-oqa', 'capital sharp s maps to ß');
  assert.notEqual(label('straße'), label('strasse'));
  assert.equal(displayName(label('ὀδυσσεύς')), 'ὀδυσσεύς');
  assert.equal(displayName(label('ὀδυσσεύς'.replace(/σ$/, 'ς'))), 'ὀδυσσεύς', 'final sigma kept');
  assert.equal(label('ab\u00adcd'), 'abcd', 'soft hyphen is ignored');
  assert.equal(label('１２３'), '123');
  assert.equal(label('bu\u0308cher'), 'xn--bcher-kva', 'NFC composes u + combining diaeresis');
  assert.equal(label('\u1100\u1161'), label('가'), 'conjoining jamo compose to a syllable');
  refusesLabel('\u00ad', 'NAME_EMPTY');
  refusesLabel('', 'NAME_EMPTY');
});

test('characters: symbols, emoji, punctuation, spaces, joiners and controls are refused', () => {
  for (const s of ['😀', 'a😀', '☃', 'a♥b', 'a_b', 'a b', 'a!b', 'a\u200db', 'a\u200cb', 'a\u0000b', 'a\ud800b', 'a\u2028b', 'a/b', '%', 'a@b']) {
    refusesLabel(s, 'NAME_INVALID_CHAR');
  }
  const error = refusesLabel('a😀', 'NAME_INVALID_CHAR');
  assert.equal(error.details.input, 'a😀');
  assert.match(error.message, /U\+1F600/);
  assert.match(error.message, /remove or replace/);
});

test('dots inside a label are refused by normaliseLabel', () => {
  refusesLabel('a.b', 'NAME_MULTI_LABEL');
  refusesLabel('alice.dcbt.test', 'NAME_MULTI_LABEL');
  refusesLabel('a。b', 'NAME_MULTI_LABEL');
  refusesLabel('a．b', 'NAME_MULTI_LABEL');
});

test('hyphens: no leading or trailing hyphen, no -- in positions 3-4 except xn--', () => {
  assert.equal(label('a-b'), 'a-b');
  assert.equal(label('a--b'), 'a--b', 'positions 2-3 are fine');
  refusesLabel('-abc', 'NAME_HYPHEN');
  refusesLabel('abc-', 'NAME_HYPHEN');
  refusesLabel('-', 'NAME_HYPHEN');
  refusesLabel('ab--cd', 'NAME_HYPHEN');
  refusesLabel('AB--cd', 'NAME_HYPHEN');
  refusesLabel('üx--y', 'NAME_HYPHEN');
  refusesLabel('-bücher', 'NAME_HYPHEN');
});

test('xn-- labels must be exact, canonical encodings of a non-ASCII name', () => {
  assert.equal(label('xn--bcher-kva'), 'xn--bcher-kva');
  refusesLabel('xn--abc', 'NAME_BAD_PUNYCODE'); // decodes to C1 controls
  refusesLabel('xn--zz', 'NAME_BAD_PUNYCODE'); // truncated variable-length integer
  refusesLabel('xn--99999999', 'NAME_BAD_PUNYCODE'); // overflow
  refusesLabel('xn--', 'NAME_BAD_PUNYCODE');
  refusesLabel('xn--abc-', 'NAME_BAD_PUNYCODE'); // decodes to ASCII 'abc'
  refusesLabel('xn--alice-', 'NAME_BAD_PUNYCODE');
  refusesLabel('xn--bücher', 'NAME_BAD_PUNYCODE');
  // Valid Punycode, but of a spelling that is not the canonical one.
  refusesLabel('xn--' + punycodeEncode(cps('u\u0308cher')), 'NAME_NOT_NORMALISED'); // not NFC
  refusesLabel('xn--' + punycodeEncode(cps('bÜcher')), 'NAME_NOT_NORMALISED'); // upper case
  refusesLabel('xn--' + punycodeEncode(cps('ｂüｃｈｅｒ')), 'NAME_NOT_NORMALISED'); // full width
  refusesLabel('xn--' + punycodeEncode(cps('bü\u00adcher')), 'NAME_NOT_NORMALISED'); // ignorable
  const error = refusesLabel('xn--' + punycodeEncode(cps('bÜcher')), 'NAME_NOT_NORMALISED');
  assert.match(error.message, /xn--bcher-kva/);
  // Valid encodings of invalid names are refused by the name rules themselves.
  refusesLabel('xn--' + punycodeEncode(cps('pаypal')), 'NAME_MIXED_SCRIPT');
  refusesLabel('xn--80ak6aa92e', 'NAME_CONFUSABLE'); // Cyrillic 'аррӏе'
  refusesLabel('xn--' + punycodeEncode(cps('a😀')), 'NAME_INVALID_CHAR');
  refusesLabel('xn--' + punycodeEncode(cps('üx--y')), 'NAME_HYPHEN');
});

test('label length: at most 63 octets in A-label form', () => {
  assert.equal(label('a'.repeat(63)), 'a'.repeat(63));
  refusesLabel('a'.repeat(64), 'NAME_TOO_LONG');
  const idn63 = 'ü' + 'a'.repeat(55);
  const idn64 = 'ü' + 'a'.repeat(56);
  assert.equal(label(idn63).length, 63);
  assert.equal(label(idn63), 'xn--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-oxf');
  refusesLabel(idn64, 'NAME_TOO_LONG');
  refusesLabel('xn--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-70f', 'NAME_TOO_LONG');
  refusesLabel('a'.repeat(5000), 'NAME_TOO_LONG');
});

test('full name length: label + apex at most 253 octets', () => {
  const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.`; // 191 octets without the root dot
  assert.equal(label('x'.repeat(61), long), 'x'.repeat(61)); // 61 + 1 + 191 = 253
  const error = refusesLabel('x'.repeat(62), 'NAME_TOO_LONG', long); // 254
  assert.match(error.message, /254/);
  assert.equal(normaliseName(`${'x'.repeat(61)}.${long}`, long), 'x'.repeat(61));
  refuses(() => normaliseName(`${'x'.repeat(62)}.${long}`, long), 'NAME_TOO_LONG');
  assert.equal(isCanonicalLabel('x'.repeat(62), long), false);
  assert.equal(isCanonicalLabel('x'.repeat(61), long), true);
});

test('one script per label; Japanese and Korean sets count as one script', () => {
  refusesLabel('pаypal', 'NAME_MIXED_SCRIPT'); // Cyrillic а
  refusesLabel('gοοgle', 'NAME_MIXED_SCRIPT'); // Greek ο
  refusesLabel('abcひらがな', 'NAME_MIXED_SCRIPT');
  refusesLabel('한국ひらがな', 'NAME_MIXED_SCRIPT');
  refusesLabel('кириллицаlatin', 'NAME_MIXED_SCRIPT');
  refusesLabel('中文abc', 'NAME_MIXED_SCRIPT');
  assert.match(refusesLabel('pаypal', 'NAME_MIXED_SCRIPT').message, /Latin and Cyrillic/);
  assert.equal(label('中文'), 'xn--fiq228c');
  assert.equal(label('日本語'), 'xn--wgv71a119e');
  assert.equal(displayName(label('ひらがなカタカナ漢字')), 'ひらがなカタカナ漢字');
  assert.equal(displayName(label('ラーメン')), 'ラーメン', 'prolonged sound mark (Common, Hira/Kana) fits Japanese');
  assert.equal(displayName(label('한국어')), '한국어');
  assert.equal(displayName(label('한국漢字')), '한국漢字');
  assert.equal(displayName(label('кириллица')), 'кириллица');
  assert.equal(displayName(label('ελληνικά')), 'ελληνικά');
  assert.equal(displayName(label('münchen2024')), 'münchen2024', 'ASCII digits fit any script');
  assert.equal(displayName(label('日本-2024')), '日本-2024');
});

test('digits from different numbering systems are refused', () => {
  refusesLabel('१2', 'NAME_MIXED_SCRIPT'); // Devanagari one + ASCII two
  assert.equal(displayName(label('हिन्दी१२')), 'हिन्दी१२');
});

test('confusables: labels that look like an ASCII name are refused', () => {
  refusesLabel('аррӏе', 'NAME_CONFUSABLE'); // all Cyrillic, looks like 'apple'
  refusesLabel('сосоа', 'NAME_CONFUSABLE'); // Cyrillic 'cocoa'
  refusesLabel('ορα', 'NAME_CONFUSABLE'); // Greek 'opa'
  refusesLabel('ı', 'NAME_CONFUSABLE'); // Latin dotless i
  refusesLabel('bıt', 'NAME_CONFUSABLE');
  refusesLabel('ɑpple', 'NAME_CONFUSABLE'); // Latin alpha
  assert.match(refusesLabel('сосоа', 'NAME_CONFUSABLE').message, /'cocoa'/);
  refusesLabel('a\u0301\u0301', 'NAME_CONFUSABLE'); // repeated combining mark
  // Non-ASCII labels with at least one character that has no ASCII look-alike are fine.
  assert.equal(displayName(label('пример')), 'пример');
  assert.equal(displayName(label('bücher')), 'bücher');
  assert.equal(labelSkeleton('xn--80ak6aa92e'), labelSkeleton('аррӏе'));
  assert.notEqual(labelSkeleton('пример'), 'пример', 'skeleton maps look-alikes to prototypes');
});

test('bidi rule (RFC 5893) for right-to-left labels', () => {
  assert.equal(displayName(label('שלום')), 'שלום');
  assert.equal(displayName(label('שלום1')), 'שלום1', 'RTL label may end with a European digit');
  assert.equal(displayName(label('مثال')), 'مثال');
  assert.equal(displayName(label('مثال١')), 'مثال١', 'Arabic label may end with an Arabic-Indic digit');
  assert.equal(displayName(label('مثال12')), 'مثال12');
  assert.match(refusesLabel('1שלום', 'NAME_BIDI').details.reason ?? '', /rule 1/); // starts with a digit
  assert.match(refusesLabel('١مثال', 'NAME_BIDI').details.reason ?? '', /rule 1/);
  assert.match(refusesLabel('שלום1١', 'NAME_BIDI').details.reason ?? '', /rule 4/); // EN and AN mixed
  assert.match(refusesLabel('مثال1١', 'NAME_BIDI').details.reason ?? '', /rule 4/);
  assert.match(refusesLabel('שלוםʻ', 'NAME_BIDI').details.reason ?? '', /rule 2/); // L character in RTL label
  assert.match(refusesLabel('a1١', 'NAME_BIDI').details.reason ?? '', /rule 5/); // AN in LTR label
  refusesLabel('٠١٢', 'NAME_BIDI'); // Arabic-Indic digits only: an RTL label not starting with a letter
  // Under a right-to-left apex every name is in a bidi domain, so LTR labels obey rules 5-6 too.
  const rtlApex = `${label('مثال')}.test.`;
  assert.equal(label('abc', rtlApex), 'abc');
  assert.match(refusesLabel('1abc', 'NAME_BIDI', rtlApex).details.reason ?? '', /rule 1/);
  assert.equal(label('1abc'), '1abc', 'no bidi rule for an LTR name under an LTR apex');
  // An RTL label under an apex whose label breaks the rule cannot be registered.
  refusesLabel('שלום', 'NAME_BIDI', '1test.example.');
  assert.equal(label('abc', '1test.example.'), 'abc');
});

test('IDNA2008 context rules', () => {
  assert.equal(displayName(label('l·l')), 'l·l');
  refusesLabel('a·b', 'NAME_CONTEXT');
  refusesLabel('·l', 'NAME_CONTEXT');
  refusesLabel('٠۰', 'NAME_CONTEXT'); // Arabic-Indic with Extended Arabic-Indic digits
  assert.equal(displayName(label('צה״ל'.replace('״', '׳'))), 'צה׳ל', 'geresh after a Hebrew letter');
  refusesLabel('a׳', 'NAME_CONTEXT'); // geresh after a non-Hebrew letter
  assert.equal(displayName(label('カ・カ')), 'カ・カ');
  refusesLabel('a\u0375', 'NAME_CONTEXT'); // keraia not followed by Greek
});

test('a label cannot start with a combining mark', () => {
  refusesLabel('\u0301a', 'NAME_LEADING_MARK');
  refusesLabel('\u0903क', 'NAME_LEADING_MARK');
});

test('the apex argument must be a lower-case fully-qualified name', () => {
  for (const apex of ['dcbt.test', 'DCBT.test.', '', '.', 'dcbt..test.', '-dcbt.test.', 'dc_bt.test.', 'xn--abc.test.', 'xn--bcher-kva-.test.']) {
    refuses(() => normaliseLabel('alice', apex), 'NAME_BAD_APEX');
    refuses(() => normaliseName('alice', apex), 'NAME_BAD_APEX');
    assert.equal(isCanonicalLabel('alice', apex), false);
  }
  assert.equal(label('alice', 'xn--bcher-kva.test.'), 'alice');
  assert.equal(normaliseName('alice.bücher.test', 'xn--bcher-kva.test.'), 'alice');
  assert.equal(normaliseName('alice.xn--bcher-kva.test.', 'xn--bcher-kva.test.'), 'alice');
});

test('isCanonicalLabel: exactly the canonical A-label, never throws', () => {
  assert.equal(isCanonicalLabel('alice', APEX), true);
  assert.equal(isCanonicalLabel('xn--bcher-kva', APEX), true);
  assert.equal(isCanonicalLabel('a-b1', APEX), true);
  for (const bad of ['Alice', 'bücher', 'XN--BCHER-KVA', 'xn--Bcher-kva', 'alice.dcbt.test', 'alice.', '', 'ab--cd', '-a', 'xn--abc', 'xn--80ak6aa92e', 'a'.repeat(64), ' alice', 'alice\n']) {
    assert.equal(isCanonicalLabel(bad, APEX), false, bad);
  }
  for (const weird of [undefined, null, 42, {}, ['alice']] as unknown[]) {
    assert.equal(isCanonicalLabel(weird as string, APEX), false);
    assert.equal(isCanonicalLabel('alice', weird as string), false);
  }
});

test('displayName decodes A-labels for display', () => {
  assert.equal(displayName('xn--bcher-kva'), 'bücher');
  assert.equal(displayName('alice'), 'alice');
  assert.equal(displayName('xn--bcher-kva.dcbt.test.'), 'bücher.dcbt.test.');
  assert.equal(displayName('xn--fiq228c'), '中文');
  refuses(() => displayName('xn--zz'), 'NAME_BAD_PUNYCODE');
});

test('errors are DcbtErrors with a stable code, typed details and a helpful message', () => {
  const error = refusesLabel('pаypal', 'NAME_MIXED_SCRIPT');
  assert.ok(error instanceof DcbtError);
  assert.equal(error.name, 'NameError');
  assert.deepEqual(Object.keys(error.toJSON()), ['code', 'message', 'details']);
  assert.equal(error.details.input, 'pаypal');
  assert.equal(typeof error.details.reason, 'string');
  // Invisible characters are shown escaped, never raw.
  assert.match(refusesLabel('a\u200db', 'NAME_INVALID_CHAR').message, /\\u\{200d\}/);
});

test('Punycode matches the RFC 3492 sample strings', () => {
  const samples: [string, number[]][] = [
    ['egbpdaj6bu4bxfgehfvwxn', [0x644, 0x64a, 0x647, 0x645, 0x627, 0x628, 0x62a, 0x643, 0x644, 0x645, 0x648, 0x634, 0x639, 0x631, 0x628, 0x64a, 0x61f]],
    ['ihqwcrb4cv8a8dqg056pqjye', [0x4ed6, 0x4eec, 0x4e3a, 0x4ec0, 0x4e48, 0x4e0d, 0x8bf4, 0x4e2d, 0x6587]],
    ['Proprostnemluvesky-uyb24dma41a', cps('Pročprostěnemluvíčesky')],
    ['4dbcagdahymbxekheh6e0a7fei0b', [0x5dc, 0x5de, 0x5d4, 0x5d4, 0x5dd, 0x5e4, 0x5e9, 0x5d5, 0x5d8, 0x5dc, 0x5d0, 0x5de, 0x5d3, 0x5d1, 0x5e8, 0x5d9, 0x5dd, 0x5e2, 0x5d1, 0x5e8, 0x5d9, 0x5ea]],
    ['-> $1.00 <--', cps('-> $1.00 <-')],
  ];
  for (const [encoded, decoded] of samples) {
    assert.equal(punycodeEncode(decoded), encoded);
    assert.deepEqual(punycodeDecode(encoded), decoded);
  }
  assert.deepEqual(punycodeDecode('bcher-KVA'), cps('bücher'), 'digits are case-insensitive');
  assert.equal(punycodeDecode('zz'), undefined);
  assert.equal(punycodeDecode('ü-a'), undefined);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff), { maxLength: 20 }), (input) => {
      assert.deepEqual(punycodeDecode(punycodeEncode(input)), input);
    }),
  );
});

test('NFC and NFD agree with Unicode 17 for every code point UTS #46 keeps', { skip: process.versions.unicode !== '17.0' && `this Node's ICU is Unicode ${process.versions.unicode}` }, () => {
  let checked = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    const mapped = _internal.mapCodePoint(cp);
    if (!mapped || mapped.length !== 1 || mapped[0] !== cp) continue;
    const s = String.fromCodePoint(cp);
    assert.equal(_internal.nfc(s), s.normalize('NFC'), `NFC U+${cp.toString(16)}`);
    assert.equal(_internal.nfd(s), s.normalize('NFD'), `NFD U+${cp.toString(16)}`);
    checked++;
  }
  assert.ok(checked > 100_000);
  // Sequences rich in combining marks, Hangul jamo and composites.
  const pool = cps('aeiouAEOUcnsyzäöüñçåøéèêëāăąǎạảấầẩẫậ\u0300\u0301\u0302\u0303\u0308\u0323\u0327\u0328\u031b\u0345\u05b4\u05bc\u0650\u0651\u093c\u094d\u09be\u09c7\u0b3e\u0b47\u0bbe\u0bc6\u0cc6\u0cd5\u0d3e\u0d46\u0dd9\u0dcf\u1100\u1161\u11a8\uac00\uac01\u3099\u309a\u304b\u30cf\u0915\u0929\u1e0b\u1e63\u0f71\u0f72\u0f80');
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 12 }), (list) => {
      const s = String.fromCodePoint(...list);
      assert.equal(_internal.nfc(s), s.normalize('NFC'));
      assert.equal(_internal.nfd(s), s.normalize('NFD'));
    }),
    { numRuns: 3000 },
  );
});

const require = createRequire(import.meta.url);

test('the UTS #46 table matches tr46@6.0.0 (Unicode 17.0.0) for every code point', (t) => {
  const pkg = require('tr46/package.json') as { version: string };
  if (pkg.version !== '6.0.0') {
    t.skip(`installed tr46 is ${pkg.version}; the pinned table was generated from 6.0.0`);
    return;
  }
  const table = require('tr46/lib/mappingTable.json') as [number | [number, number], number, string?][];
  let rows = 0;
  for (const [range, status, mapping] of table) {
    const [a, b] = Array.isArray(range) ? range : [range, range];
    for (let cp = a; cp <= b; cp++) {
      const expected = status === 2 || status === 6 ? [cp] : status === 7 ? [] : status === 1 ? cps(mapping ?? '') : undefined;
      assert.deepEqual(_internal.mapCodePoint(cp), expected, `U+${cp.toString(16)}`);
    }
    rows++;
  }
  assert.ok(rows > 9000);
});

// A pool that exercises every rule: ASCII, case, width, scripts, marks, digits, RTL, joiners, dots.
const POOL = [
  ...'abcdefxyz0123456789-', 'A', 'Z', 'ａ', 'Ｚ', '.', '。', '_', ' ', 'ß', 'ẞ', 'ς', 'Σ', 'ü', 'u\u0308', '\u0301', '\u0308', '\u00ad', '\u200d', '\u200c',
  'а', 'р', 'е', 'ӏ', 'ж', 'п', 'α', 'ο', 'λ', 'ı', 'ɑ', 'œ', 'ש', 'ל', 'ו', 'ם', 'م', 'ث', 'ا', 'ل', '١', '۱', 'ʻ', '·', 'l', '׳',
  '中', '文', 'ひ', 'カ', 'ー', '・', '한', '국', 'ᄀ', 'ᅡ', '१', 'क', '\u094d', '😀', '☃', 'xn--', 'xn--bcher-kva', 'xn--abc', 'XN--',
];
const chaotic = fc.array(fc.constantFrom(...POOL), { minLength: 0, maxLength: 10 }).map((parts) => parts.join(''));
// Mostly single-script labels, so that many are accepted and the properties get exercised.
const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyzäöüßéèçñåøæ0123456789-',
  'абвгдежзийклмнопрстуфхцчшщъыьэюяё0123456789-',
  'αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ0123456789-',
  'אבגדהוזחטיכלמנסעפצקרשת0123456789',
  'ابتثجحخدذرزسشصضطظعغفقكلمنهوي٠١٢٣٤٥٦٧٨٩',
  '日本語中文漢字ひらがなカタカナーあいうえおアイウエオ0123456789-',
  '한국어조선글가나다라마바사0123456789-',
  'कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह\u093e\u093f\u0940\u094d०१२३४५६७८९-',
];
const plausible = fc
  .constantFrom(...ALPHABETS)
  .chain((alphabet) => fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 14 }))
  .map((parts) => parts.join(''));
const labelInput = fc.oneof(chaotic, plausible);
// Random text after 'xn--': mostly undecodable, sometimes a decodable forgery.
const aceLike = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), minLength: 1, maxLength: 20 }).map((s) => `xn--${s}`);

test('property: normaliseLabel is idempotent and its output is canonical', () => {
  fc.assert(
    fc.property(labelInput, (input) => {
      let out: string;
      try {
        out = normaliseLabel(input, APEX);
      } catch (error) {
        assert.ok(error instanceof NameError, String(error));
        return;
      }
      assert.match(out, /^[a-z0-9-]{1,63}$/);
      assert.equal(normaliseLabel(out, APEX), out);
      assert.equal(isCanonicalLabel(out, APEX), true);
      assert.equal(normaliseName(`${out}.dcbt.test.`, APEX), out);
    }),
    { numRuns: 3000 },
  );
});

test('property: displayName(normaliseLabel(x)) normalises back to the same A-label', () => {
  fc.assert(
    fc.property(labelInput, (input) => {
      let out: string;
      try {
        out = normaliseLabel(input, APEX);
      } catch {
        return;
      }
      const shown = displayName(out);
      assert.equal(normaliseLabel(shown, APEX), out);
      assert.equal(normaliseName(shown, APEX), out);
    }),
    { numRuns: 3000 },
  );
});

test('property: isCanonicalLabel never throws and agrees with normaliseLabel', () => {
  const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 30 }), labelInput, aceLike);
  fc.assert(
    fc.property(anyString, fc.oneof(fc.constant(APEX), fc.string({ maxLength: 20 })), (s, apex) => {
      const canonical = isCanonicalLabel(s, apex);
      assert.equal(typeof canonical, 'boolean');
      if (canonical) assert.equal(normaliseLabel(s, apex), s);
    }),
    { numRuns: 3000 },
  );
});

test('property: accepted labels are accepted identically by strict UTS #46 (tr46)', () => {
  const tr46 = require('tr46') as { toASCII(s: string, o: Record<string, boolean>): string | null };
  const strict = { checkHyphens: true, checkBidi: true, checkJoiners: true, useSTD3ASCIIRules: true, verifyDNSLength: true };
  fc.assert(
    fc.property(labelInput, (input) => {
      let out: string;
      try {
        out = normaliseLabel(input, APEX);
      } catch {
        return;
      }
      assert.equal(tr46.toASCII(input, strict), out);
    }),
    { numRuns: 3000 },
  );
});

test('property: an xn-- label is either refused or returned unchanged (no forgery maps to another name)', () => {
  fc.assert(
    fc.property(fc.oneof(aceLike, labelInput.map((s) => `xn--${s}`)), (s) => {
      let out: string;
      try {
        out = normaliseLabel(s, APEX);
      } catch (error) {
        assert.ok(error instanceof NameError, String(error));
        return;
      }
      // The only change allowed is UTS #46 mapping of the text itself (case, width).
      const mapped = String.fromCodePoint(...Array.from(s).flatMap((c) => _internal.mapCodePoint(c.codePointAt(0)!) ?? []));
      assert.equal(out, mapped);
    }),
    { numRuns: 3000 },
  );
});
