import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import {
  HOST_LABELS_MAX,
  RECORD_COUNT_MAX,
  RECORD_ERROR_CODES,
  RecordError,
  RecordTypes,
  formatRecord,
  nameFromWire,
  nameToWire,
  parseRecord,
  recordSetSizeBytes,
  sortRecords,
  validateRecordSet,
} from './records.ts';
import type { RecordErrorCode, RecordText, RecordTypeName } from './records.ts';
import type { DnsRecord } from './types.ts';
import { DcbtError } from '../errors.ts';

const ctx = { name: 'alice', apex: 'dcbt.test.' };
const setCtx = { ...ctx, sizeBytesMax: 2048 };
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
const bytes = (...parts: (number | Uint8Array)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
/** Independent wire encoder for plain (already lower-case) names, used to build fixtures. */
const wire = (name: string): Uint8Array => bytes(...name.replace(/\.$/, '').split('.').filter(Boolean).flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]), 0);
const rec = (host: string, type: RecordTypeName, value: string): DnsRecord => parseRecord({ host, type, value }, ctx);
const raw = (host: string, type: number, rdata: Uint8Array): DnsRecord => ({ host, type, rdata });
const validate = (records: readonly DnsRecord[], options: Partial<typeof setCtx> = {}): void => validateRecordSet(records, { ...setCtx, ...options });

function throwsCode(fn: () => unknown, code: RecordErrorCode, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RecordError, `expected RecordError, got ${String(error)}`);
    assert.ok(error instanceof DcbtError);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

type Codec = { encode(data: unknown): Buffer };
const packet = dnsPacket as unknown as Record<string, Codec>;
/** dns-packet's RDATA encoders prefix RDLENGTH; strip it. */
const dp = (type: string, data: unknown): Uint8Array => new Uint8Array(packet[type]!.encode(data).subarray(2));

describe('RecordTypes', () => {
  test('maps mnemonics to RR type codes', () => {
    assert.deepEqual(RecordTypes, { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, SRV: 33, DS: 43, TLSA: 52, CAA: 257 });
  });
});

describe('nameToWire / nameFromWire', () => {
  test('encodes absolute names, lower case, final dot optional', () => {
    assert.deepEqual(nameToWire('Mail.Example.ORG.'), wire('mail.example.org'));
    assert.deepEqual(nameToWire('mail.example.org'), wire('mail.example.org'));
    assert.deepEqual(nameToWire('.'), Uint8Array.of(0));
    assert.deepEqual(nameToWire(''), Uint8Array.of(0));
    assert.deepEqual(nameToWire('_443._tcp.x.'), wire('_443._tcp.x'));
  });

  test('decodes to lower-case absolute text and the next offset', () => {
    const buf = bytes(9, wire('MAIL.example.org'), 7);
    assert.deepEqual(nameFromWire(buf, 1), { name: 'mail.example.org.', next: 19 });
    assert.deepEqual(nameFromWire(Uint8Array.of(0), 0), { name: '.', next: 1 });
  });

  test('accepts a 255-octet name and refuses longer ones', () => {
    const label = 'a'.repeat(63);
    const longest = `${label}.${label}.${label}.${'b'.repeat(61)}.`;
    assert.equal(nameToWire(longest).length, 255);
    assert.equal(nameFromWire(nameToWire(longest), 0).name, longest);
    throwsCode(() => nameToWire(`c${longest}`), 'RECORD_NAME_INVALID', /limit is 253/);
    const tooLong = bytes(...[label, label, label, 'b'.repeat(62)].flatMap((l) => [l.length, ...Buffer.from(l)]), 0);
    throwsCode(() => nameFromWire(tooLong, 0), 'RECORD_NAME_INVALID', /longer than 255/);
  });

  test('refuses empty labels, long labels and unsupported characters', () => {
    throwsCode(() => nameToWire('a..b.'), 'RECORD_NAME_INVALID', /empty label/);
    throwsCode(() => nameToWire('.a.'), 'RECORD_NAME_INVALID', /empty label/);
    throwsCode(() => nameToWire(`${'a'.repeat(64)}.b.`), 'RECORD_NAME_INVALID', /limit is 63/);
    throwsCode(() => nameToWire('a b.'), 'RECORD_NAME_INVALID', /U\+0020/);
    throwsCode(() => nameToWire('a\\.b.'), 'RECORD_NAME_INVALID');
    throwsCode(() => nameToWire('é.b.'), 'RECORD_NAME_INVALID');
  });

  test('refuses compression pointers, other label types, overruns and unsupported octets', () => {
    throwsCode(() => nameFromWire(Uint8Array.of(1, 0x61, 0xc0, 0), 0), 'RECORD_NAME_INVALID', /compression pointer/);
    throwsCode(() => nameFromWire(Uint8Array.of(0x41, 0), 0), 'RECORD_NAME_INVALID', /label type/);
    throwsCode(() => nameFromWire(Uint8Array.of(3, 0x61, 0x62), 0), 'RECORD_NAME_INVALID', /past the end/);
    throwsCode(() => nameFromWire(Uint8Array.of(1, 0x61), 0), 'RECORD_NAME_INVALID', /past the end/);
    throwsCode(() => nameFromWire(Uint8Array.of(), 0), 'RECORD_NAME_INVALID');
    throwsCode(() => nameFromWire(Uint8Array.of(1, 0x2e, 0), 0), 'RECORD_NAME_INVALID');
    throwsCode(() => nameFromWire(Uint8Array.of(1, 0x20, 0), 0), 'RECORD_NAME_INVALID');
  });

  test('property: text → wire → text is identity on lower-case names, and matches dns-packet', () => {
    const label = fc.stringMatching(/^[a-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 6 }), (labels) => {
        const name = `${labels.join('.')}.`;
        const w = nameToWire(name);
        assert.deepEqual(nameFromWire(w, 0), { name, next: w.length });
        assert.deepEqual(w, new Uint8Array(packet.name!.encode(name)));
      }),
    );
  });
});

