import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsEnv, QueryState } from './chain.ts';
import { CHAIN, dnssecHandler, ednsHandler, encodeHandler, handleQuery, parseHandler, refuseHandler, replyTo, zoneHandler } from './chain.ts';
import { parseRrsig, verifyRRset } from './dnssec.ts';
import { APEX, fixtureApex, fixtureKeys, fixtureView, NOW_MS } from './fixtures.ts';
import { buildQuery, readReply, summary } from './querykit.ts';
import type { QueryOptions, Reply } from './querykit.ts';
import { parseNsec, rdataTargetName, RRType } from './rdata.ts';
import { createDnsEnv } from './server.ts';
import type { ResourceRecord, RRset } from './wire.ts';
import { compareNames, decodeMessage, nameFromText, nameKey, nameToText, Opcode, Rcode, RRClass } from './wire.ts';

const keys = fixtureKeys();
const env = createDnsEnv({ view: () => fixtureView(), apex: fixtureApex(), keys });

async function ask(name: string, type: number, opts: QueryOptions & { transport?: 'udp' | 'tcp'; env?: DnsEnv } = {}): Promise<Reply> {
  return readReply(await handleQuery(buildQuery(name, type, opts), { transport: opts.transport ?? 'tcp', env: opts.env ?? env }));
}

function state(raw: Uint8Array, e: DnsEnv = env): QueryState {
  return { raw, transport: 'udp', env: e };
}

const noop = async (): Promise<void> => undefined;

describe('chain order', () => {
  test('is encode → parse → edns → refuse → dnssec → zone', () => {
    assert.deepEqual(
      CHAIN.map((h) => h.name),
      ['encode', 'parse', 'edns', 'refuse', 'dnssec', 'zone'],
    );
  });
});

