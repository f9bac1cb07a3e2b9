/**
 * Zone transfers from a running server, driven by dig and kdig (AXFR, IXFR, TSIG on every
 * message, ACL), and NOTIFY to a scripted secondary (retries, TSIG, cancellation).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dsText } from '../dnssec.ts';
import { APEX, fixtureApex, fixtureKeys } from '../fixtures.ts';
import { aRdata, RRType } from '../rdata.ts';
import type { DnsServer } from '../server.ts';
import { startDnsServer } from '../server.ts';
import { requireTool, run } from '../testkit.ts';
import { decodeMessage, encodeMessage, nameFromText, Opcode } from '../wire.ts';
import type { TransferEvent, ZoneTransfer } from './service.ts';
import { startZoneTransfer } from './service.ts';
import { TestZone } from './testzone.ts';
import type { TsigKeyConfig } from './tsig.ts';
import { digKeyArgument, signMessage, tsigKey, verifyMessage } from './tsig.ts';

const keys = fixtureKeys();
const tsig: TsigKeyConfig = { name: 'xfr.dcbt.test.', algorithm: 'hmac-sha256', secretBase64: Buffer.alloc(32, 0x5a).toString('base64') };
const dir = mkdtempSync(join(tmpdir(), 'dcbt-xfr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The records of a dig/kdig transfer output, one normalised line each (comments and TSIG dropped). */
function records(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith(';') && !/\sANY\s+TSIG\s/.test(l))
    .map((l) => l.replace(/\s+/g, ' ').trim());
}

