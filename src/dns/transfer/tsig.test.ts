import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { buildQuery } from '../querykit.ts';
import { RRType } from '../rdata.ts';
import { requireTool, run } from '../testkit.ts';
import { decodeMessage, encodeMessage, nameFromText } from '../wire.ts';
import type { TsigKeyConfig } from './tsig.ts';
import { appendUnsignedTsigError, digKeyArgument, RCODE_NOTAUTH, signMessage, splitTsig, TsigError, tsigKey, tsigTimeOther, verifyMessage, verifySplit } from './tsig.ts';

const config: TsigKeyConfig = { name: 'transfer.dcbt.test.', algorithm: 'hmac-sha256', secretBase64: Buffer.alloc(32, 7).toString('base64') };
const key = tsigKey(config);
const now = Math.floor(Date.now() / 1000);

describe('TSIG sign and verify', () => {
  test('request → response → later messages chain their MACs', () => {
    const request = signMessage(buildQuery('dcbt.test.', RRType.AXFR), key, { nowSeconds: now, chain: { kind: 'request' } });
    const v = verifyMessage(request.wire, [key], { kind: 'request' }, now + 10);
    assert.ok(v?.ok);
    assert.deepEqual(v.tsig.mac, request.mac);
    assert.deepEqual(v.unsigned, buildQuery('dcbt.test.', RRType.AXFR), 'stripping gives back the message as signed');

    const reply = encodeMessage({ ...decodeMessage(v.unsigned), qr: true, aa: true });
    const first = signMessage(reply, key, { nowSeconds: now, chain: { kind: 'response', requestMac: request.mac } });
    const second = signMessage(reply, key, { nowSeconds: now, chain: { kind: 'next', previousMac: first.mac } });
    assert.ok(verifyMessage(first.wire, [key], { kind: 'response', requestMac: request.mac }, now)?.ok);
    assert.ok(verifyMessage(second.wire, [key], { kind: 'next', previousMac: first.mac }, now)?.ok);
    assert.equal(verifyMessage(second.wire, [key], { kind: 'next', previousMac: request.mac }, now)?.ok, false, 'wrong chain');
    assert.equal(verifyMessage(reply, [key], { kind: 'request' }, now), undefined, 'no TSIG');
  });

  test('BADSIG, BADKEY, BADTIME, BADTRUNC and malformed records', () => {
    const { wire } = signMessage(buildQuery('dcbt.test.', RRType.SOA), key, { nowSeconds: now, chain: { kind: 'request' } });
    const flipped = Uint8Array.from(wire, (b, i) => (i === 14 ? b ^ 1 : b));
    assert.deepEqual(pick(verifyMessage(flipped, [key], { kind: 'request' }, now)), { ok: false, error: TsigError.BADSIG });
    const other = tsigKey({ ...config, secretBase64: Buffer.alloc(32, 8).toString('base64') });
    assert.deepEqual(pick(verifyMessage(wire, [other], { kind: 'request' }, now)), { ok: false, error: TsigError.BADSIG });
    const renamed = tsigKey({ ...config, name: 'other.' });
    assert.deepEqual(pick(verifyMessage(wire, [renamed], { kind: 'request' }, now)), { ok: false, error: TsigError.BADKEY });
    const sha512 = tsigKey({ ...config, algorithm: 'hmac-sha512' });
    assert.deepEqual(pick(verifyMessage(wire, [sha512], { kind: 'request' }, now)), { ok: false, error: TsigError.BADKEY });
    assert.deepEqual(pick(verifyMessage(wire, [key], { kind: 'request' }, now + 301)), { ok: false, error: TsigError.BADTIME });
    assert.ok(verifyMessage(wire, [key], { kind: 'request' }, now - 300)?.ok);

    // A truncated MAC (16 of 32 bytes) is BADTRUNC; 4 bytes is not a TSIG at all.
    const split = splitTsig(wire)!;
    assert.deepEqual(pick(verifySplit({ ...split, tsig: { ...split.tsig, mac: split.tsig.mac.slice(0, 16) } }, [key], { kind: 'request' }, now)), { ok: false, error: TsigError.BADTRUNC });
    assert.throws(() => verifySplit({ ...split, tsig: { ...split.tsig, mac: split.tsig.mac.slice(0, 4) } }, [key], { kind: 'request' }, now), { code: 'DNS_WIRE' });
    // TSIG not last, or cut short.
    const twice = signMessage(wire, key, { nowSeconds: now, chain: { kind: 'request' } }).wire;
    assert.throws(() => splitTsig(twice), { code: 'DNS_WIRE' });
    assert.throws(() => splitTsig(wire.subarray(0, wire.length - 3)), { code: 'DNS_WIRE' });
  });

  test('key configuration is checked', () => {
    assert.throws(() => tsigKey({ ...config, secretBase64: 'c2hvcnQ=' }), { code: 'DNS_TRANSFER_CONFIG' });
    assert.throws(() => tsigKey({ ...config, secretBase64: '!!not base64!!' }), { code: 'DNS_TRANSFER_CONFIG' });
    assert.throws(() => tsigKey({ ...config, algorithm: 'hmac-md5' as 'hmac-sha256' }), { code: 'DNS_TRANSFER_CONFIG' });
    assert.equal(digKeyArgument(config), `hmac-sha256:transfer.dcbt.test:${config.secretBase64}`);
  });
});