describe('parse handler', () => {
  test('no header or a response: no reply, chain stops', async () => {
    let called = false;
    for (const raw of [new Uint8Array(5), readyResponse()]) {
      const q = state(raw);
      await parseHandler(q, async () => void (called = true));
      assert.equal(q.response, undefined);
    }
    assert.equal(called, false);
    assert.equal(await handleQuery(new Uint8Array(3), { transport: 'udp', env }), null);
  });

  test('garbage after a header: FORMERR with the same id', async () => {
    const raw = new Uint8Array([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62]);
    const reply = readReply(await handleQuery(raw, { transport: 'udp', env }));
    assert.equal(reply.id, 0xabcd);
    assert.equal(reply.rcode, Rcode.FORMERR);
    assert.equal(reply.qr, true);
    assert.equal(reply.rd, true);
  });

  test('compression loop and forward pointers: FORMERR', async () => {
    const loop = new Uint8Array([0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    assert.equal(readReply(await handleQuery(loop, { transport: 'udp', env })).rcode, Rcode.FORMERR);
    const forward = new Uint8Array([0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1]);
    assert.equal(readReply(await handleQuery(forward, { transport: 'udp', env })).rcode, Rcode.FORMERR);
  });

  test('too many records or too long: FORMERR', async () => {
    const raw = buildQuery('alice.dcbt.test.', RRType.A);
    raw[11] = 50; // ARCOUNT
    assert.equal(readReply(await handleQuery(raw, { transport: 'udp', env })).rcode, Rcode.FORMERR);
    const long = new Uint8Array(env.limits.queryBytesMax + 1);
    long.set(buildQuery('alice.dcbt.test.', RRType.A));
    assert.equal(readReply(await handleQuery(long, { transport: 'tcp', env })).rcode, Rcode.FORMERR);
  });
});

function readyResponse(): Uint8Array {
  const raw = buildQuery('alice.dcbt.test.', RRType.A);
  raw[2]! |= 0x80;
  return raw;
}

describe('edns handler', () => {
  test('echoes OPT with our payload size and the DO bit', async () => {
    const reply = await ask('alice.dcbt.test.', RRType.A, { edns: 4096, dnssecOk: true });
    assert.ok(reply.opt);
    assert.equal(reply.opt.class, 1232);
    assert.equal(reply.opt.ttl & 0x8000, 0x8000);
    const plain = await ask('alice.dcbt.test.', RRType.A);
    assert.equal(plain.opt, undefined);
  });

  test('version 1: BADVERS', async () => {
    const reply = await ask('alice.dcbt.test.', RRType.A, { edns: 1232, ednsVersion: 1 });
    assert.equal(reply.fullRcode, Rcode.BADVERS);
    assert.equal(reply.answers.length, 0);
  });

  test('two OPT records: FORMERR', async () => {
    const q = state(buildQuery('alice.dcbt.test.', RRType.A, { edns: 1232 }));
    q.request = decodeMessage(q.raw);
    q.request = { ...q.request, additionals: [...q.request.additionals, ...q.request.additionals] };
    await ednsHandler(q, noop);
    assert.equal(q.response?.rcode, Rcode.FORMERR);
  });
});

describe('refuse handler', () => {
  const cases: [string, Uint8Array, number][] = [
    ['NOTIFY', buildQuery('dcbt.test.', RRType.SOA, { opcode: Opcode.NOTIFY }), Rcode.NOTIMP],
    ['UPDATE', buildQuery('dcbt.test.', RRType.SOA, { opcode: Opcode.UPDATE }), Rcode.NOTIMP],
    ['outside the apex', buildQuery('example.org.', RRType.A), Rcode.REFUSED],
    ['parent of the apex', buildQuery('test.', RRType.NS), Rcode.REFUSED],
    ['a look-alike suffix', buildQuery('xdcbt.test.', RRType.A), Rcode.REFUSED],
    ['class CH', buildQuery('alice.dcbt.test.', RRType.TXT, { qclass: RRClass.CH }), Rcode.REFUSED],
    ['AXFR', buildQuery('dcbt.test.', RRType.AXFR), Rcode.REFUSED],
    ['MAILA', buildQuery('dcbt.test.', RRType.MAILA), Rcode.NOTIMP],
    ['qtype OPT', buildQuery('dcbt.test.', RRType.OPT), Rcode.FORMERR],
  ];
  for (const [label, raw, rcode] of cases) {
    test(`${label} → ${rcode}`, async () => {
      const q = state(raw);
      q.request = decodeMessage(raw);
      let reached = false;
      await refuseHandler(q, async () => void (reached = true));
      assert.equal(reached, false);
      assert.equal(q.response?.rcode, rcode);
      assert.equal(q.response?.aa, false);
    });
  }

  test('two questions: FORMERR', async () => {
    const raw = buildQuery('alice.dcbt.test.', RRType.A);
    const q = state(raw);
    const m = decodeMessage(raw);
    q.request = { ...m, questions: [m.questions[0]!, m.questions[0]!] };
    await refuseHandler(q, noop);
    assert.equal(q.response?.rcode, Rcode.FORMERR);
  });

  test('a query in the zone goes on, whatever its case', async () => {
    const q = state(buildQuery('ALICE.Dcbt.TEST.', RRType.A));
    q.request = decodeMessage(q.raw);
    let reached = false;
    await refuseHandler(q, async () => void (reached = true));
    assert.equal(reached, true);
  });
});

describe('encode handler', () => {
  test('a throwing handler becomes SERVFAIL', async () => {
    const q = state(buildQuery('alice.dcbt.test.', RRType.A));
    q.request = decodeMessage(q.raw);
    await encodeHandler(q, async () => {
      throw new Error('boom');
    });
    assert.equal(readReply(q.wire!).rcode, Rcode.SERVFAIL);
  });

  test('over UDP, an answer bigger than the client size is truncated to header + question + OPT', async () => {
    const udp = await ask('big.alice.dcbt.test.', RRType.TXT, { transport: 'udp' });
    assert.equal(udp.tc, true);
    assert.equal(udp.answers.length, 0);
    assert.equal(udp.questions.length, 1);
    const small = await ask('big.alice.dcbt.test.', RRType.TXT, { transport: 'udp', edns: 100 });
    assert.equal(small.tc, true, 'sizes below 512 count as 512');
    assert.ok(small.opt);
    const edns = await ask('big.alice.dcbt.test.', RRType.TXT, { transport: 'udp', edns: 1232 });
    assert.equal(edns.tc, false);
    assert.equal(edns.answers.length, 1);
    const tcp = await ask('big.alice.dcbt.test.', RRType.TXT, { transport: 'tcp' });
    assert.equal(tcp.tc, false);
    assert.equal(tcp.answers.length, 1);
  });

  test('a slow lookup times out as SERVFAIL', async () => {
    const slow = createDnsEnv({
      view: () => fixtureView({ lookup: () => new Promise((resolve) => setTimeout(() => resolve(undefined), 200)) }),
      apex: fixtureApex(),
      limits: { lookupTimeoutMs: 20 },
    });
    const reply = await ask('alice.dcbt.test.', RRType.A, { env: slow });
    assert.equal(reply.rcode, Rcode.SERVFAIL);
  });
});

describe('zone handler', () => {
  test('answers, authoritatively, the records on chain', async () => {
    const a = await ask('alice.dcbt.test.', RRType.A);
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.equal(a.aa, true);
    assert.deepEqual(summary(a.answers), ['alice.dcbt.test. A', 'alice.dcbt.test. A']);
    assert.equal(a.answers[0]!.ttl, 300);
    for (const type of [RRType.AAAA, RRType.TXT, RRType.MX]) {
      const r = await ask('alice.dcbt.test.', type);
      assert.equal(r.answers.length, 1);
      assert.equal(r.answers[0]!.type, type);
    }
  });

  test('keeps the case of the question in the answer owner (0x20)', async () => {
    const r = await ask('AlIcE.dcbt.TEST.', RRType.A);
    assert.equal(nameToText(r.questions[0]!.name), 'AlIcE.dcbt.TEST.');
    assert.equal(nameToText(r.answers[0]!.name), 'AlIcE.dcbt.TEST.');
  });

  test('CNAME: answered and followed inside the zone', async () => {
    const r = await ask('www.alice.dcbt.test.', RRType.A);
    assert.deepEqual(summary(r.answers), ['www.alice.dcbt.test. CNAME', 'alice.dcbt.test. A', 'alice.dcbt.test. A']);
    const ext = await ask('ext.alice.dcbt.test.', RRType.A);
    assert.deepEqual(summary(ext.answers), ['ext.alice.dcbt.test. CNAME']);
    assert.equal(nameToText(rdataTargetName(ext.answers[0]!.rdata)), 'www.example.org.');
    const cname = await ask('www.alice.dcbt.test.', RRType.CNAME);
    assert.deepEqual(summary(cname.answers), ['www.alice.dcbt.test. CNAME']);
  });

  test('CNAME to a missing name: NXDOMAIN with the CNAME (RFC 6604)', async () => {
    const r = await ask('dangling.alice.dcbt.test.', RRType.A);
    assert.equal(r.rcode, Rcode.NXDOMAIN);
    assert.deepEqual(summary(r.answers), ['dangling.alice.dcbt.test. CNAME']);
    assert.deepEqual(summary(r.authorities), ['dcbt.test. SOA']);
  });

  test('CNAME loop: stops', async () => {
    const r = await ask('loop1.alice.dcbt.test.', RRType.A);
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.deepEqual(summary(r.answers), ['loop1.alice.dcbt.test. CNAME', 'loop2.alice.dcbt.test. CNAME']);
  });

  test('NXDOMAIN and NODATA carry the SOA with the negative TTL', async () => {
    const nx = await ask('nobody.dcbt.test.', RRType.A);
    assert.equal(nx.rcode, Rcode.NXDOMAIN);
    assert.equal(nx.aa, true);
    assert.deepEqual(summary(nx.authorities), ['dcbt.test. SOA']);
    assert.equal(nx.authorities[0]!.ttl, 120, 'min(SOA TTL 3600, minimum 120)');
    const nodata = await ask('alice.dcbt.test.', RRType.SRV);
    assert.equal(nodata.rcode, Rcode.NOERROR);
    assert.equal(nodata.answers.length, 0);
    assert.deepEqual(summary(nodata.authorities), ['dcbt.test. SOA']);
    const ent = await ask('deep.alice.dcbt.test.', RRType.A);
    assert.equal(ent.rcode, Rcode.NOERROR, 'an empty non-terminal exists');
    const below = await ask('x.alice.dcbt.test.', RRType.A);
    assert.equal(below.rcode, Rcode.NXDOMAIN);
  });

  test('names in grace, reserved or without records do not resolve', async () => {
    for (const name of ['dave.dcbt.test.', 'admin.dcbt.test.', 'empty.dcbt.test.', 'x.dave.dcbt.test.']) {
      const r = await ask(name, RRType.A);
      assert.equal(r.rcode, Rcode.NXDOMAIN, name);
      assert.equal(r.answers.length, 0);
    }
  });

  test('delegation: referral with NS, DS and glue, not authoritative', async () => {
    for (const name of ['bob.dcbt.test.', 'www.bob.dcbt.test.']) {
      const r = await ask(name, RRType.A);
      assert.equal(r.rcode, Rcode.NOERROR);
      assert.equal(r.aa, false);
      assert.equal(r.answers.length, 0);
      assert.deepEqual(summary(r.authorities), ['bob.dcbt.test. NS', 'bob.dcbt.test. NS', 'bob.dcbt.test. DS']);
      assert.deepEqual(summary(r.additionals), ['ns1.bob.dcbt.test. A', 'ns1.bob.dcbt.test. AAAA']);
    }
    const ds = await ask('bob.dcbt.test.', RRType.DS);
    assert.equal(ds.aa, true, 'the parent answers DS itself');
    assert.deepEqual(summary(ds.answers), ['bob.dcbt.test. DS']);
    const carol = await ask('carol.dcbt.test.', RRType.DS);
    assert.equal(carol.aa, true);
    assert.equal(carol.answers.length, 0);
    assert.deepEqual(summary(carol.authorities), ['dcbt.test. SOA']);
  });

  test('apex: SOA, NS with glue, DNSKEY, and the nameserver host', async () => {
    const soa = await ask('dcbt.test.', RRType.SOA);
    assert.deepEqual(summary(soa.answers), ['dcbt.test. SOA']);
    const ns = await ask('dcbt.test.', RRType.NS);
    assert.deepEqual(summary(ns.answers), ['dcbt.test. NS', 'dcbt.test. NS']);
    assert.deepEqual(summary(ns.additionals), ['ns1.dcbt.test. A', 'ns1.dcbt.test. AAAA']);
    const dnskey = await ask('dcbt.test.', RRType.DNSKEY);
    assert.equal(dnskey.answers.length, 2);
    const host = await ask('ns1.dcbt.test.', RRType.A);
    assert.equal(host.rcode, Rcode.NOERROR, 'a reserved label used by an apex nameserver resolves');
    assert.deepEqual([...host.answers[0]!.rdata], [127, 0, 0, 1]);
  });

  test('ANY: one RRset (RFC 8482)', async () => {
    const r = await ask('alice.dcbt.test.', RRType.ANY);
    assert.equal(r.answers.length, 2);
    assert.ok(r.answers.every((a) => a.type === RRType.A));
    const apex = await ask('dcbt.test.', RRType.ANY);
    assert.deepEqual(summary(apex.answers), ['dcbt.test. SOA']);
  });

  test('a new NameRecord object for a name is served at once (no stale cache)', async () => {
    const records = fixtureView();
    let current = (await records.lookup('alice'))!;
    const live = createDnsEnv({ view: () => fixtureView({ lookup: (label) => (label === 'alice' ? current : records.lookup(label)) }), apex: fixtureApex() });
    assert.equal((await ask('alice.dcbt.test.', RRType.A, { env: live })).answers.length, 2);
    current = { ...current, records: current.records.filter((r) => !(r.type === RRType.A && r.host === '' && r.rdata[3] === 2)) };
    assert.equal((await ask('alice.dcbt.test.', RRType.A, { env: live })).answers.length, 1);
  });

  test('zone handler alone fills the response from the view', async () => {
    const q = state(buildQuery('mail.alice.dcbt.test.', RRType.A));
    q.request = decodeMessage(q.raw);
    await zoneHandler(q, noop);
    assert.equal(q.zone?.answer.length, 1);
    assert.equal(q.response?.aa, true);
  });
});

function rrsets(records: readonly ResourceRecord[]): Map<string, RRset & { sigs: Uint8Array[] }> {
  const out = new Map<string, RRset & { sigs: Uint8Array[] }>();
  for (const r of records) {
    const covered = r.type === RRType.RRSIG ? parseRrsig(r.rdata).typeCovered : r.type;
    const key = `${nameKey(r.name)} ${covered}`;
    const set = out.get(key) ?? { name: r.name, type: covered, ttl: r.ttl, rdatas: [], sigs: [] };
    if (r.type === RRType.RRSIG) set.sigs.push(r.rdata);
    else (set.rdatas as Uint8Array[]).push(r.rdata);
    out.set(key, set);
  }
  return out;
}

function assertAllSigned(records: readonly ResourceRecord[], dnskeys: readonly Uint8Array[]): void {
  const now = Math.floor(Date.now() / 1000);
  for (const set of rrsets(records).values()) {
    assert.equal(set.sigs.length, 1, `${nameToText(set.name)} ${set.type} has one RRSIG`);
    const sig = parseRrsig(set.sigs[0]!);
    const key = dnskeys.find((k) => verifyRRset(set, set.sigs[0]!, k, now));
    assert.ok(key, `RRSIG over ${nameToText(set.name)} type ${set.type} (key ${sig.keyTag}) verifies`);
  }
}

describe('dnssec handler', () => {
  const dnskeys = keys.keyset!.dnskeys;

  test('without DO: no DNSSEC records', async () => {
    const r = await ask('nobody.dcbt.test.', RRType.A, { edns: 1232 });
    assert.ok(![...r.answers, ...r.authorities].some((x) => x.type === RRType.RRSIG || x.type === RRType.NSEC));
  });

  test('with DO: every answer RRset is signed by the ZSK; DNSKEY by the KSK', async () => {
    const r = await ask('alice.dcbt.test.', RRType.A, { dnssecOk: true });
    assertAllSigned(r.answers, dnskeys);
    assert.equal(parseRrsig(r.answers.find((x) => x.type === RRType.RRSIG)!.rdata).keyTag, keys.zsk.keyTag);
    const dk = await ask('dcbt.test.', RRType.DNSKEY, { dnssecOk: true });
    assertAllSigned(dk.answers, dnskeys);
    assert.equal(parseRrsig(dk.answers.find((x) => x.type === RRType.RRSIG)!.rdata).keyTag, keys.ksk.keyTag);
    const cname = await ask('www.alice.dcbt.test.', RRType.AAAA, { dnssecOk: true });
    assertAllSigned(cname.answers, dnskeys);
  });

  test('RRSIG times: inception 1 h back, expiration about 7 days ahead', async () => {
    const now = Date.now();
    const r = await ask('mail.alice.dcbt.test.', RRType.A, { dnssecOk: true });
    const sig = parseRrsig(r.answers.find((x) => x.type === RRType.RRSIG)!.rdata);
    assert.ok(Math.abs(sig.inception - (now / 1000 - 3600)) < 5);
    const days = (sig.expiration - now / 1000) / 86400;
    assert.ok(days > 6.4 && days < 7.6, `expiration in ${days} days`);
    assert.equal(sig.originalTtl, 300);
    assert.equal(sig.labels, 4);
  });

  test('signatures are cached per RRset', async () => {
    const before = env.signer!.stats.signatures;
    await ask('alice.dcbt.test.', RRType.TXT, { dnssecOk: true });
    await ask('alice.dcbt.test.', RRType.TXT, { dnssecOk: true });
    assert.equal(env.signer!.stats.signatures - before, 1);
  });

  test('NXDOMAIN: two signed NSECs covering the name and the wildcard', async () => {
    const r = await ask('nobody.dcbt.test.', RRType.A, { dnssecOk: true });
    assert.equal(r.rcode, Rcode.NXDOMAIN);
    assertAllSigned(r.authorities, dnskeys);
    const nsecs = r.authorities.filter((x) => x.type === RRType.NSEC);
    assert.equal(nsecs.length, 2);
    const covers = (name: string): boolean =>
      nsecs.some((n) => compareNames(n.name, nameFromText(name)) < 0 && compareNames(nameFromText(name), parseNsec(n.rdata).next) < 0);
    assert.ok(covers('nobody.dcbt.test.'));
    assert.ok(covers('*.dcbt.test.'));
    assert.ok(!covers('alice.dcbt.test.') && !covers('bob.dcbt.test.'));
    assert.ok(nsecs.every((n) => n.ttl === 120));
  });

  test('NODATA: NSEC at the name with its real types', async () => {
    const r = await ask('alice.dcbt.test.', RRType.SRV, { dnssecOk: true });
    assertAllSigned(r.authorities, dnskeys);
    const nsec = r.authorities.find((x) => x.type === RRType.NSEC)!;
    assert.equal(nameToText(nsec.name), 'alice.dcbt.test.');
    assert.deepEqual(parseNsec(nsec.rdata).types, [RRType.A, RRType.MX, RRType.TXT, RRType.AAAA, RRType.RRSIG, RRType.NSEC]);
    assert.equal(nameToText(parseNsec(nsec.rdata).next), '\\000.alice.dcbt.test.');
  });

  test('insecure delegation: NSEC proving no DS; secure: signed DS', async () => {
    const carol = await ask('carol.dcbt.test.', RRType.A, { dnssecOk: true });
    assert.deepEqual(summary(carol.authorities), ['carol.dcbt.test. NS', 'carol.dcbt.test. NSEC', 'carol.dcbt.test. RRSIG']);
    assert.deepEqual(parseNsec(carol.authorities[1]!.rdata).types, [RRType.NS, RRType.RRSIG, RRType.NSEC]);
    const bob = await ask('bob.dcbt.test.', RRType.A, { dnssecOk: true });
    assert.deepEqual(summary(bob.authorities), ['bob.dcbt.test. NS', 'bob.dcbt.test. NS', 'bob.dcbt.test. DS', 'bob.dcbt.test. RRSIG']);
    assert.ok(!bob.additionals.some((x) => x.type === RRType.RRSIG), 'glue is not signed');
  });

  test('the afterSign hook sees the signed response', async () => {
    const hooked = createDnsEnv({
      view: () => fixtureView(),
      apex: fixtureApex(),
      keys,
      hooks: {
        afterSign: (d) => {
          d.answer = d.answer.map((s) => (s.type === RRType.A ? { ...s, rdatas: s.rdatas.map((r) => Uint8Array.from(r, (b, i) => (i === 3 ? b ^ 1 : b))) } : s));
        },
      },
    });
    const r = await ask('alice.dcbt.test.', RRType.A, { dnssecOk: true, env: hooked });
    const set = rrsets(r.answers).values().next().value!;
    assert.equal(verifyRRset(set, set.sigs[0]!, keys.zsk.dnskey, Math.floor(Date.now() / 1000)), false);
  });

  test('dnssec handler alone: does nothing without DO', async () => {
    const q = state(buildQuery('alice.dcbt.test.', RRType.A));
    q.request = decodeMessage(q.raw);
    q.response = replyTo(q.request, 0);
    await dnssecHandler(q, noop);
    assert.equal(q.response.answer.length, 0);
  });
});

test('fixture sanity: apex and clock', () => {
  assert.equal(APEX, 'dcbt.test.');
  assert.ok(NOW_MS > 0);
});
