/**
 * Real secondaries (Knot DNS with DNSSEC validation of every transfer, and NSD) pull the zone
 * from a DCBT server with TSIG: AXFR at start, then after a new serial and our NOTIFY an IXFR.
 * They must answer like the primary, and a validating Unbound that trusts only the KSK DS must
 * validate what they serve, denial of existence included (the real NSEC chain of the export).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unboundTrustAnchor } from '../dnssec.ts';
import { APEX, fixtureApex, fixtureKeys } from '../fixtures.ts';
import { aRdata, RRType } from '../rdata.ts';
import type { DnsServer } from '../server.ts';
import { startDnsServer } from '../server.ts';
import type { DigResult } from '../testkit.ts';
import { freePort, parseDigOutput, requireTool, run } from '../testkit.ts';
import type { UnboundInstance } from '../unbound.ts';
import { startUnbound } from '../unbound.ts';
import type { SecondaryInstance, SecondaryKind } from './secondaries.ts';
import { startSecondary, waitForSerial } from './secondaries.ts';
import type { TransferEvent, ZoneTransfer } from './service.ts';
import { startZoneTransfer } from './service.ts';
import { TestZone } from './testzone.ts';
import type { TsigKeyConfig } from './tsig.ts';

const keys = fixtureKeys();
const tsig: TsigKeyConfig = { name: 'xfr.dcbt.test.', algorithm: 'hmac-sha256', secretBase64: Buffer.alloc(32, 0x3c).toString('base64') };
const trustAnchor = unboundTrustAnchor(APEX, keys.ksk.dnskey);

async function dig(port: number, ...args: string[]): Promise<DigResult> {
  const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(port), '+time=3', '+tries=2', '+norec', ...args]);
  const parsed = parseDigOutput(r.stdout);
  assert.notEqual(parsed.status, '', `dig ${args.join(' ')} got no answer:\n${r.stdout}${r.stderr}`);
  return parsed;
}

/** The data records of a section (signatures left out: each side signs at its own time). */
const data = (lines: readonly string[]): string[] => lines.filter((l) => l.split(' ')[3] !== 'RRSIG').sort();
const signedTypes = (lines: readonly string[]): string[] => lines.filter((l) => l.split(' ')[3] === 'RRSIG').map((l) => l.split(' ')[4]!).sort();

