import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkKeyset,
  dnskeyText,
  dsRdata,
  dsText,
  exportPrivateScalar,
  generateKeyPair,
  keyPairFromPrivate,
  keyTag,
  keysetFromJson,
  keysetToJson,
  parseRrsig,
  signKeyset,
  signRRset,
  unboundTrustAnchor,
  verifyRRset,
} from './dnssec.ts';
import { aRdata, nameRdata, nsecRdata, RRType, soaRdata } from './rdata.ts';
import { requireTool, rrToGenericText, run } from './testkit.ts';
import type { ResourceRecord, RRset } from './wire.ts';
import { nameFromText, RRClass } from './wire.ts';

const apex = nameFromText('dcbt.test.');

test('DNSKEY RDATA layout and key tag (cross-checked against ldns below)', () => {
  const k = keyPairFromPrivate(257, new Uint8Array(32).fill(7));
  assert.equal(k.keyTag, keyTag(k.dnskey));
  assert.equal(k.dnskey.length, 68);
  assert.deepEqual([...k.dnskey.subarray(0, 4)], [1, 1, 3, 13]);
});

test('private scalar round-trips and signatures verify', () => {
  const zsk = generateKeyPair(256);
  const again = keyPairFromPrivate(256, exportPrivateScalar(zsk.privateKey));
  assert.deepEqual(again.dnskey, zsk.dnskey);
  const set: RRset = { name: nameFromText('Alice.DCBT.test.'), type: RRType.A, ttl: 300, rdatas: [aRdata('192.0.2.2'), aRdata('192.0.2.1'), aRdata('192.0.2.1')] };
  const now = Math.floor(Date.now() / 1000);
  const sig = signRRset(set, zsk, { signer: apex, inceptionSeconds: now - 3600, expirationSeconds: now + 86400 });
  assert.equal(verifyRRset(set, sig, zsk.dnskey, now), true);
  // Order, duplicates and owner case do not matter (canonical form).
  const reordered: RRset = { ...set, name: nameFromText('alice.dcbt.test.'), rdatas: [aRdata('192.0.2.1'), aRdata('192.0.2.2')] };
  assert.equal(verifyRRset(reordered, sig, zsk.dnskey, now), true);
  assert.equal(verifyRRset({ ...set, rdatas: [aRdata('192.0.2.3')] }, sig, zsk.dnskey, now), false);
  assert.equal(verifyRRset(set, sig, zsk.dnskey, now + 2 * 86400), false, 'expired');
  const parsed = parseRrsig(sig);
  assert.equal(parsed.labels, 3);
  assert.equal(parsed.keyTag, zsk.keyTag);
  assert.equal(parsed.algorithm, 13);
});

test('keyset signed by the KSK checks, and a foreign ZSK is rejected', () => {
  const ksk = generateKeyPair(257);
  const zsk = generateKeyPair(256);
  const other = generateKeyPair(256);
  const now = Date.now();
  const keyset = signKeyset({ apex: 'dcbt.test.', ksk, zsks: [zsk], ttlSeconds: 3600, nowMs: now });
  checkKeyset(keyset, 'dcbt.test.', ksk, zsk, now);
  assert.throws(() => checkKeyset(keyset, 'dcbt.test.', ksk, other, now), { code: 'DNSSEC_KEY' });
  assert.throws(() => checkKeyset(keyset, 'dcbt.test.', ksk, zsk, now + 365 * 86400_000), { code: 'DNSSEC_KEY' });
  const json = JSON.parse(JSON.stringify(keysetToJson(keyset)));
  assert.deepEqual(keysetFromJson(json), keyset);
  assert.throws(() => keysetFromJson({ ...json, rrsig: 'zz' }), { code: 'DNSSEC_KEY' });
  assert.match(unboundTrustAnchor('dcbt.test.', ksk.dnskey), /^trust-anchor: "dcbt\.test\. IN DS \d+ 13 2 [0-9A-F]{64}"$/);
});