describe('AXFR and IXFR answered to dig and kdig', () => {
  const zone = new TestZone();
  let server: DnsServer;
  let xfr: ZoneTransfer;
  const events: TransferEvent[] = [];

  before(async () => {
    server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => zone.view(), apex: fixtureApex(), keys });
    xfr = await startZoneTransfer({
      server,
      keys,
      acl: { allow: ['127.0.0.0/8'], tsig },
      // Small messages, so that a transfer spans many and TSIG chains across them.
      limits: { transferMessageBytesMax: 1200, serialPollMs: 0 },
      onEvent: (e) => events.push(e),
    });
  });
  after(async () => {
    await xfr?.close();
    await server?.close();
  });

  const dig = (...args: string[]) => run(requireTool('dig'), ['@127.0.0.1', '-p', String(server.tcpPort), '+time=5', '+tries=1', ...args]);
  const kdig = (...args: string[]) => run(requireTool('kdig'), ['@127.0.0.1', '-p', String(server.tcpPort), '+timeout=5', '+retry=0', ...args]);

  test('AXFR with TSIG: SOA first and last, every message signed (dig checks each), ldns-verify-zone accepts the result', async () => {
    const r = await dig('-y', digKeyArgument(tsig), APEX, 'AXFR');
    assert.doesNotMatch(r.stdout + r.stderr, /failed|verify|BADSIG/i, r.stdout + r.stderr);
    assert.match(r.stdout, /TSIG/);
    const lines = records(r.stdout);
    assert.equal(lines.length, xfr.zone.counts.records + 1);
    assert.match(lines[0]!, /^dcbt\.test\. 3600 IN SOA .* 100 3600 600 604800 120$/);
    assert.equal(lines.at(-1), lines[0]);
    const messages = Number(/XFR size: \d+ records \(messages (\d+)/.exec(r.stdout)?.[1]);
    assert.ok(messages > 5, `${messages} messages`);
    // The transferred zone is a valid signed zone on its own.
    writeFileSync(join(dir, 'axfr'), lines.slice(0, -1).join('\n') + '\n');
    writeFileSync(join(dir, 'ds'), dsText(nameFromText(APEX), keys.ksk.dnskey) + '\n');
    const v = await run(requireTool('ldns-verify-zone'), ['-V', '1', '-k', join(dir, 'ds'), join(dir, 'axfr')]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('kdig agrees (AXFR with TSIG)', async () => {
    const r = await kdig('-y', digKeyArgument(tsig), APEX, 'AXFR');
    assert.doesNotMatch(r.stdout + r.stderr, /WARNING|failed/i, r.stdout + r.stderr);
    assert.equal(records(r.stdout).length, xfr.zone.counts.records + 1);
  });

  test('refused without TSIG, NOTAUTH with a wrong key, NOTAUTH for a name that is not the apex', async () => {
    const plain = await dig(APEX, 'AXFR');
    assert.match(plain.stdout, /Transfer failed|REFUSED/);
    const wrong = await dig('-y', digKeyArgument({ ...tsig, secretBase64: Buffer.alloc(32, 1).toString('base64') }), APEX, 'AXFR');
    assert.match(wrong.stdout + wrong.stderr, /NOTAUTH|failed/);
    const sub = await dig('-y', digKeyArgument(tsig), 'alice.dcbt.test', 'AXFR');
    assert.match(sub.stdout + sub.stderr, /NOTAUTH|failed/);
    assert.ok(xfr.stats.refused >= 2 && xfr.stats.tsigFailed >= 1);
  });

  test('a signed SOA query (what secondaries send before IXFR) gets a signed answer, over UDP and TCP', async () => {
    for (const transport of ['+notcp', '+tcp']) {
      const r = await dig(transport, '-y', digKeyArgument(tsig), APEX, 'SOA');
      assert.match(r.stdout, /status: NOERROR/);
      assert.match(r.stdout, /TSIG PSEUDOSECTION/);
      assert.doesNotMatch(r.stdout + r.stderr, /verify|failure/i);
    }
    // Unsigned queries are untouched by the hook.
    const plain = await dig('alice.dcbt.test', 'A');
    assert.match(plain.stdout, /status: NOERROR/);
    assert.doesNotMatch(plain.stdout, /TSIG/);
  });

  test('IXFR: the condensed diff when the client serial is journaled, one SOA when current, the whole zone otherwise', async () => {
    const first = xfr.zone.serial;
    zone.put('alice', [...zone.records.get('alice')!.records.filter((r) => r.type !== RRType.AAAA), { host: 'new', type: RRType.A, rdata: aRdata('192.0.2.123') }]);
    zone.commit();
    await xfr.notifyChanged();
    zone.records.delete('carol');
    zone.commit();
    await xfr.notifyChanged();
    assert.equal(xfr.zone.serial, first + 2);
    assert.deepEqual(xfr.journalSerials, [first, first + 1]);

    const r = await dig('-y', digKeyArgument(tsig), APEX, `IXFR=${first}`);
    assert.doesNotMatch(r.stdout + r.stderr, /failed|verify/i, r.stdout);
    const lines = records(r.stdout);
    const soas = lines.map((l, i) => [i, l] as const).filter(([, l]) => /^\S+ \d+ IN SOA /.test(l));
    assert.deepEqual(soas.map(([, l]) => Number(l.split(' ')[6])), [first + 2, first, first + 2, first + 2]);
    const [, oldSoa, newSoa] = soas.map(([i]) => i);
    const deleted = lines.slice(oldSoa! + 1, newSoa);
    const added = lines.slice(newSoa! + 1, -1);
    assert.ok(deleted.some((l) => /^alice\.dcbt\.test\. 300 IN AAAA 2001:db8::1$/.test(l)));
    assert.ok(deleted.some((l) => /^carol\.dcbt\.test\. 300 IN NS /.test(l)));
    assert.ok(added.some((l) => /^new\.alice\.dcbt\.test\. 300 IN A 192\.0\.2\.123$/.test(l)));
    assert.ok(added.some((l) => /^new\.alice\.dcbt\.test\. 120 IN NSEC /.test(l)), 'NSEC chain changes travel in the diff');
    assert.ok(added.some((l) => / RRSIG SOA /.test(l)) && deleted.some((l) => / RRSIG SOA /.test(l)));
    assert.ok(lines.length < xfr.zone.counts.records / 2, `an IXFR (${lines.length} records) is much smaller than the zone`);

    const current = records((await dig('-y', digKeyArgument(tsig), APEX, `IXFR=${first + 2}`)).stdout);
    assert.equal(current.length, 1);
    // Over UDP only our SOA fits: the client learns the serial and asks again over TCP.
    const udp = records((await dig('+notcp', '-y', digKeyArgument(tsig), APEX, `IXFR=${first}`)).stdout);
    assert.deepEqual(udp.map((l) => l.split(' ')[3]), ['SOA']);
    assert.match(udp[0]!, new RegExp(` ${first + 2} 3600 600 604800 120$`));
    const unknown = await kdig('-y', digKeyArgument(tsig), APEX, 'IXFR=7');
    assert.equal(records(unknown.stdout).length, xfr.zone.counts.records + 1, 'not journaled: the whole zone, AXFR style');
    assert.ok(xfr.stats.ixfr >= 1 && xfr.stats.ixfrFull >= 1 && xfr.stats.upToDate >= 1);
    assert.ok(events.some((e) => e.kind === 'version' && e.serial === first + 2 && (e.added ?? 0) > 0));
  });
});

describe('ACL by address', () => {
  test('a client outside the allow list is refused even with the key; bad ACL entries are rejected', async () => {
    const zone = new TestZone();
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => zone.view(), apex: fixtureApex(), keys });
    try {
      const xfr = await startZoneTransfer({ server, keys, acl: { allow: ['10.0.0.0/8', '::1'], tsig }, limits: { serialPollMs: 0 } });
      const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(server.tcpPort), '+time=5', '+tries=1', '-y', digKeyArgument(tsig), APEX, 'AXFR']);
      assert.match(r.stdout, /Transfer failed|REFUSED/);
      assert.equal(xfr.stats.axfr, 0);
      await xfr.close();
      await assert.rejects(startZoneTransfer({ server, keys, acl: { allow: ['localhost'] } }), { code: 'DNS_TRANSFER_CONFIG' });
      await assert.rejects(startZoneTransfer({ server, keys, acl: { allow: ['10.0.0.0/33'] } }), { code: 'DNS_TRANSFER_CONFIG' });
      await assert.rejects(startZoneTransfer({ server, keys, acl: { allow: [] }, limits: { journalVersionsMax: 0 } }), { code: 'DNS_TRANSFER_CONFIG' });
      await assert.rejects(startZoneTransfer({ server, keys, acl: { allow: [] }, limits: { transferMessageBytesMax: 70_000 } }), { code: 'DNS_TRANSFER_CONFIG' });
      await assert.rejects(startZoneTransfer({ server, keys, acl: { allow: [] }, notify: [{ host: 'ns.example.', port: 53 }] }), { code: 'DNS_TRANSFER_CONFIG' });
      await assert.rejects(startZoneTransfer({ server, acl: { allow: [] } }), { code: 'DNS_TRANSFER_CONFIG' }, 'a signing server needs the keys');
    } finally {
      await server.close();
    }
  });
});

