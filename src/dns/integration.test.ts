/**
 * The server on 127.0.0.1, queried by real programs: dig and kdig for the answers, and Unbound (a
 * validating resolver trusting only the KSK DS) for DNSSEC.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unboundTrustAnchor } from './dnssec.ts';
import { APEX, fixtureApex, fixtureKeys, fixtureView } from './fixtures.ts';
import { RRType } from './rdata.ts';
import type { DnsServer } from './server.ts';
import { startDnsServer } from './server.ts';
import type { DigResult } from './testkit.ts';
import { parseDigOutput, requireTool, rrTypes, run } from './testkit.ts';
import type { UnboundInstance } from './unbound.ts';
import { startUnbound } from './unbound.ts';

const keys = fixtureKeys();

async function query(tool: 'dig' | 'kdig', port: number, args: readonly string[]): Promise<DigResult> {
  const timing = tool === 'dig' ? ['+time=3', '+tries=1'] : ['+timeout=3', '+retry=0'];
  const r = await run(requireTool(tool), ['@127.0.0.1', '-p', String(port), ...timing, ...args]);
  const parsed = parseDigOutput(r.stdout);
  assert.notEqual(parsed.status, '', `${tool} ${args.join(' ')} got no answer:\n${r.stdout}${r.stderr}`);
  return parsed;
}

describe('answers seen by dig and kdig', () => {
  let server: DnsServer;
  before(async () => {
    requireTool('dig');
    requireTool('kdig');
    server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys });
  });
  after(() => server.close());
  const dig = (...args: string[]): Promise<DigResult> => query('dig', server.udpPort, args);

  test('uses one port for UDP and TCP', () => {
    assert.equal(server.udpPort, server.tcpPort);
  });

  test('record types of a name', async () => {
    const a = await dig('alice.dcbt.test', 'A');
    assert.equal(a.status, 'NOERROR');
    assert.ok(a.flags.includes('aa'));
    assert.deepEqual(a.answer.map((l) => l.split(' ').at(-1)).sort(), ['192.0.2.1', '192.0.2.2']);
    assert.match((await dig('alice.dcbt.test', 'AAAA')).answer[0]!, /AAAA 2001:db8::1$/);
    assert.match((await dig('alice.dcbt.test', 'TXT')).answer[0]!, /TXT "hello from alice"$/);
    assert.match((await dig('alice.dcbt.test', 'MX')).answer[0]!, /MX 10 mail\.alice\.dcbt\.test\.$/);
    const www = await dig('www.alice.dcbt.test', 'A');
    assert.deepEqual(rrTypes(www.answer), ['CNAME', 'A', 'A']);
  });

  test('apex SOA, NS with glue, DNSKEY', async () => {
    const soa = await dig('dcbt.test', 'SOA');
    assert.match(soa.answer[0]!, /SOA ns1\.dcbt\.test\. hostmaster\.dcbt\.test\. 42 3600 600 604800 120$/);
    const ns = await dig('dcbt.test', 'NS');
    assert.equal(ns.answer.length, 2);
    assert.ok(ns.additional.some((l) => /^ns1\.dcbt\.test\. 3600 IN A 127\.0\.0\.1$/.test(l)));
    const dnskey = await dig('dcbt.test', 'DNSKEY');
    assert.deepEqual(rrTypes(dnskey.answer), ['DNSKEY', 'DNSKEY']);
  });

  test('referral for a delegated name: NS + DS in authority, glue in additional, no AA', async () => {
    const r = await dig('www.bob.dcbt.test', 'A');
    assert.equal(r.status, 'NOERROR');
    assert.ok(!r.flags.includes('aa'));
    assert.equal(r.answer.length, 0);
    assert.deepEqual(rrTypes(r.authority), ['NS', 'NS', 'DS']);
    assert.deepEqual(rrTypes(r.additional), ['A', 'AAAA']);
  });

  test('NXDOMAIN and NODATA with the SOA', async () => {
    const nx = await dig('nobody.dcbt.test', 'A');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.deepEqual(rrTypes(nx.authority), ['SOA']);
    const nodata = await dig('alice.dcbt.test', 'SRV');
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answer.length, 0);
    assert.deepEqual(rrTypes(nodata.authority), ['SOA']);
    for (const name of ['dave.dcbt.test', 'admin.dcbt.test']) assert.equal((await dig(name, 'A')).status, 'NXDOMAIN', name);
  });

  test('DNSSEC records when asked (+dnssec)', async () => {
    const r = await dig('+dnssec', 'nobody.dcbt.test', 'A');
    assert.deepEqual(rrTypes(r.authority), ['SOA', 'RRSIG', 'NSEC', 'RRSIG', 'NSEC', 'RRSIG']);
  });

  test('TC over small UDP, then dig retries over TCP by itself', async () => {
    const truncated = await dig('+bufsize=512', '+ignore', 'big.alice.dcbt.test', 'TXT');
    assert.ok(truncated.flags.includes('tc'));
    assert.equal(truncated.answer.length, 0);
    const retried = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(server.udpPort), '+time=3', '+tries=1', '+bufsize=512', 'big.alice.dcbt.test', 'TXT']);
    assert.match(retried.stdout, /Truncated, retrying in TCP mode/);
    assert.equal(parseDigOutput(retried.stdout.split('retrying in TCP mode.')[1]!).answer.length, 1);
  });

  test('TCP', async () => {
    const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(server.tcpPort), '+tcp', '+time=3', '+tries=1', 'mail.alice.dcbt.test', 'A']);
    assert.match(r.stdout, /\(TCP\)/);
    assert.match(parseDigOutput(r.stdout).answer[0]!, /A 192\.0\.2\.25$/);
  });

  test('REFUSED outside the apex', async () => {
    assert.equal((await dig('example.org', 'A')).status, 'REFUSED');
    assert.equal((await dig('test', 'SOA')).status, 'REFUSED');
  });

  test('kdig agrees (UDP with DNSSEC, and TCP)', async () => {
    const kdig = (...args: string[]): Promise<DigResult> => query('kdig', server.udpPort, args);
    const a = await kdig('+dnssec', 'alice.dcbt.test', 'A');
    assert.equal(a.status, 'NOERROR');
    assert.deepEqual(rrTypes(a.answer), ['A', 'A', 'RRSIG']);
    const tcp = await kdig('+tcp', 'bob.dcbt.test', 'DS');
    assert.deepEqual(rrTypes(tcp.answer), ['DS']);
    const nx = await kdig('+tcp', '+dnssec', 'x.deep.alice.dcbt.test', 'TXT');
    assert.equal(nx.status, 'NXDOMAIN');
  });
});

describe('validated by Unbound', () => {
  let server: DnsServer;
  let tampered: DnsServer;
  let resolver: UnboundInstance;
  let fooled: UnboundInstance;
  const trustAnchor = unboundTrustAnchor(APEX, keys.ksk.dnskey);

  before(async () => {
    server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys });
    tampered = await startDnsServer({
      host: '127.0.0.1',
      port: 0,
      view: () => fixtureView(),
      apex: fixtureApex(),
      keys,
      hooks: {
        // Flip one bit of every A record after it was signed.
        afterSign: (d) => {
          d.answer = d.answer.map((s) => (s.type === RRType.A ? { ...s, rdatas: s.rdatas.map((r) => Uint8Array.from(r, (b, i) => (i === 3 ? b ^ 1 : b))) } : s));
        },
      },
    });
    [resolver, fooled] = await Promise.all([
      startUnbound({ apex: APEX, stubPort: server.udpPort, trustAnchor }),
      startUnbound({ apex: APEX, stubPort: tampered.udpPort, trustAnchor }),
    ]);
  });
  after(async () => {
    await Promise.all([resolver?.stop(), fooled?.stop(), server?.close(), tampered?.close()]);
  });

  const ask = async (name: string, type: string): Promise<DigResult> => {
    const r = await query('dig', resolver.port, ['+dnssec', name, type]);
    return r;
  };
  const expectAd = async (name: string, type: string, status: string): Promise<DigResult> => {
    const r = await ask(name, type);
    assert.equal(r.status, status, `${name} ${type}: ${r.raw}\n--- unbound log ---\n${resolver.log()}`);
    assert.ok(r.flags.includes('ad'), `${name} ${type} is validated (AD): ${r.raw}\n--- unbound log ---\n${resolver.log()}`);
    return r;
  };

  test('signed answers validate (AD)', async () => {
    const a = await expectAd('alice.dcbt.test', 'A', 'NOERROR');
    assert.ok(rrTypes(a.answer).includes('A'));
    await expectAd('alice.dcbt.test', 'AAAA', 'NOERROR');
    await expectAd('alice.dcbt.test', 'MX', 'NOERROR');
    await expectAd('AlIcE.DCBT.test', 'TXT', 'NOERROR');
    await expectAd('www.alice.dcbt.test', 'A', 'NOERROR');
    await expectAd('dcbt.test', 'DNSKEY', 'NOERROR');
    await expectAd('bob.dcbt.test', 'DS', 'NOERROR');
    await expectAd('big.alice.dcbt.test', 'TXT', 'NOERROR');
  });

  test('denial of existence validates (NXDOMAIN and NODATA with AD)', async () => {
    await expectAd('nobody.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('dave.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('admin.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('x.alice.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('x.deep.alice.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('a.b.c.nobody2.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('\\000.alice.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('aa\\000.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('dangling.alice.dcbt.test', 'A', 'NXDOMAIN');
    await expectAd('alice.dcbt.test', 'SRV', 'NOERROR');
    await expectAd('deep.alice.dcbt.test', 'A', 'NOERROR');
    await expectAd('dcbt.test', 'TXT', 'NOERROR');
    await expectAd('carol.dcbt.test', 'DS', 'NOERROR');
  });

  test('a tampered answer is rejected (SERVFAIL)', async () => {
    const r = await query('dig', fooled.port, ['+dnssec', 'alice.dcbt.test', 'A']);
    assert.equal(r.status, 'SERVFAIL', r.raw);
    const cd = await query('dig', fooled.port, ['+dnssec', '+cd', 'alice.dcbt.test', 'A']);
    assert.equal(cd.status, 'NOERROR', 'with checking disabled the (bad) data comes through, so the failure was validation');
  });
});
