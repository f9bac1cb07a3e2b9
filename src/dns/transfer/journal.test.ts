import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureApex, fixtureKeys } from '../fixtures.ts';
import { buildQuery } from '../querykit.ts';
import { aRdata, RRType, soaRdata } from '../rdata.ts';
import type { ResourceRecord } from '../wire.ts';
import { decodeMessage, nameFromText, RRClass } from '../wire.ts';
import type { SignedZone } from '../zonefile.ts';
import { buildSignedZone } from '../zonefile.ts';
import { recordKey, serialGreater, ZoneJournal } from './journal.ts';
import { TestZone } from './testzone.ts';
import { axfrPlan, ixfrClientSerial, ixfrPlan, transferMessages } from './xfr.ts';

const apex = nameFromText('dcbt.test.');
const soa = (serial: number): ResourceRecord => ({
  name: apex,
  type: RRType.SOA,
  class: RRClass.IN,
  ttl: 3600,
  rdata: soaRdata({ mname: nameFromText('ns1.dcbt.test.'), rname: nameFromText('h.dcbt.test.'), serial, refreshSeconds: 1, retrySeconds: 1, expireSeconds: 1, minimumSeconds: 1 }),
});
const a = (label: string, ip: string): ResourceRecord => ({ name: [label, ...apex], type: RRType.A, class: RRClass.IN, ttl: 300, rdata: aRdata(ip) });
const version = (serial: number, records: ResourceRecord[]): SignedZone => ({
  apex,
  serial,
  soa: soa(serial),
  records,
  counts: { authoritativeNames: 0, owners: 0, records: records.length + 1 },
});
const keys = (rrs: readonly ResourceRecord[]): string[] => rrs.map(recordKey).sort();

test('serial arithmetic (RFC 1982), across the wrap', () => {
  assert.ok(serialGreater(2, 1));
  assert.ok(!serialGreater(1, 1));
  assert.ok(!serialGreater(1, 2));
  assert.ok(serialGreater(3, 0xfffffffe), 'wraps');
  assert.ok(!serialGreater(0x80000001, 1), 'exactly 2^31 apart is undefined: not greater');
});

test('diffs are condensed: a record added then deleted in between is in neither list', () => {
  const j = new ZoneJournal();
  j.push(version(1, [a('x', '192.0.2.1'), a('y', '192.0.2.2')]));
  const d2 = j.push(version(2, [a('x', '192.0.2.1'), a('z', '192.0.2.3')]))!;
  assert.deepEqual(keys(d2.deleted), keys([a('y', '192.0.2.2')]));
  assert.deepEqual(keys(d2.added), keys([a('z', '192.0.2.3')]));
  j.push(version(3, [a('x', '192.0.2.9'), a('y', '192.0.2.2')]));
  const c = j.changesSince(1)!;
  assert.equal(c.toSerial, 3);
  assert.deepEqual(keys(c.deleted), keys([a('x', '192.0.2.1')]));
  assert.deepEqual(keys(c.added), keys([a('x', '192.0.2.9')]));
  assert.equal(j.changesSince(3), undefined, 'the current serial is not a diff start');
  assert.equal(j.changesSince(0), undefined);
  assert.deepEqual(j.serials, [1, 2]);
});

test('bounded by versions and by records; an older serial starts afresh', () => {
  const j = new ZoneJournal({ journalVersionsMax: 3, journalRecordsMax: 1000 });
  for (let s = 1; s <= 6; s++) j.push(version(s, [a('x', `192.0.2.${s}`)]));
  assert.deepEqual(j.serials, [3, 4, 5]);
  const small = new ZoneJournal({ journalVersionsMax: 100, journalRecordsMax: 5 });
  for (let s = 1; s <= 6; s++) small.push(version(s, [a('x', `192.0.2.${s}`)]));
  assert.ok(small.recordCount <= 5);
  assert.deepEqual(small.serials, [4, 5]);
  small.push(version(2, []));
  assert.deepEqual(small.serials, [], 'a serial going back clears the journal');
});

test('IXFR plans: diff sequence, up to date, or the whole zone', () => {
  const j = new ZoneJournal();
  j.push(version(10, [a('x', '192.0.2.1')]));
  j.push(version(11, [a('x', '192.0.2.2')]));
  const zone = j.current!;
  const plan = ixfrPlan(zone, 10, (s) => j.changesSince(s));
  assert.equal(plan.kind, 'ixfr');
  assert.deepEqual(plan.records.map((r) => (r.type === RRType.SOA ? `SOA ${r.rdata.at(-17)}` : `A ${r.rdata.join('.')}`)), ['SOA 11', 'SOA 10', 'A 192.0.2.1', 'SOA 11', 'A 192.0.2.2', 'SOA 11']);
  assert.equal(ixfrPlan(zone, 11, (s) => j.changesSince(s)).kind, 'ixfr-current');
  assert.equal(ixfrPlan(zone, 12, (s) => j.changesSince(s)).kind, 'ixfr-current', 'a client ahead of us is told our SOA');
  assert.equal(ixfrPlan(zone, 5, (s) => j.changesSince(s)).kind, 'ixfr-full');
  assert.deepEqual(ixfrPlan(zone, 5, (s) => j.changesSince(s)).records, axfrPlan(zone).records);
});

test('the client serial is read from the IXFR authority SOA', () => {
  const query = decodeMessage(buildQuery('dcbt.test.', RRType.IXFR));
  assert.equal(ixfrClientSerial(query), undefined);
  assert.equal(ixfrClientSerial({ ...query, authorities: [soa(4242)] }), 4242);
});

test('messages stay under the size and record limits; question in the first only; nothing lost', async () => {
  const zone = await buildSignedZone(new TestZone().view(), fixtureApex(), fixtureKeys());
  const records = axfrPlan(zone).records;
  const request = { id: 77, rd: false, cd: false, question: { name: apex, type: RRType.AXFR, class: RRClass.IN }, edns: { payloadBytes: 1232, dnssecOk: true } };
  for (const limits of [
    { transferMessageBytesMax: 600, transferRecordsPerMessageMax: 500 },
    { transferMessageBytesMax: 60_000, transferRecordsPerMessageMax: 7 },
  ]) {
    const messages = [...transferMessages(request, records, limits)].map((w) => ({ w, m: decodeMessage(w) }));
    assert.ok(messages.length > 3);
    const out = messages.flatMap(({ m }) => m.answers);
    assert.deepEqual(keys(out), keys(records));
    messages.forEach(({ w, m }, i) => {
      assert.equal(m.id, 77);
      assert.ok(m.qr && m.aa);
      assert.equal(m.questions.length, i === 0 ? 1 : 0);
      assert.equal(m.additionals.filter((r) => r.type === RRType.OPT).length, 1);
      assert.ok(m.answers.length <= limits.transferRecordsPerMessageMax);
      // one record bigger than the limit may go alone (the 900-byte TXT with 600)
      assert.ok(w.length <= limits.transferMessageBytesMax || m.answers.length === 1, `${w.length} bytes`);
    });
  }
  const empty = [...transferMessages(request, [], { transferMessageBytesMax: 600, transferRecordsPerMessageMax: 5 })];
  assert.equal(empty.length, 1);
});
