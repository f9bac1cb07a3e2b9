import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import { DnsWireError } from './errors.ts';
import { aaaaRdata, aRdata, parseTypeBitmap, RRType, typeBitmap } from './rdata.ts';
import type { Message } from './wire.ts';
import { compareNames, decodeMessage, encodeMessage, nameFromText, nameKey, nameToText, nameToWire, readName, RRClass } from './wire.ts';

test('presentation names round-trip, escapes included', () => {
  for (const text of ['dcbt.test.', '\\000.alice.dcbt.test.', 'a\\.b.c.', '\\255x.y.', '.']) {
    assert.equal(nameToText(nameFromText(text)), text);
  }
  assert.throws(() => nameFromText('a..b.'), DnsWireError);
  assert.throws(() => nameFromText(`${'a'.repeat(64)}.test.`), DnsWireError);
  assert.throws(() => nameFromText(`${'a.'.repeat(128)}`), DnsWireError);
});

test('canonical order matches RFC 4034 §6.1 example', () => {
  const ordered = ['example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'];
  const names = ordered.map(nameFromText);
  const shuffled = [...names].reverse().sort(compareNames);
  assert.deepEqual(shuffled.map(nameKey), names.map(nameKey));
});

test('messages we encode decode the same with dns-packet, compression included', () => {
  const m: Message = {
    id: 77,
    qr: true,
    opcode: 0,
    aa: true,
    tc: false,
    rd: true,
    ra: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [{ name: nameFromText('Alice.dcbt.test.'), type: RRType.A, class: RRClass.IN }],
    answers: [
      { name: nameFromText('alice.dcbt.test.'), type: RRType.A, class: RRClass.IN, ttl: 300, rdata: aRdata('192.0.2.1') },
      { name: nameFromText('www.alice.dcbt.test.'), type: RRType.AAAA, class: RRClass.IN, ttl: 300, rdata: aaaaRdata('2001:db8::5') },
    ],
    authorities: [],
    additionals: [],
  };
  const wire = encodeMessage(m);
  const theirs = dnsPacket.decode(Buffer.from(wire));
  assert.equal(theirs.id, 77);
  assert.equal(theirs.answers?.length, 2);
  const [a, aaaa] = theirs.answers as { name: string; data: string }[];
  assert.equal(a!.name, 'Alice.dcbt.test', 'owner compressed against the question');
  assert.equal(a!.data, '192.0.2.1');
  assert.equal(aaaa!.name, 'www.Alice.dcbt.test');
  assert.equal(aaaa!.data, '2001:db8::5');
  assert.ok(wire.length < 12 + 21 + 4 + 2 * (21 + 10) + 4 + 16, 'names are compressed');
  assert.deepEqual(decodeMessage(wire).answers.map((r) => nameKey(r.name)), ['alice.dcbt.test.', 'www.alice.dcbt.test.']);
});

test('decoding arbitrary bytes either works or throws DnsWireError, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      try {
        decodeMessage(bytes, { recordsMax: 16 });
      } catch (error) {
        assert.ok(error instanceof DnsWireError, String(error));
      }
    }),
    { numRuns: 3000 },
  );
});

test('mutated real queries never break the decoder', () => {
  const base = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'alice.dcbt.test' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never] });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (edits) => {
      const bytes = new Uint8Array(base);
      for (const [at, value] of edits) bytes[at] = value;
      try {
        decodeMessage(bytes, { recordsMax: 8 });
      } catch (error) {
        assert.ok(error instanceof DnsWireError, String(error));
      }
    }),
    { numRuns: 3000 },
  );
});

test('readName follows backward pointers and refuses loops', () => {
  const buf = new Uint8Array([...nameToWire(nameFromText('dcbt.test.')), 5, 0x61, 0x6c, 0x69, 0x63, 0x65, 0xc0, 0]);
  const { name, end } = readName(buf, 11);
  assert.equal(nameToText(name), 'alice.dcbt.test.');
  assert.equal(end, buf.length);
  assert.throws(() => readName(new Uint8Array([0xc0, 0]), 0), DnsWireError);
  assert.throws(() => readName(new Uint8Array([0x40, 0]), 0), DnsWireError, 'extended label types');
});

test('type bitmaps round-trip across windows', () => {
  const types = [RRType.A, RRType.NS, RRType.RRSIG, RRType.NSEC, RRType.CAA, 1234];
  assert.deepEqual(parseTypeBitmap(typeBitmap(types)), types.sort((a, b) => a - b));
  // RFC 4034 §4.3 example: A MX RRSIG NSEC TYPE1234.
  assert.equal(
    Buffer.from(typeBitmap([1, 15, 46, 47, 1234])).toString('hex'),
    '0006400100000003' + '041b' + '000000000000000000000000000000000000000000000000000020',
  );
});