describe('parseRecord / formatRecord per type', () => {
  const digest32 = 'ab'.repeat(32);
  const cases: { text: RecordText; rdata: Uint8Array; formatted?: string }[] = [
    { text: { host: '', type: 'A', value: '192.0.2.1' }, rdata: bytes(192, 0, 2, 1) },
    { text: { host: 'www', type: 'AAAA', value: '2001:DB8:0:0:0:0:0:1' }, rdata: hex('20010db8000000000000000000000001'), formatted: '2001:db8::1' },
    { text: { host: '', type: 'TXT', value: '"v=spf1 -all"' }, rdata: bytes(11, Buffer.from('v=spf1 -all')) },
    { text: { host: '_dmarc', type: 'TXT', value: '"a" "b c"' }, rdata: bytes(1, 0x61, 3, 0x62, 0x20, 0x63) },
    { text: { host: '', type: 'MX', value: '10 mail.example.org.' }, rdata: bytes(0, 10, wire('mail.example.org')) },
    { text: { host: '', type: 'MX', value: '0 .' }, rdata: bytes(0, 0, 0) },
    { text: { host: '_sip._udp', type: 'SRV', value: '10 5 5060 sip.example.org.' }, rdata: bytes(0, 10, 0, 5, 0x13, 0xc4, wire('sip.example.org')) },
    { text: { host: '_x._tcp', type: 'SRV', value: '0 0 0 .' }, rdata: bytes(0, 0, 0, 0, 0, 0, 0) },
    { text: { host: '', type: 'CAA', value: '0 issue "letsencrypt.org"' }, rdata: bytes(0, 5, Buffer.from('issue'), Buffer.from('letsencrypt.org')) },
    { text: { host: '', type: 'CAA', value: '128 iodef "mailto:a@b.org"' }, rdata: bytes(128, 5, Buffer.from('iodef'), Buffer.from('mailto:a@b.org')) },
    { text: { host: '_443._tcp', type: 'TLSA', value: `3 1 1 ${digest32}` }, rdata: bytes(3, 1, 1, hex(digest32)) },
    { text: { host: 'c', type: 'CNAME', value: 'target.example.' }, rdata: wire('target.example') },
    { text: { host: '', type: 'NS', value: 'ns1.alice.dcbt.test.' }, rdata: wire('ns1.alice.dcbt.test') },
    { text: { host: '', type: 'DS', value: `12345 13 2 ${digest32}` }, rdata: bytes(0x30, 0x39, 13, 2, hex(digest32)) },
  ];
  for (const { text, rdata, formatted } of cases) {
    test(`${text.type} ${text.value}`, () => {
      const record = parseRecord(text, ctx);
      assert.deepEqual(record, { host: text.host, type: RecordTypes[text.type], rdata });
      const back = formatRecord(record);
      assert.deepEqual(back, { ...text, value: formatted ?? text.value });
      assert.deepEqual(parseRecord(back, ctx).rdata, rdata);
    });
  }

  test('type mnemonics are case-insensitive; unknown types are refused', () => {
    assert.equal(parseRecord({ host: '', type: 'a' as RecordTypeName, value: '192.0.2.1' }, ctx).type, 1);
    throwsCode(() => parseRecord({ host: '', type: 'SOA' as RecordTypeName, value: 'x' }, ctx), 'RECORD_TYPE_UNSUPPORTED', /use one of A, NS/);
    throwsCode(() => parseRecord({ host: '', type: 'constructor' as RecordTypeName, value: 'x' }, ctx), 'RECORD_TYPE_UNSUPPORTED');
  });

  test('names: absolute, @, relative to the name, lower-cased', () => {
    assert.deepEqual(rec('', 'MX', '10 Mail').rdata, bytes(0, 10, wire('mail.alice.dcbt.test')));
    assert.deepEqual(rec('', 'MX', '10 @').rdata, bytes(0, 10, wire('alice.dcbt.test')));
    assert.deepEqual(rec('', 'NS', 'NS1.Example.NET.').rdata, wire('ns1.example.net'));
    assert.deepEqual(parseRecord({ host: '', type: 'MX', value: '1 mx' }, { name: 'bob', apex: 'dcbt.test' }).rdata, bytes(0, 1, wire('mx.bob.dcbt.test')));
    throwsCode(() => rec('', 'NS', '"ns1.example.org."'), 'RECORD_VALUE_INVALID', /without quotes/);
    throwsCode(() => rec('', 'CNAME', 'a..b.'), 'RECORD_VALUE_INVALID', /empty label/);
    throwsCode(() => rec('', 'CNAME', `${'a'.repeat(64)}.org.`), 'RECORD_VALUE_INVALID', /limit is 63/);
  });

  test('hosts: "@" and case normalise; bad hosts are refused', () => {
    assert.equal(rec('@', 'A', '192.0.2.1').host, '');
    assert.equal(rec('WWW', 'A', '192.0.2.1').host, 'www');
    assert.equal(rec('sel._domainkey.mail', 'TXT', 'k').host, 'sel._domainkey.mail');
    throwsCode(() => rec('www.alice.dcbt.test.', 'A', '192.0.2.1'), 'RECORD_HOST_INVALID', /relative to the name/);
    for (const host of ['a..b', '.a', '-a', 'a-', '*', 'a_b', '_', 'é', 'a b']) throwsCode(() => rec(host, 'A', '192.0.2.1'), 'RECORD_HOST_INVALID');
    throwsCode(() => rec('a'.repeat(64), 'A', '192.0.2.1'), 'RECORD_HOST_INVALID', /limit is 63/);
    throwsCode(() => rec('a.b.c.d.e', 'A', '192.0.2.1'), 'RECORD_HOST_TOO_DEEP', /limit is 4/);
    const long = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(46)].join('.');
    throwsCode(() => rec(long, 'A', '192.0.2.1'), 'RECORD_OWNER_TOO_LONG', /limit is 253/);
    assert.equal(rec(long.slice(1), 'A', '192.0.2.1').host, long.slice(1));
  });

  test('A: strict dotted quad', () => {
    for (const value of ['256.0.0.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.4 5', '', ' ', 'a.b.c.d', '"1.2.3.4"']) throwsCode(() => rec('', 'A', value), 'RECORD_VALUE_INVALID');
    assert.deepEqual(rec('', 'A', ' 0.0.0.0 ').rdata, bytes(0, 0, 0, 0));
  });

  test('AAAA: RFC 4291 input forms, RFC 5952 output', () => {
    const forms: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['FE80::ABCD', 'fe80::abcd'],
    ];
    for (const [input, output] of forms) {
      const record = rec('', 'AAAA', input);
      assert.equal(formatRecord(record).value, output, input);
      assert.deepEqual(record.rdata, new Uint8Array(dp('aaaa', input)), input);
    }
    for (const bad of [':::', '1:::2', '1::2::3', ':1::', '::1:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2:3:4:5:6:7:8', '12345::', 'fe80::1%eth0', '::1.2.3', '1.2.3.4::', 'g::', '192.0.2.1']) {
      throwsCode(() => rec('', 'AAAA', bad), 'RECORD_VALUE_INVALID');
    }
  });

  test('TXT: plain text is one string split into ≤255-octet pieces at character boundaries', () => {
    const text = `${'x'.repeat(254)}é${'y'.repeat(10)}`;
    const record = rec('', 'TXT', text);
    assert.deepEqual(record.rdata, bytes(254, Buffer.from('x'.repeat(254)), 12, Buffer.from(`é${'y'.repeat(10)}`)));
    assert.equal(formatRecord(record).value, `"${'x'.repeat(254)}" "é${'y'.repeat(10)}"`);
    assert.deepEqual(rec('', 'TXT', 'a\\b "c"').rdata, bytes(7, Buffer.from('a\\b "c"')));
    assert.deepEqual(rec('', 'TXT', 'x'.repeat(255)).rdata.length, 256);
    throwsCode(() => rec('', 'TXT', ''), 'RECORD_VALUE_INVALID', /""/);
    throwsCode(() => rec('', 'TXT', 'a\u0007b'), 'RECORD_VALUE_INVALID', /U\+0007/);
    throwsCode(() => rec('', 'TXT', 'a\ud800b'), 'RECORD_VALUE_INVALID', /U\+D800/);
  });

  test('TXT: quoted form, escapes, UTF-8 and the 255-octet limit', () => {
    assert.deepEqual(rec('', 'TXT', '""').rdata, bytes(0));
    assert.deepEqual(rec('', 'TXT', '"a\\"b\\\\c" \\065\\066 plain').rdata, bytes(5, Buffer.from('a"b\\c'), 2, 65, 66, 5, Buffer.from('plain')));
    assert.deepEqual(rec('', 'TXT', '"ü\\000"').rdata, bytes(3, 0xc3, 0xbc, 0));
    assert.equal(formatRecord(raw('', 16, bytes(3, 0xc3, 0xbc, 0))).value, '"ü\\000"');
    assert.equal(formatRecord(raw('', 16, bytes(2, 0xff, 0x41))).value, '"\\255A"');
    assert.equal(formatRecord(raw('', 16, bytes(2, 0xc2, 0x85))).value, '"\\194\\133"');
    assert.equal(formatRecord(raw('', 16, bytes(3, 0xef, 0xbb, 0xbf))).value, '"\ufeff"');
    assert.equal(rec('', 'TXT', `"${'z'.repeat(255)}"`).rdata.length, 256);
    throwsCode(() => rec('', 'TXT', `"${'z'.repeat(256)}"`), 'RECORD_VALUE_INVALID', /split it/);
    throwsCode(() => rec('', 'TXT', '"abc'), 'RECORD_VALUE_INVALID', /not closed/);
    throwsCode(() => rec('', 'TXT', '"a"b'), 'RECORD_VALUE_INVALID', /space after/);
    throwsCode(() => rec('', 'TXT', '"a" b"c'), 'RECORD_VALUE_INVALID', /quote mark/);
    throwsCode(() => rec('', 'TXT', '"a\\'), 'RECORD_VALUE_INVALID', /backslash/);
    throwsCode(() => rec('', 'TXT', '"\\256"'), 'RECORD_VALUE_INVALID', /000\.\.255/);
    throwsCode(() => rec('', 'TXT', '"\\12"'), 'RECORD_VALUE_INVALID', /three decimal digits/);
    throwsCode(() => rec('', 'TXT', '"a\nb"'), 'RECORD_VALUE_INVALID', /U\+000A/);
  });

  test('field counts, numbers and hex are checked', () => {
    throwsCode(() => rec('', 'MX', '10'), 'RECORD_VALUE_INVALID', /expected 2 fields/);
    throwsCode(() => rec('', 'MX', '65536 mx.example.'), 'RECORD_VALUE_INVALID', /0\.\.65535/);
    throwsCode(() => rec('', 'MX', '-1 mx.example.'), 'RECORD_VALUE_INVALID');
    throwsCode(() => rec('', 'MX', '"10" mx.example.'), 'RECORD_VALUE_INVALID', /without quotes/);
    throwsCode(() => rec('', 'SRV', '1 2 3'), 'RECORD_VALUE_INVALID', /expected 4 fields/);
    throwsCode(() => rec('', 'CAA', '0 issue'), 'RECORD_VALUE_INVALID', /expected 3 fields/);
    throwsCode(() => rec('', 'CAA', '256 issue "x"'), 'RECORD_VALUE_INVALID', /0\.\.255/);
    throwsCode(() => rec('', 'CAA', '0 is-sue "x"'), 'RECORD_VALUE_INVALID', /letters and digits/);
    throwsCode(() => rec('', 'TLSA', '3 1 1'), 'RECORD_VALUE_INVALID', /got 3 fields/);
    throwsCode(() => rec('', 'TLSA', '3 1 1 abc'), 'RECORD_VALUE_INVALID', /even number/);
    throwsCode(() => rec('', 'DS', '1 13 2 zz'), 'RECORD_VALUE_INVALID', /hexadecimal/);
    throwsCode(() => rec('', 'DS', '70000 13 2 00'), 'RECORD_VALUE_INVALID');
    throwsCode(() => rec('', 'CNAME', 'a. b.'), 'RECORD_VALUE_INVALID', /expected 1 field/);
    throwsCode(() => rec('', 'A', 'x'.repeat(300_000)), 'RECORD_VALUE_INVALID', /limit/);
    assert.deepEqual(rec('_443._tcp', 'TLSA', `3 1 1 ${'AB'.repeat(16)} ${'cd'.repeat(16)}`).rdata, bytes(3, 1, 1, hex('ab'.repeat(16) + 'cd'.repeat(16))));
    assert.deepEqual(rec('', 'CAA', '0 ISSUE ;').rdata, bytes(0, 5, Buffer.from('issue'), Buffer.from(';')));
  });

  test('field ranges: CAA, TLSA, DS, null MX (RECORD_FIELD_INVALID)', () => {
    const d = (n: number): string => '00'.repeat(n);
    throwsCode(() => rec('', 'CAA', '1 issue "x"'), 'RECORD_FIELD_INVALID', /0 or 128/);
    throwsCode(() => rec('', 'CAA', '0 abcdefghijklmnop "x"'), 'RECORD_FIELD_INVALID', /1 to 15/);
    throwsCode(() => rec('', 'TLSA', `4 1 1 ${d(32)}`), 'RECORD_FIELD_INVALID', /usage/);
    throwsCode(() => rec('', 'TLSA', `3 2 1 ${d(32)}`), 'RECORD_FIELD_INVALID', /selector/);
    throwsCode(() => rec('', 'TLSA', `3 1 3 ${d(32)}`), 'RECORD_FIELD_INVALID', /matching type/);
    throwsCode(() => rec('', 'TLSA', `3 1 1 ${d(31)}`), 'RECORD_FIELD_INVALID', /32-octet/);
    throwsCode(() => rec('', 'TLSA', `3 1 2 ${d(32)}`), 'RECORD_FIELD_INVALID', /64-octet/);
    assert.equal(rec('', 'TLSA', `3 1 2 ${d(64)}`).rdata.length, 67);
    assert.equal(rec('', 'TLSA', `3 0 0 ${d(5)}`).rdata.length, 8);
    throwsCode(() => rec('', 'DS', `1 5 2 ${d(32)}`), 'RECORD_FIELD_INVALID', /algorithm 5/);
    throwsCode(() => rec('', 'DS', `1 13 1 ${d(20)}`), 'RECORD_FIELD_INVALID', /digest type 1/);
    throwsCode(() => rec('', 'DS', `1 13 4 ${d(32)}`), 'RECORD_FIELD_INVALID', /48-octet/);
    assert.equal(rec('', 'DS', `1 15 4 ${d(48)}`).rdata.length, 52);
    throwsCode(() => rec('', 'MX', '10 .'), 'RECORD_FIELD_INVALID', /null MX/);
  });

  test('targets must be host names (RECORD_TARGET_INVALID)', () => {
    throwsCode(() => rec('', 'MX', '10 _mail.example.'), 'RECORD_TARGET_INVALID');
    throwsCode(() => rec('', 'MX', '10 -mail.example.'), 'RECORD_TARGET_INVALID');
    throwsCode(() => rec('', 'SRV', '1 1 1 a*b.example.'), 'RECORD_TARGET_INVALID');
    throwsCode(() => rec('', 'NS', '.'), 'RECORD_TARGET_INVALID');
    throwsCode(() => rec('', 'NS', 'ns_1.example.'), 'RECORD_TARGET_INVALID');
    throwsCode(() => rec('x', 'CNAME', '.'), 'RECORD_TARGET_INVALID');
    throwsCode(() => rec('x', 'CNAME', 'a+b.example.'), 'RECORD_TARGET_INVALID');
    assert.deepEqual(rec('_acme-challenge', 'CNAME', '_acme-challenge.example.net.').rdata, wire('_acme-challenge.example.net'));
  });

  test('formatRecord refuses unsupported types and malformed rdata', () => {
    throwsCode(() => formatRecord(raw('', 6, bytes(0))), 'RECORD_TYPE_UNSUPPORTED');
    throwsCode(() => formatRecord(raw('', 1, bytes(1, 2, 3))), 'RECORD_RDATA_MALFORMED', /4 octets/);
    throwsCode(() => formatRecord(raw('', 15, bytes(0, 1, 0, 9))), 'RECORD_RDATA_MALFORMED', /trailing/);
  });
});