function pick(v: ReturnType<typeof verifyMessage>): { ok: boolean; error?: number } | undefined {
  if (!v) return undefined;
  return v.ok ? { ok: true } : { ok: false, error: v.error };
}

describe('interoperates with dig -y and kdig -y', () => {
  let socket: Socket;
  let port = 0;
  const seen: string[] = [];

  before(async () => {
    socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      const wire = new Uint8Array(msg);
      const nowS = Math.floor(Date.now() / 1000);
      const v = verifyMessage(wire, [key], { kind: 'request' }, nowS);
      if (!v) return;
      seen.push(v.ok ? 'ok' : `error ${v.error}`);
      const request = decodeMessage(v.unsigned);
      let reply: Uint8Array;
      if (v.ok) {
        const answer = { name: request.questions[0]!.name, type: RRType.A, class: 1, ttl: 60, rdata: new Uint8Array([192, 0, 2, 1]) };
        const unsigned = encodeMessage({ ...request, qr: true, aa: true, answers: [answer], additionals: [] });
        reply = signMessage(unsigned, key, { nowSeconds: nowS, chain: { kind: 'response', requestMac: v.tsig.mac } }).wire;
        if (request.questions[0]!.name[0] === 'corrupt') reply[reply.length - 10]! ^= 1; // inside the MAC
      } else if (v.error === TsigError.BADTIME && v.key) {
        const unsigned = encodeMessage({ ...request, qr: true, rcode: RCODE_NOTAUTH, additionals: [] });
        reply = signMessage(unsigned, v.key, { nowSeconds: nowS, chain: { kind: 'response', requestMac: v.tsig.mac }, error: v.error, timeSigned: v.tsig.timeSigned, other: tsigTimeOther(nowS) }).wire;
      } else {
        const unsigned = encodeMessage({ ...request, qr: true, rcode: RCODE_NOTAUTH, additionals: [] });
        reply = appendUnsignedTsigError(unsigned, v.tsig, v.error, nowS);
      }
      socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    port = socket.address().port;
  });
  after(() => new Promise<void>((resolve) => socket.close(() => resolve())));

  test('dig signs requests we verify, and verifies our signed answers', async () => {
    const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(port), '+time=3', '+tries=1', '-y', digKeyArgument(config), 'alice.dcbt.test', 'A']);
    assert.equal(seen.at(-1), 'ok');
    assert.match(r.stdout, /status: NOERROR/);
    assert.match(r.stdout, /TSIG PSEUDOSECTION:[\s\S]*transfer\.dcbt\.test\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\.\s+\d+ 300 32 \S+ \d+ NOERROR 0/);
    assert.doesNotMatch(r.stdout + r.stderr, /verify|failure|expected a TSIG/i);
  });

  test('kdig signs requests we verify, and verifies our signed answers', async () => {
    const r = await run(requireTool('kdig'), ['@127.0.0.1', '-p', String(port), '+timeout=3', '+retry=0', '-y', digKeyArgument(config), 'bob.dcbt.test', 'A']);
    assert.equal(seen.at(-1), 'ok');
    assert.match(r.stdout, /status: NOERROR/);
    assert.match(r.stdout, /192\.0\.2\.1/);
    assert.doesNotMatch(r.stdout + r.stderr, /WARNING|failed/i);
  });

  test('dig and kdig notice a bad MAC on our answer (so the checks above mean something)', async () => {
    const d = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(port), '+time=3', '+tries=1', '-y', digKeyArgument(config), 'corrupt.dcbt.test', 'A']);
    assert.match(d.stdout + d.stderr, /verify|failure/i);
    const k = await run(requireTool('kdig'), ['@127.0.0.1', '-p', String(port), '+timeout=3', '+retry=0', '-y', digKeyArgument(config), 'corrupt.dcbt.test', 'A']);
    assert.match(k.stdout + k.stderr, /WARNING|failed|BADSIG/i);
  });

  test('a wrong secret gets NOTAUTH (BADSIG), an unknown key BADKEY', async () => {
    const wrong = { ...config, secretBase64: Buffer.alloc(32, 9).toString('base64') };
    const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(port), '+time=3', '+tries=1', '-y', digKeyArgument(wrong), 'alice.dcbt.test', 'A']);
    assert.equal(seen.at(-1), `error ${TsigError.BADSIG}`);
    assert.match(r.stdout, /status: NOTAUTH/);
    const unknown = { ...config, name: 'nobody.example.' };
    const k = await run(requireTool('kdig'), ['@127.0.0.1', '-p', String(port), '+timeout=3', '+retry=0', '-y', digKeyArgument(unknown), 'alice.dcbt.test', 'A']);
    assert.equal(seen.at(-1), `error ${TsigError.BADKEY}`);
    assert.match(k.stdout + k.stderr, /NOTAUTH|BADKEY/);
  });

  test('key names are compared in canonical form', () => {
    const upper = tsigKey({ ...config, name: 'TRANSFER.DCBT.TEST' });
    assert.deepEqual(upper.name, nameFromText('transfer.dcbt.test.'));
    const { wire } = signMessage(buildQuery('dcbt.test.', RRType.SOA), upper, { nowSeconds: now, chain: { kind: 'request' } });
    assert.ok(verifyMessage(wire, [key], { kind: 'request' }, now)?.ok);
  });
});