for (const kind of ['knot', 'nsd'] as const satisfies readonly SecondaryKind[]) {
  describe(`${kind === 'knot' ? 'Knot DNS' : 'NSD'} as a secondary`, () => {
    const zone = new TestZone();
    const events: TransferEvent[] = [];
    let server: DnsServer;
    let xfr: ZoneTransfer;
    let secondary: SecondaryInstance;
    let resolver: UnboundInstance;

    before(async () => {
      requireTool(kind === 'knot' ? 'knotd' : 'nsd');
      server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => zone.view(), apex: fixtureApex(), keys });
      const port = await freePort();
      xfr = await startZoneTransfer({
        server,
        keys,
        acl: { allow: ['127.0.0.1'], tsig },
        notify: [{ host: '127.0.0.1', port }],
        limits: { serialPollMs: 0, notifyRetryMs: 250, notifyAttemptsMax: 8 },
        onEvent: (e) => events.push(e),
      });
      secondary = await startSecondary(kind, { apex: APEX, primaryPort: server.tcpPort, tsig, port });
      assert.equal(await waitForSerial(secondary, 100), 100, `${kind} has the zone:\n${secondary.log()}`);
      resolver = await startUnbound({ apex: APEX, stubPort: secondary.port, trustAnchor });
    });
    after(async () => {
      await Promise.all([resolver?.stop(), secondary?.stop()]);
      await xfr?.close();
      await server?.close();
    });

    test('took the zone by AXFR with TSIG', () => {
      const axfr = events.filter((e) => e.kind === 'transfer' && e.type === 'axfr' && e.completed);
      assert.ok(axfr.length >= 1, JSON.stringify(events));
      if (kind === 'knot') {
        assert.match(secondary.log(), /AXFR, incoming, remote 127\.0\.0\.1@\d+, finished/);
        assert.match(secondary.log(), /DNSSEC, validation successful/);
      } else {
        assert.match(secondary.log(), /received update to serial 100 .* TSIG verified with key xfr\.dcbt\.test\./);
      }
    });

    test('answers like the primary (same data, signatures on the same RRsets)', async () => {
      const queries: [string, string][] = [
        ['dcbt.test', 'SOA'],
        ['dcbt.test', 'NS'],
        ['dcbt.test', 'DNSKEY'],
        ['alice.dcbt.test', 'A'],
        ['alice.dcbt.test', 'AAAA'],
        ['alice.dcbt.test', 'MX'],
        ['alice.dcbt.test', 'TXT'],
        ['mail.alice.dcbt.test', 'A'],
        ['www.alice.dcbt.test', 'CNAME'],
        ['big.alice.dcbt.test', 'TXT'],
        ['bob.dcbt.test', 'DS'],
        ['ns1.dcbt.test', 'AAAA'],
      ];
      for (const [name, type] of queries) {
        const ours = await dig(server.udpPort, '+dnssec', '+tcp', name, type);
        const theirs = await dig(secondary.port, '+dnssec', '+tcp', name, type);
        assert.equal(theirs.status, ours.status, `${name} ${type}`);
        assert.ok(theirs.flags.includes('aa'), `${name} ${type}: authoritative`);
        assert.ok(data(ours.answer).length > 0, `${name} ${type}`);
        assert.deepEqual(data(theirs.answer), data(ours.answer), `${name} ${type}`);
        assert.deepEqual(signedTypes(theirs.answer), signedTypes(ours.answer), `${name} ${type}`);
      }
      // A referral: NS + signed DS, glue.
      const ours = await dig(server.udpPort, '+dnssec', 'www.bob.dcbt.test', 'A');
      const theirs = await dig(secondary.port, '+dnssec', 'www.bob.dcbt.test', 'A');
      assert.deepEqual(data(theirs.authority), data(ours.authority));
      assert.deepEqual(data(theirs.additional).filter((l) => !l.includes('OPT')), data(ours.additional).filter((l) => !l.includes('OPT')));
      assert.equal((await dig(secondary.port, 'nobody.dcbt.test', 'A')).status, 'NXDOMAIN');
    });

    const expectAd = async (name: string, type: string, status: string): Promise<DigResult> => {
      const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(resolver.port), '+time=3', '+tries=2', '+dnssec', name, type]);
      const parsed = parseDigOutput(r.stdout);
      assert.equal(parsed.status, status, `${name} ${type}: ${r.stdout}\n--- unbound ---\n${resolver.log()}`);
      assert.ok(parsed.flags.includes('ad'), `${name} ${type} validated (AD): ${r.stdout}\n--- unbound ---\n${resolver.log()}`);
      return parsed;
    };

    test('Unbound trusting only the KSK validates what the secondary serves, denials included', async () => {
      await expectAd('alice.dcbt.test', 'A', 'NOERROR');
      await expectAd('www.alice.dcbt.test', 'A', 'NOERROR');
      await expectAd('dcbt.test', 'DNSKEY', 'NOERROR');
      await expectAd('bob.dcbt.test', 'DS', 'NOERROR');
      await expectAd('nobody.dcbt.test', 'A', 'NXDOMAIN');
      await expectAd('x.alice.dcbt.test', 'A', 'NXDOMAIN');
      await expectAd('dave.dcbt.test', 'A', 'NXDOMAIN');
      await expectAd('alice.dcbt.test', 'SRV', 'NOERROR');
      await expectAd('deep.alice.dcbt.test', 'A', 'NOERROR');
      await expectAd('carol.dcbt.test', 'DS', 'NOERROR');
    });

    test('a new serial: NOTIFY, then IXFR; the change is served and validates', async () => {
      zone.put('alice', [...zone.records.get('alice')!.records.filter((r) => r.type !== RRType.TXT || r.host !== 'big'), { host: 'new', type: RRType.A, rdata: aRdata('192.0.2.123') }]);
      zone.records.delete('carol');
      zone.commit();
      await xfr.notifyChanged();
      assert.equal(await waitForSerial(secondary, 101), 101, `${kind} followed:\n${secondary.log()}`);
      assert.ok(events.some((e) => e.kind === 'notify' && e.outcome.kind === 'acked' && e.outcome.serial === 101), JSON.stringify(events));
      const ixfr = events.filter((e) => e.kind === 'transfer' && e.serial === 101);
      assert.deepEqual(ixfr.map((e) => e.kind === 'transfer' && [e.type, e.completed]), [['ixfr', true]], JSON.stringify(events));
      if (kind === 'knot') {
        assert.match(secondary.log(), /IXFR, incoming, remote 127\.0\.0\.1@\d+, finished/);
        assert.doesNotMatch(secondary.log(), /fallback to AXFR|validation failed/);
      }
      const added = await dig(secondary.port, 'new.alice.dcbt.test', 'A');
      assert.deepEqual(data(added.answer), ['new.alice.dcbt.test. 300 IN A 192.0.2.123']);
      assert.equal((await dig(secondary.port, 'carol.dcbt.test', 'NS')).status, 'NXDOMAIN');
      assert.equal((await dig(secondary.port, 'big.alice.dcbt.test', 'TXT')).status, 'NXDOMAIN');
      await expectAd('new.alice.dcbt.test', 'A', 'NOERROR');
      await expectAd('carol.dcbt.test', 'NS', 'NXDOMAIN');
    });
  });
}

describe('Knot DNS checks what it receives', () => {
  test('a zone whose signatures expired (block time 60 days old) is refused by dnssec-validation', async () => {
    requireTool('knotd');
    const dayMs = 86400_000;
    const oldKeys = fixtureKeys(Date.now() - 60 * dayMs);
    const zone = new TestZone({ timeMs: Date.now() - 60 * dayMs });
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => zone.view(), apex: fixtureApex() });
    const xfr = await startZoneTransfer({ server, keys: oldKeys, acl: { allow: ['127.0.0.1'], tsig }, limits: { serialPollMs: 0 } });
    const secondary = await startSecondary('knot', { apex: APEX, primaryPort: server.tcpPort, tsig });
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !/DNSSEC, validation failed/.test(secondary.log())) await new Promise((r) => setTimeout(r, 100));
      assert.match(secondary.log(), /AXFR, incoming, remote 127\.0\.0\.1@\d+, finished/);
      assert.match(secondary.log(), /DNSSEC, validation failed \(no valid signature for a record\)/);
      assert.equal(await secondary.serial(), undefined, 'the zone is not served');
    } finally {
      await secondary.stop();
      await xfr.close();
      await server.close();
    }
  });
});