describe('dns-packet cross-check', () => {
  test('fixed examples encode identically', () => {
    assert.deepEqual(rec('', 'A', '192.0.2.1').rdata, dp('a', '192.0.2.1'));
    assert.deepEqual(rec('', 'AAAA', '2001:db8::1').rdata, dp('aaaa', '2001:db8::1'));
    assert.deepEqual(rec('', 'MX', '10 mail.example.org.').rdata, dp('mx', { preference: 10, exchange: 'mail.example.org' }));
    assert.deepEqual(rec('', 'TXT', '"v=spf1 -all" "x"').rdata, dp('txt', [Buffer.from('v=spf1 -all'), Buffer.from('x')]));
    assert.deepEqual(rec('_sip._udp', 'SRV', '10 5 5060 sip.example.org.').rdata, dp('srv', { priority: 10, weight: 5, port: 5060, target: 'sip.example.org' }));
    assert.deepEqual(rec('', 'CAA', '128 issue "letsencrypt.org"').rdata, dp('caa', { flags: 128, tag: 'issue', value: 'letsencrypt.org' }));
    assert.deepEqual(rec('', 'NS', 'ns1.example.net.').rdata, dp('ns', 'ns1.example.net'));
    assert.deepEqual(rec('x', 'CNAME', 'target.example.').rdata, dp('cname', 'target.example'));
    const digest = Buffer.from('11'.repeat(32), 'hex');
    assert.deepEqual(rec('', 'DS', `2371 13 2 ${digest.toString('hex')}`).rdata, dp('ds', { keyTag: 2371, algorithm: 13, digestType: 2, digest }));
    assert.deepEqual(rec('_443._tcp', 'TLSA', `3 1 1 ${digest.toString('hex')}`).rdata, dp('tlsa', { usage: 3, selector: 1, matchingType: 1, certificate: digest }));
  });

  test('property: random records encode as dns-packet encodes them', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const hostName = fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/), { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
    const ascii = fc.stringMatching(/^[ -~]{0,40}$/);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (a) => {
        const text = Array.from(a).join('.');
        assert.deepEqual(rec('', 'A', text).rdata, dp('a', text));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        const text = formatRecord(raw('', 28, a)).value;
        assert.deepEqual(rec('', 'AAAA', text).rdata, a);
        assert.deepEqual(dp('aaaa', text), a);
      }),
    );
    fc.assert(
      fc.property(u16, hostName, (preference, exchange) => {
        assert.deepEqual(rec('', 'MX', `${preference} ${exchange}.`).rdata, dp('mx', { preference, exchange }));
        assert.deepEqual(rec('', 'NS', `${exchange}.`).rdata, dp('ns', exchange));
      }),
    );
    fc.assert(
      fc.property(u16, u16, u16, hostName, (priority, weight, port, target) => {
        assert.deepEqual(rec('', 'SRV', `${priority} ${weight} ${port} ${target}.`).rdata, dp('srv', { priority, weight, port, target }));
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 255 }), { minLength: 1, maxLength: 4 }), (strings) => {
        const rdata = bytes(...strings.flatMap((s) => [s.length, s]));
        const text = formatRecord(raw('', 16, rdata)).value;
        assert.deepEqual(rec('', 'TXT', text).rdata, dp('txt', strings.map((s) => Buffer.from(s))));
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(0, 128), fc.stringMatching(/^[a-z0-9]{1,15}$/), ascii, (flags, tag, value) => {
        const text = formatRecord(raw('', 257, bytes(flags, tag.length, Buffer.from(tag), Buffer.from(value)))).value;
        assert.deepEqual(rec('', 'CAA', text).rdata, dp('caa', { flags, tag, value }));
      }),
    );
    fc.assert(
      fc.property(u16, fc.constantFrom(8, 10, 13, 14, 15, 16), fc.constantFrom(2, 4), fc.uint8Array({ minLength: 48, maxLength: 48 }), (keyTag, algorithm, digestType, d) => {
        const digest = Buffer.from(d.subarray(0, digestType === 2 ? 32 : 48));
        assert.deepEqual(rec('', 'DS', `${keyTag} ${algorithm} ${digestType} ${digest.toString('hex')}`).rdata, dp('ds', { keyTag, algorithm, digestType, digest }));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Arbitrary valid records, built at the wire level (independently of the parser).

const ldh = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const underscore = fc.stringMatching(/^_[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const targetName = fc.array(ldh, { minLength: 1, maxLength: 4 }).map((l) => `${l.join('.')}.`);
const hostArb = fc.oneof(fc.constant(''), fc.array(fc.oneof(ldh, underscore), { minLength: 1, maxLength: HOST_LABELS_MAX }).map((l) => l.join('.')));
const u16b = fc.integer({ min: 0, max: 0xffff }).map((n) => [n >> 8, n & 0xff]);

const rdataArb: Record<RecordTypeName, fc.Arbitrary<Uint8Array>> = {
  A: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  AAAA: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  TXT: fc.array(fc.uint8Array({ maxLength: 255 }), { minLength: 1, maxLength: 3 }).map((s) => bytes(...s.flatMap((x) => [x.length, x]))),
  MX: fc.oneof(fc.tuple(u16b, targetName).map(([p, t]) => bytes(...p, wire(t)))),
  SRV: fc.tuple(u16b, u16b, u16b, fc.oneof(targetName, fc.constant('.'))).map(([a, b, c, t]) => bytes(...a, ...b, ...c, wire(t))),
  CAA: fc.tuple(fc.constantFrom(0, 128), fc.stringMatching(/^[a-z0-9]{1,15}$/), fc.uint8Array({ maxLength: 80 })).map(([f, t, v]) => bytes(f, t.length, Buffer.from(t), v)),
  TLSA: fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 2 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: 1, max: 64 }))
    .map(([u, s, m, d, n]) => bytes(u, s, m, d.subarray(0, m === 0 ? n : m === 1 ? 32 : 64))),
  CNAME: fc.oneof(targetName, fc.array(fc.oneof(ldh, underscore), { minLength: 1, maxLength: 3 }).map((l) => `${l.join('.')}.`)).map(wire),
  NS: targetName.map(wire),
  DS: fc
    .tuple(u16b, fc.constantFrom(8, 10, 13, 14, 15, 16), fc.constantFrom(2, 4), fc.uint8Array({ minLength: 48, maxLength: 48 }))
    .map(([k, a, t, d]) => bytes(...k, a, t, d.subarray(0, t === 2 ? 32 : 48))),
};
const typeNames = Object.keys(RecordTypes) as RecordTypeName[];
const recordArb = (types: readonly RecordTypeName[]): fc.Arbitrary<DnsRecord> =>
  fc.constantFrom(...types).chain((type) => fc.tuple(hostArb, rdataArb[type]).map(([host, rdata]) => raw(host, RecordTypes[type], rdata)));

describe('properties', () => {
  test('formatRecord → parseRecord gives identical bytes for arbitrary valid records', () => {
    fc.assert(
      fc.property(recordArb(typeNames), (record) => {
        const text = formatRecord(record);
        assert.deepEqual(parseRecord(text, ctx), record);
        validate([record].filter((r) => r.type !== RecordTypes.NS && r.type !== RecordTypes.DS));
      }),
      { numRuns: 500 },
    );
  });

  test('sortRecords is idempotent and validateRecordSet accepts sorted valid sets', () => {
    const plainTypes: RecordTypeName[] = ['A', 'AAAA', 'TXT', 'MX', 'SRV', 'CAA', 'TLSA'];
    const setArb = fc.tuple(fc.array(recordArb(plainTypes), { maxLength: 40 }), fc.array(fc.tuple(ldh, rdataArb.CNAME), { maxLength: 5 })).map(([plain, aliases]) => {
      const aliasHosts = new Set(aliases.map(([h]) => `c-${h}`));
      const records = [...plain.filter((r) => !aliasHosts.has(r.host)), ...aliases.map(([h, t]) => raw(`c-${h}`, 5, t))];
      const seen = new Set<string>();
      const unique = records.filter((r) => {
        const key = `${r.host}/${r.type}/${Buffer.from(r.rdata).toString('hex')}`;
        const cnameKey = r.type === 5 ? `${r.host}/cname` : key;
        if (seen.has(key) || seen.has(cnameKey)) return false;
        seen.add(key);
        seen.add(cnameKey);
        return true;
      });
      return unique.slice(0, RECORD_COUNT_MAX);
    });
    fc.assert(
      fc.property(setArb, (records) => {
        const sorted = sortRecords(records);
        assert.deepEqual(sortRecords(sorted), sorted);
        assert.deepEqual(sortRecords([...records].reverse()), sorted);
        validate(sorted, { sizeBytesMax: 1_000_000 });
        assert.equal(recordSetSizeBytes(sorted), recordSetSizeBytes(records));
      }),
      { numRuns: 300 },
    );
  });

  test('parseRecord throws nothing but RecordError on arbitrary input', () => {
    const piece = fc.oneof(fc.constantFrom('"', '\\', ' ', '\t', '.', '@', '::', ':', '0', '1', '255', '65536', 'ab', 'x.', '\\065', '\\999', '\\', 'é', '\u0000', '\ud800'), fc.string({ unit: 'binary', maxLength: 8 }));
    const value = fc.oneof(fc.string({ unit: 'binary' }), fc.array(piece, { maxLength: 12 }).map((p) => p.join('')));
    const host = fc.oneof(hostArb, fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('@', 'a.', 'A..b'));
    const type = fc.oneof(fc.constantFrom(...typeNames), fc.string({ maxLength: 6 })) as fc.Arbitrary<RecordTypeName>;
    fc.assert(
      fc.property(host, type, value, (h, t, v) => {
        try {
          const record = parseRecord({ host: h, type: t, value: v }, ctx);
          assert.deepEqual(parseRecord(formatRecord(record), ctx), record);
        } catch (error) {
          assert.ok(error instanceof RecordError, String(error));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('formatRecord and validateRecordSet throw nothing but RecordError on arbitrary bytes', () => {
    const anyRecord = fc.tuple(hostArb, fc.constantFrom(...Object.values(RecordTypes), 0, 6, 65535), fc.uint8Array({ maxLength: 40 })).map(([h, t, r]) => raw(h, t, r));
    fc.assert(
      fc.property(fc.array(anyRecord, { maxLength: 4 }), (records) => {
        for (const record of records) {
          try {
            formatRecord(record);
          } catch (error) {
            assert.ok(error instanceof RecordError, String(error));
          }
        }
        try {
          validate(records);
        } catch (error) {
          assert.ok(error instanceof RecordError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sortRecords / recordSetSizeBytes', () => {
  test('orders by host code units, then type, then rdata; keeps duplicates; does not mutate', () => {
    const input = [raw('www', 1, bytes(2)), raw('', 16, bytes(0)), raw('Z', 1, bytes(0)), raw('www', 1, bytes(1)), raw('', 1, bytes(9)), raw('_a', 1, bytes(0)), raw('www', 1, bytes(1))];
    const copy = [...input];
    assert.deepEqual(sortRecords(input).map((r) => [r.host, r.type, r.rdata[0]]), [
      ['', 1, 9],
      ['', 16, 0],
      ['Z', 1, 0],
      ['_a', 1, 0],
      ['www', 1, 1],
      ['www', 1, 1],
      ['www', 1, 2],
    ]);
    assert.deepEqual(input, copy);
  });

  test('size is Σ 2 + host octets + 2 + 2 + rdata octets', () => {
    assert.equal(recordSetSizeBytes([]), 0);
    assert.equal(recordSetSizeBytes([raw('', 1, bytes(1, 2, 3, 4)), raw('www', 16, bytes(0))]), 2 + 0 + 2 + 2 + 4 + (2 + 3 + 2 + 2 + 1));
    assert.equal(recordSetSizeBytes([raw('é', 1, bytes())]), 2 + 2 + 2 + 2);
  });
});

describe('validateRecordSet', () => {
  const a = (host: string, ip = '192.0.2.1'): DnsRecord => rec(host, 'A', ip);
  const ok = (records: DnsRecord[]): void => validate(sortRecords(records));
  const fails = (records: DnsRecord[], code: RecordErrorCode, pattern?: RegExp): void => throwsCode(() => validate(sortRecords(records)), code, pattern);
  const digest = 'ab'.repeat(32);

  test('accepts an ordinary name', () => {
    ok([]);
    ok([
      a(''),
      rec('', 'AAAA', '2001:db8::1'),
      rec('', 'MX', '10 mail'),
      rec('', 'MX', '20 mx.example.net.'),
      rec('', 'TXT', 'v=spf1 mx -all'),
      rec('', 'CAA', '0 issue "letsencrypt.org"'),
      a('mail'),
      rec('www', 'CNAME', '@'),
      rec('_dmarc', 'TXT', 'v=DMARC1; p=reject'),
      rec('_443._tcp.mail', 'TLSA', `3 1 1 ${digest}`),
      rec('_sip._udp', 'SRV', '0 0 5060 mail'),
      rec('sel._domainkey', 'CNAME', 'sel.dkim.example.net.'),
    ]);
  });

  test('RECORD_SET_TOO_MANY: more than RECORD_COUNT_MAX records', () => {
    const records = Array.from({ length: RECORD_COUNT_MAX + 1 }, (_, i) => rec('', 'TXT', `t${String(i).padStart(3, '0')}`));
    ok(records.slice(0, RECORD_COUNT_MAX));
    fails(records, 'RECORD_SET_TOO_MANY', /at most 64/);
  });

  test('RECORD_SET_TOO_LARGE: encoded size above sizeBytesMax', () => {
    const records = [rec('', 'TXT', 'x'.repeat(100))];
    const size = recordSetSizeBytes(records);
    validate(records, { sizeBytesMax: size });
    throwsCode(() => validate(records, { sizeBytesMax: size - 1 }), 'RECORD_SET_TOO_LARGE', new RegExp(`${size} bytes`));
  });

  test('RECORD_SET_NOT_SORTED and RECORD_SET_DUPLICATE', () => {
    throwsCode(() => validate([a('www'), a('')]), 'RECORD_SET_NOT_SORTED', /sortRecords/);
    throwsCode(() => validate([rec('', 'TXT', 'x'), a('')]), 'RECORD_SET_NOT_SORTED');
    throwsCode(() => validate([a('', '192.0.2.2'), a('', '192.0.2.1')]), 'RECORD_SET_NOT_SORTED');
    throwsCode(() => validate([a(''), a('')]), 'RECORD_SET_DUPLICATE', /repeats/);
  });

  test('per-record host checks', () => {
    throwsCode(() => validate([raw('WWW', 1, bytes(1, 2, 3, 4))]), 'RECORD_HOST_INVALID');
    throwsCode(() => validate([raw('a..b', 1, bytes(1, 2, 3, 4))]), 'RECORD_HOST_INVALID');
    throwsCode(() => validate([raw('*', 1, bytes(1, 2, 3, 4))]), 'RECORD_HOST_INVALID');
    throwsCode(() => validate([raw('a.b.c.d.e', 1, bytes(1, 2, 3, 4))]), 'RECORD_HOST_TOO_DEEP');
    throwsCode(() => validate([raw(['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(47)].join('.'), 1, bytes(1, 2, 3, 4))], { sizeBytesMax: 4096 }), 'RECORD_OWNER_TOO_LONG');
    throwsCode(() => validate([raw('', 99, bytes())]), 'RECORD_TYPE_UNSUPPORTED');
  });

  test('RECORD_RDATA_MALFORMED: the rdata does not parse exactly', () => {
    throwsCode(() => validate([raw('', 1, bytes(1, 2, 3))]), 'RECORD_RDATA_MALFORMED');
    throwsCode(() => validate([raw('', 1, bytes(1, 2, 3, 4, 5))]), 'RECORD_RDATA_MALFORMED');
    throwsCode(() => validate([raw('', 28, bytes(1, 2, 3, 4))]), 'RECORD_RDATA_MALFORMED');
    throwsCode(() => validate([raw('', 16, bytes())]), 'RECORD_RDATA_MALFORMED', /at least one/);
    throwsCode(() => validate([raw('', 16, bytes(3, 0x61))]), 'RECORD_RDATA_MALFORMED');
    throwsCode(() => validate([raw('', 15, bytes(0, 10, wire('mx.example'), 0))]), 'RECORD_RDATA_MALFORMED', /trailing/);
    throwsCode(() => validate([raw('', 15, bytes(0, 10, 2, 0x6d, 0x78, 0xc0, 0x0c))]), 'RECORD_RDATA_MALFORMED', /compression/);
    throwsCode(() => validate([raw('', 15, bytes(0))]), 'RECORD_RDATA_MALFORMED', /preference/);
    throwsCode(() => validate([raw('', 257, bytes(0, 9, 0x61))]), 'RECORD_RDATA_MALFORMED', /tag/);
    throwsCode(() => validate([raw('', 43, bytes(0, 1, 13))]), 'RECORD_RDATA_MALFORMED', /digest type/);
  });

  test('RECORD_RDATA_NOT_CANONICAL: names in rdata must be lower case', () => {
    throwsCode(() => validate([raw('', 15, bytes(0, 10, wire('MX.example')))]), 'RECORD_RDATA_NOT_CANONICAL', /lower case/);
    throwsCode(() => validate([raw('x', 5, wire('Target.example'))]), 'RECORD_RDATA_NOT_CANONICAL');
  });

  test('field and target checks apply to wire records too', () => {
    throwsCode(() => validate([raw('', 257, bytes(0, 5, Buffer.from('ISSUE'), Buffer.from('x')))]), 'RECORD_FIELD_INVALID', /tag/);
    throwsCode(() => validate([raw('', 257, bytes(0, 0))]), 'RECORD_FIELD_INVALID', /tag/);
    throwsCode(() => validate([raw('', 52, bytes(3, 1, 1))]), 'RECORD_FIELD_INVALID');
    throwsCode(() => validate([raw('', 52, bytes(3, 1, 0))]), 'RECORD_FIELD_INVALID', /empty/);
    throwsCode(() => validate([raw('', 15, bytes(0, 10, wire('a_b.example')))]), 'RECORD_TARGET_INVALID');
    throwsCode(() => validate([raw('', 5, bytes(0))]), 'RECORD_TARGET_INVALID');
  });

  test('RECORD_CNAME_NOT_ALONE: an alias is the only record at its host', () => {
    ok([rec('', 'CNAME', 'other.example.'), a('www')]);
    ok([rec('www', 'CNAME', 'other.example.'), a('x.www')]);
    fails([rec('www', 'CNAME', 'other.example.'), rec('www', 'TXT', 'x')], 'RECORD_CNAME_NOT_ALONE', /only record/);
    fails([rec('www', 'CNAME', 'a.example.'), rec('www', 'CNAME', 'b.example.')], 'RECORD_CNAME_NOT_ALONE');
    fails([rec('', 'CNAME', 'other.example.'), a('')], 'RECORD_CNAME_NOT_ALONE');
    fails([rec('', 'CNAME', 'other.example.'), rec('', 'NS', 'ns.example.net.')], 'RECORD_CNAME_NOT_ALONE');
  });

  test('RECORD_NULL_MX_NOT_ALONE: a null MX is the only MX at its host', () => {
    ok([rec('', 'MX', '0 .'), rec('mail', 'MX', '10 mx.example.')]);
    fails([rec('', 'MX', '0 .'), rec('', 'MX', '10 mx.example.')], 'RECORD_NULL_MX_NOT_ALONE', /RFC 7505/);
  });

  describe('delegation', () => {
    const ns = (target: string): DnsRecord => rec('', 'NS', target);
    const ds = (): DnsRecord => rec('', 'DS', `12345 13 2 ${digest}`);

    test('accepts NS + DS at the name, with glue for in-name servers only', () => {
      ok([ns('ns.example.net.'), ns('ns2.example.org.')]);
      ok([ns('ns1'), ns('ns2'), a('ns1'), rec('ns1', 'AAAA', '2001:db8::53'), rec('ns2', 'AAAA', '2001:db8::54'), ds(), rec('', 'DS', `12345 13 4 ${'cd'.repeat(48)}`)]);
      ok([ns('ns1.bob.dcbt.test.'), ns('ns.x.y.alice.example.')]);
      ok([ns('a.b.ns'), a('a.b.ns')]);
    });

    test('RECORD_NS_NOT_AT_NAME: no delegation below the name', () => {
      fails([rec('sub', 'NS', 'ns.example.net.')], 'RECORD_NS_NOT_AT_NAME', /host ''/);
      fails([ns('ns.example.net.'), rec('sub', 'NS', 'ns.example.net.')], 'RECORD_NS_NOT_AT_NAME');
    });

    test('RECORD_DS_WITHOUT_NS: DS only for a delegated name', () => {
      fails([ds()], 'RECORD_DS_WITHOUT_NS', /add NS/);
      fails([a(''), rec('sub', 'DS', `1 13 2 ${digest}`)], 'RECORD_DS_WITHOUT_NS');
    });

    test('RECORD_DELEGATION_TYPE_INVALID: only NS and DS at a delegated name', () => {
      fails([ns('ns.example.net.'), a('')], 'RECORD_DELEGATION_TYPE_INVALID', /only NS and DS/);
      fails([ns('ns.example.net.'), rec('', 'TXT', 'x')], 'RECORD_DELEGATION_TYPE_INVALID');
    });

    test('RECORD_DELEGATION_NOT_GLUE: below a delegated name only glue', () => {
      fails([ns('ns1'), a('ns1'), rec('ns1', 'TXT', 'x')], 'RECORD_DELEGATION_NOT_GLUE', /only glue/);
      fails([ns('ns.example.net.'), a('www')], 'RECORD_DELEGATION_NOT_GLUE');
      fails([ns('ns1'), a('ns1'), a('ns2')], 'RECORD_DELEGATION_NOT_GLUE');
      fails([ns('ns1'), a('ns1'), rec('x', 'DS', `1 13 2 ${digest}`)], 'RECORD_DELEGATION_NOT_GLUE');
    });

    test('RECORD_NS_GLUE_MISSING: an in-name server needs an address', () => {
      fails([ns('ns1')], 'RECORD_NS_GLUE_MISSING', /host "ns1"/);
      fails([ns('ns1'), ns('ns2'), a('ns1')], 'RECORD_NS_GLUE_MISSING', /ns2/);
      fails([ns('ns1'), a('ns1'), ns('@')], 'RECORD_NS_GLUE_MISSING', /delegated name itself/);
      fails([ns('a.b.c.d.e')], 'RECORD_NS_GLUE_MISSING');
    });
  });

  test('errors carry index, host and type details', () => {
    try {
      validate([a(''), rec('www', 'TXT', 'x'), raw('www', 15, bytes(0, 1, 0xc0, 0))]);
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof RecordError);
      assert.deepEqual(error.toJSON().details, { index: 2, host: 'www', type: 'MX' });
    }
  });
});

test('docs/RECORDS.md documents every error code and limit', () => {
  const doc = readFileSync(new URL('../../docs/RECORDS.md', import.meta.url), 'utf8');
  for (const code of RECORD_ERROR_CODES) assert.ok(doc.includes(`\`${code}\``), `${code} is not documented`);
  for (const name of ['RECORD_COUNT_MAX', 'HOST_LABELS_MAX']) assert.ok(doc.includes(name), `${name} is not documented`);
});