describe('NOTIFY', () => {
  let secondary: Socket;
  let port = 0;
  /** Serials the scripted secondary saw, and how many NOTIFYs it should ignore before answering. */
  const received: number[] = [];
  let ignoreNext = 0;
  const key = tsigKey(tsig);

  before(async () => {
    secondary = createSocket('udp4');
    secondary.on('message', (msg, rinfo) => {
      const wire = new Uint8Array(msg);
      const v = verifyMessage(wire, [key], { kind: 'request' }, Date.now() / 1000);
      if (!v?.ok) return;
      const m = decodeMessage(v.unsigned);
      if (m.opcode !== Opcode.NOTIFY) return;
      received.push(new DataView(m.answers[0]!.rdata.buffer, m.answers[0]!.rdata.byteOffset).getUint32(m.answers[0]!.rdata.length - 20));
      if (ignoreNext > 0) {
        ignoreNext--;
        return;
      }
      const answer = encodeMessage({ ...m, qr: true, answers: [] });
      secondary.send(signMessage(answer, key, { nowSeconds: Date.now() / 1000, chain: { kind: 'response', requestMac: v.tsig.mac } }).wire, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => secondary.bind(0, '127.0.0.1', resolve));
    port = secondary.address().port;
  });
  after(() => new Promise<void>((resolve) => secondary.close(() => resolve())));

  test('each new serial is announced, signed; unanswered NOTIFYs are retried with backoff, then given up', async () => {
    const zone = new TestZone();
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => zone.view(), apex: fixtureApex(), keys });
    const outcomes: string[] = [];
    const xfr = await startZoneTransfer({
      server,
      keys,
      acl: { allow: ['127.0.0.1'], tsig },
      notify: [{ host: '127.0.0.1', port }, { host: '127.0.0.1', port: 9 }],
      limits: { notifyRetryMs: 40, notifyRetryMaxMs: 100, notifyAttemptsMax: 4, serialPollMs: 20 },
      onEvent: (e) => {
        if (e.kind === 'notify') outcomes.push(`${e.outcome.kind} ${e.outcome.target.port} ${e.outcome.serial}${'attempts' in e.outcome ? ` ${e.outcome.attempts}` : ''}`);
      },
    });
    const waitFor = async (what: string, done: () => boolean): Promise<void> => {
      for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(done(), `${what}: ${outcomes.join(', ')}`);
    };
    try {
      await waitFor('startup NOTIFY', () => outcomes.includes(`acked ${port} 100 1`));
      ignoreNext = 2;
      zone.commit();
      // No notifyChanged(): the serial poll finds the new version by itself.
      await waitFor('retried NOTIFY', () => outcomes.includes(`acked ${port} 101 3`));
      assert.deepEqual(received.filter((s) => s === 101), [101, 101, 101]);
      await waitFor('unanswered target', () => outcomes.some((o) => o.startsWith('failed 9 100 ') || o.startsWith('cancelled 9 100')));
      assert.ok(xfr.stats.notify.acked >= 2);
    } finally {
      await xfr.close();
      await server.close();
    }
  });
});
