import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dsText, parseRrsig, verifyRRset } from './dnssec.ts';
import { APEX, fixtureApex, fixtureKeys } from './fixtures.ts';
import { parseNsec, RRType } from './rdata.ts';
import { requireTool, rrToGenericText, run } from './testkit.ts';
import { TestZone } from './transfer/testzone.ts';
import type { ResourceRecord, RRset } from './wire.ts';
import { compareNames, nameFromText, nameKey, nameToText } from './wire.ts';
import { buildSignedZone, checkSignatureWindow, DEFAULT_SIGNATURE_WINDOW, exportZoneText, signatureTimes, ZoneSigner } from './zonefile.ts';
import { prepareApex } from './zone.ts';
import { rrToText } from './zonefile-text.ts';

const keys = fixtureKeys();
const apexName = nameFromText(APEX);
const dir = mkdtempSync(join(tmpdir(), 'dcbt-zonefile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const owners = (records: readonly ResourceRecord[]): Set<string> => new Set(records.map((r) => nameKey(r.name)));
const typesAt = (records: readonly ResourceRecord[], owner: string): number[] =>
  records.filter((r) => nameKey(r.name) === owner).map((r) => r.type);
const rrsigsAt = (records: readonly ResourceRecord[], owner: string): number[] =>
  records.filter((r) => nameKey(r.name) === owner && r.type === RRType.RRSIG).map((r) => parseRrsig(r.rdata).typeCovered);

describe('signed zone export', () => {
  const zone = new TestZone();

  test('ldns-verify-zone accepts the exported file (signatures, NSEC chain, delegations); a changed byte is caught', async () => {
    const verify = requireTool('ldns-verify-zone');
    const text = await exportZoneText(zone.view(), fixtureApex(), keys);
    writeFileSync(join(dir, 'zone'), text);
    writeFileSync(join(dir, 'ds'), dsText(apexName, keys.ksk.dnskey) + '\n');
    // -e: every signature must still be valid after the SOA expire time (7 days in the fixture).
    const ok = await run(verify, ['-V', '2', '-e', 'P8D', '-k', join(dir, 'ds'), join(dir, 'zone')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);

    const tampered = text.replace(/^(alice\.dcbt\.test\. 300 IN A 192\.0\.2\.)1$/m, '$19');
    assert.notEqual(tampered, text);
    writeFileSync(join(dir, 'zone'), tampered);
    const bad = await run(verify, ['-V', '1', '-k', join(dir, 'ds'), join(dir, 'zone')]);
    assert.notEqual(bad.code, 0, 'a changed A record must not verify');

    // Drop one name (and so break the NSEC chain).
    const holed = text.split('\n').filter((l) => !l.startsWith('mail.alice.dcbt.test.')).join('\n');
    writeFileSync(join(dir, 'zone'), holed);
    const broken = await run(verify, ['-V', '1', '-k', join(dir, 'ds'), join(dir, 'zone')]);
    assert.notEqual(broken.code, 0, 'a hole in the NSEC chain must not verify');
  });

  test('presentation form reads back as the same records as the generic (RFC 3597) form', async () => {
    const read = requireTool('ldns-read-zone');
    const built = await buildSignedZone(zone.view(), fixtureApex(), keys);
    const all = [built.soa, ...built.records];
    writeFileSync(join(dir, 'text'), all.map(rrToText).join('\n') + '\n');
    writeFileSync(join(dir, 'generic'), all.map(rrToGenericText).join('\n') + '\n');
    const a = await run(read, ['-z', join(dir, 'text')]);
    const b = await run(read, ['-z', join(dir, 'generic')]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stdout, /alice\.dcbt\.test\.\s+300\s+IN\s+TXT\s+"hello from alice"/);
    assert.ok(!/TYPE\d+/.test(all.map(rrToText).join('\n')), 'every type in the zone has a presentation form');
  });

  test('content: what resolve() serves, delegations per RFC 4035, nothing hidden or expired', async () => {
    const built = await buildSignedZone(zone.view(), fixtureApex(), keys);
    const records = built.records;
    assert.equal(built.soa.type, RRType.SOA);
    const names = owners(records);
    for (const gone of ['dave.dcbt.test.', 'admin.dcbt.test.', 'empty.dcbt.test.', 'hidden.sub.zed.dcbt.test.', '*.zed.dcbt.test.', 'deep.alice.dcbt.test.']) {
      assert.ok(!names.has(gone), `${gone} must not be in the zone`);
    }
    // ns1 is the apex's nameserver host: its address comes from ApexConfig, not from the chain.
    const ns1 = records.filter((r) => nameKey(r.name) === 'ns1.dcbt.test.' && r.type === RRType.A);
    assert.deepEqual(ns1.map((r) => [...r.rdata]), [[127, 0, 0, 1]]);
    assert.deepEqual(new Set(rrsigsAt(records, 'dcbt.test.')), new Set([RRType.SOA, RRType.NS, RRType.DNSKEY, RRType.NSEC]));
    // Secure delegation: NS unsigned, DS and NSEC signed; glue unsigned and without NSEC.
    assert.deepEqual(new Set(typesAt(records, 'bob.dcbt.test.')), new Set([RRType.NS, RRType.DS, RRType.NSEC, RRType.RRSIG]));
    assert.deepEqual(new Set(rrsigsAt(records, 'bob.dcbt.test.')), new Set([RRType.DS, RRType.NSEC]));
    assert.deepEqual(new Set(typesAt(records, 'ns1.bob.dcbt.test.')), new Set([RRType.A, RRType.AAAA]));
    // Insecure delegations (a registered name, and a cut inside one).
    assert.deepEqual(new Set(rrsigsAt(records, 'carol.dcbt.test.')), new Set([RRType.NSEC]));
    assert.deepEqual(new Set(typesAt(records, 'sub.zed.dcbt.test.')), new Set([RRType.NS, RRType.NSEC, RRType.RRSIG]));
    assert.deepEqual(typesAt(records, 'ns.sub.zed.dcbt.test.'), [RRType.A]);
    // CNAME owners hold only the CNAME.
    assert.deepEqual(new Set(typesAt(records, 'www.alice.dcbt.test.')), new Set([RRType.CNAME, RRType.NSEC, RRType.RRSIG]));

    // The NSEC chain: canonical order, closes at the apex, bitmaps match the owner's types.
    const nsecs = records.filter((r) => r.type === RRType.NSEC);
    const chain = nsecs.map((r) => r.name);
    assert.deepEqual([...chain].sort(compareNames), chain);
    nsecs.forEach((r, i) => {
      const { next, types } = parseNsec(r.rdata);
      assert.equal(nameKey(next), nameKey(chain[(i + 1) % chain.length]!));
      const present = new Set([...typesAt(records, nameKey(r.name)), ...(r.name.length === apexName.length ? [RRType.SOA] : [])]);
      assert.deepEqual(types, [...present].sort((a, b) => a - b), nameToText(r.name));
      assert.equal(r.ttl, 120, 'NSEC TTL is the negative TTL min(SOA TTL, minimum) (RFC 9077)');
    });
    assert.equal(built.counts.authoritativeNames, nsecs.length);
  });

  test('every RRSIG verifies with the ZSK (the DNSKEY one with the KSK) at block time', async () => {
    const view = zone.view();
    const built = await buildSignedZone(view, fixtureApex(), keys);
    const all = [built.soa, ...built.records];
    const sets = new Map<string, RRset & { rdatas: Uint8Array[] }>();
    for (const r of all) {
      if (r.type === RRType.RRSIG) continue;
      const k = `${nameKey(r.name)}/${r.type}`;
      const s = sets.get(k) ?? { name: r.name, type: r.type, ttl: r.ttl, rdatas: [] };
      s.rdatas.push(r.rdata);
      sets.set(k, s);
    }
    let checked = 0;
    for (const r of all.filter((x) => x.type === RRType.RRSIG)) {
      const sig = parseRrsig(r.rdata);
      const set = sets.get(`${nameKey(r.name)}/${sig.typeCovered}`)!;
      const key = sig.typeCovered === RRType.DNSKEY ? keys.ksk.dnskey : keys.zsk.dnskey;
      assert.ok(verifyRRset(set, r.rdata, key, Math.floor(view.timeMs / 1000)), `${nameToText(r.name)} ${sig.typeCovered}`);
      checked++;
    }
    assert.ok(checked > 20);
  });

  test('reproducible: same chain state and keys → the same bytes, even with a fresh signer', async () => {
    const view = zone.view();
    const a = await buildSignedZone(view, fixtureApex(), keys);
    const b = await buildSignedZone(view, fixtureApex(), keys, { rrsetsPerTurn: 1 });
    assert.deepEqual(b, a);
  });

  test('a new serial changes only the SOA, its signature and what changed on chain', async () => {
    const z = new TestZone();
    const signer = new ZoneSigner(prepareApex(APEX, fixtureApex()), keys);
    const before = await buildSignedZone(z.view(), fixtureApex(), keys, { signer });
    z.commit(1000);
    const after = await buildSignedZone(z.view(), fixtureApex(), keys, { signer });
    const key = (r: ResourceRecord): string => `${nameKey(r.name)} ${r.type} ${Buffer.from(r.rdata).toString('hex')}`;
    const old = new Set(before.records.map(key));
    const added = after.records.filter((r) => !old.has(key(r)));
    // Only the SOA's RRSIG changes, unless a window rolled over in that second (rare, ≤ 1 RRset).
    assert.ok(added.length >= 1 && added.length <= 2, `${added.length} records changed`);
    assert.ok(added.some((r) => r.type === RRType.RRSIG && parseRrsig(r.rdata).typeCovered === RRType.SOA));
    assert.ok(signer.stats.reused > 20);
  });

  test('signature windows: spread per RRset, always valid now with at least validity − period left', () => {
    const w = DEFAULT_SIGNATURE_WINDOW;
    const now = Date.now();
    const starts = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const owner = nameFromText(`n${i}.dcbt.test.`);
      for (const t of [now, now + 3 * 3600_000, now + 30 * 86400_000]) {
        const { inception, expiration } = signatureTimes(owner, RRType.A, t, w);
        assert.ok(inception * 1000 <= t - w.backdateMs + 1000);
        assert.ok(expiration * 1000 >= t + w.validityMs - w.periodMs - 1000);
        assert.ok(expiration * 1000 <= t + w.validityMs);
      }
      starts.add(signatureTimes(owner, RRType.A, now, w).inception);
    }
    assert.ok(starts.size > 40, 'windows start at different times for different RRsets');
    assert.throws(() => checkSignatureWindow(w, 21 * 86400), { code: 'DNS_CONFIG' });
    assert.throws(() => checkSignatureWindow({ ...w, periodMs: 0 }, 3600), { code: 'DNS_CONFIG' });
    checkSignatureWindow(w, 14 * 86400);
  });

  test('an unsigned zone has no DNSSEC records; a view without allNames is refused', async () => {
    const built = await buildSignedZone(zone.view(), fixtureApex(), undefined);
    assert.ok(built.records.every((r) => r.type !== RRType.RRSIG && r.type !== RRType.NSEC && r.type !== RRType.DNSKEY));
    assert.ok(built.records.some((r) => r.type === RRType.NS && nameKey(r.name) === 'bob.dcbt.test.'));
    const { allNames: _allNames, ...partial } = zone.view();
    await assert.rejects(buildSignedZone(partial, fixtureApex(), keys), { code: 'DNS_CONFIG' });
  });
});