test('DS and signatures agree with ldns (ldns-key2ds, ldns-verify-zone)', async () => {
  const key2ds = requireTool('ldns-key2ds');
  const verifyZone = requireTool('ldns-verify-zone');
  const dir = mkdtempSync(join(tmpdir(), 'dcbt-dnssec-'));
  try {
    const ksk = generateKeyPair(257);
    const zsk = generateKeyPair(256);
    writeFileSync(join(dir, 'K.key'), dnskeyText(apex, ksk.dnskey) + '\n');
    const ds = await run(key2ds, ['-n', '-2', join(dir, 'K.key')]);
    assert.equal(ds.code, 0, ds.stderr);
    const theirs = ds.stdout.trim().split(/\s+/);
    const ours = dsText(apex, ksk.dnskey).split(/\s+/);
    assert.deepEqual(theirs.slice(-4).map((s) => s.toUpperCase()), ours.slice(-4));
    assert.equal(Number(theirs.at(-4)), ksk.keyTag);
    assert.equal(dsRdata(apex, ksk.dnskey).length, 4 + 32);

    // A complete little signed zone: ldns checks every RRSIG and the NSEC chain.
    const now = Math.floor(Date.now() / 1000);
    const a = nameFromText('a.dcbt.test.');
    const sets: RRset[] = [
      { name: apex, type: RRType.SOA, ttl: 3600, rdatas: [soaRdata({ mname: nameFromText('ns1.dcbt.test.'), rname: nameFromText('hostmaster.dcbt.test.'), serial: 1, refreshSeconds: 3600, retrySeconds: 600, expireSeconds: 86400, minimumSeconds: 300 })] },
      { name: apex, type: RRType.NS, ttl: 3600, rdatas: [nameRdata(nameFromText('ns1.dcbt.test.'))] },
      { name: apex, type: RRType.NSEC, ttl: 300, rdatas: [nsecRdata(a, [RRType.SOA, RRType.NS, RRType.DNSKEY, RRType.RRSIG, RRType.NSEC])] },
      { name: a, type: RRType.A, ttl: 300, rdatas: [aRdata('192.0.2.1')] },
      { name: a, type: RRType.NSEC, ttl: 300, rdatas: [nsecRdata(nameFromText('ns1.dcbt.test.'), [RRType.A, RRType.RRSIG, RRType.NSEC])] },
      { name: nameFromText('ns1.dcbt.test.'), type: RRType.A, ttl: 300, rdatas: [aRdata('192.0.2.53')] },
      { name: nameFromText('ns1.dcbt.test.'), type: RRType.NSEC, ttl: 300, rdatas: [nsecRdata(apex, [RRType.A, RRType.RRSIG, RRType.NSEC])] },
    ];
    const keyset = signKeyset({ apex: 'dcbt.test.', ksk, zsks: [zsk], ttlSeconds: 3600, nowMs: Date.now() });
    const records: ResourceRecord[] = [];
    for (const set of sets) {
      for (const rdata of set.rdatas) records.push({ name: set.name, type: set.type, class: RRClass.IN, ttl: set.ttl, rdata });
      const rrsig = signRRset(set, zsk, { signer: apex, inceptionSeconds: now - 3600, expirationSeconds: now + 86400 });
      records.push({ name: set.name, type: RRType.RRSIG, class: RRClass.IN, ttl: set.ttl, rdata: rrsig });
    }
    for (const rdata of keyset.dnskeys) records.push({ name: apex, type: RRType.DNSKEY, class: RRClass.IN, ttl: 3600, rdata });
    records.push({ name: apex, type: RRType.RRSIG, class: RRClass.IN, ttl: 3600, rdata: keyset.rrsig });
    const zoneText = records.map(rrToGenericText).join('\n') + '\n';
    writeFileSync(join(dir, 'zone'), zoneText);
    writeFileSync(join(dir, 'ds'), dsText(apex, ksk.dnskey) + '\n');
    const ok = await run(verifyZone, ['-k', join(dir, 'ds'), join(dir, 'zone')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);

    // Flip one byte of the A record: ldns must now reject the zone.
    const tampered = zoneText.replace(/TYPE1 \\# 4 c0000201/, 'TYPE1 \\# 4 c0000202');
    assert.notEqual(tampered, zoneText);
    writeFileSync(join(dir, 'zone'), tampered);
    const bad = await run(verifyZone, ['-k', join(dir, 'ds'), join(dir, 'zone')]);
    assert.notEqual(bad.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
