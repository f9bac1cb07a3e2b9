import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { DnsConfigError } from './errors.ts';
import { fixtureApex, fixtureKeys, fixtureView } from './fixtures.ts';
import { buildQuery, readReply } from './querykit.ts';
import { RRType } from './rdata.ts';
import type { RrlDecision, RrlOptions } from './rrl.ts';
import { ipv6Bytes, ResponseRateLimiter, rrlFromLimits, slipReply, sourcePrefix } from './rrl.ts';
import { DEFAULT_DNS_LIMITS } from './limits.ts';
import { startDnsServer } from './server.ts';
import { nameToText, Rcode } from './wire.ts';
import { udpAsk } from './testkit.ts';

function limiter(overrides: Partial<RrlOptions> = {}): { rrl: ResponseRateLimiter; clock: { ms: number } } {
  const clock = { ms: 1_000_000 };
  const rrl = new ResponseRateLimiter({ responsesPerSecond: 10, slipEveryNthDrop: 2, tableEntriesMax: 100, ipv4PrefixBits: 24, ipv6PrefixBits: 56, nowMs: () => clock.ms, ...overrides });
  return { rrl, clock };
}

const many = (rrl: ResponseRateLimiter, address: string, n: number): RrlDecision[] => Array.from({ length: n }, () => rrl.decide(address));
const count = (ds: readonly RrlDecision[], d: RrlDecision): number => ds.filter((x) => x === d).length;

describe('token bucket', () => {
  test('a burst of one second is sent, then every 2nd drop slips', () => {
    const { rrl } = limiter();
    const ds = many(rrl, '192.0.2.7', 20);
    assert.deepEqual(ds.slice(0, 10), new Array(10).fill('send'));
    assert.deepEqual(ds.slice(10), ['drop', 'slip', 'drop', 'slip', 'drop', 'slip', 'drop', 'slip', 'drop', 'slip']);
    assert.deepEqual(rrl.stats, { sent: 10, dropped: 5, slipped: 5, evicted: 0 });
  });

  test('tokens come back at the configured rate and never above one second', () => {
    const { rrl, clock } = limiter();
    many(rrl, '192.0.2.7', 10);
    assert.equal(rrl.decide('192.0.2.7'), 'drop');
    clock.ms += 100; // one token
    assert.equal(rrl.decide('192.0.2.7'), 'send');
    assert.notEqual(rrl.decide('192.0.2.7'), 'send');
    clock.ms += 550; // five and a half tokens
    assert.equal(count(many(rrl, '192.0.2.7', 8), 'send'), 5);
    clock.ms += 60_000; // a long pause refills to the bucket size, not beyond
    assert.equal(count(many(rrl, '192.0.2.7', 30), 'send'), 10);
  });

  test('below the rate everything is sent', () => {
    const { rrl, clock } = limiter({ responsesPerSecond: 50 });
    for (let i = 0; i < 1000; i++) {
      assert.equal(rrl.decide('198.51.100.1'), 'send');
      clock.ms += 25; // 40 per second
    }
    assert.equal(rrl.stats.dropped + rrl.stats.slipped, 0);
  });

  test('a clock going backwards does not mint tokens', () => {
    const { rrl, clock } = limiter();
    many(rrl, '192.0.2.7', 10);
    clock.ms -= 10_000;
    assert.notEqual(rrl.decide('192.0.2.7'), 'send');
  });

  test('slip 0 never slips; slip 1 slips every drop', () => {
    const none = limiter({ slipEveryNthDrop: 0 }).rrl;
    assert.equal(count(many(none, '192.0.2.1', 30), 'slip'), 0);
    const all = limiter({ slipEveryNthDrop: 1 }).rrl;
    const ds = many(all, '192.0.2.1', 30);
    assert.equal(count(ds, 'slip'), 20);
    assert.equal(count(ds, 'drop'), 0);
  });

  test('one bucket per /24 and per /56', () => {
    const { rrl } = limiter();
    many(rrl, '192.0.2.1', 10);
    assert.notEqual(rrl.decide('192.0.2.200'), 'send', 'same /24');
    assert.equal(rrl.decide('192.0.3.1'), 'send', 'next /24');
    many(rrl, '2001:db8:0:100::1', 10);
    assert.notEqual(rrl.decide('2001:db8:0:1ff:ffff::9'), 'send', 'same /56');
    assert.equal(rrl.decide('2001:db8:0:200::1'), 'send', 'next /56');
  });

  test('the table is bounded: the least recently seen prefix is forgotten', () => {
    const { rrl } = limiter({ tableEntriesMax: 3 });
    many(rrl, '10.0.1.1', 10);
    rrl.decide('10.0.2.1');
    rrl.decide('10.0.3.1');
    rrl.decide('10.0.2.1'); // 10.0.1.0/24 is now the least recently seen
    rrl.decide('10.0.4.1');
    assert.equal(rrl.size, 3);
    assert.equal(rrl.stats.evicted, 1);
    assert.equal(rrl.decide('10.0.1.1'), 'send', 'forgotten, so a fresh bucket');
    assert.equal(rrl.size, 3);
    for (let i = 0; i < 1000; i++) rrl.decide(`172.16.${i % 256}.${i >> 8}`);
    assert.equal(rrl.size, 3);
  });

  test('bad options are refused', () => {
    assert.throws(() => limiter({ responsesPerSecond: 0 }), DnsConfigError);
    assert.throws(() => limiter({ slipEveryNthDrop: -1 }), DnsConfigError);
    assert.throws(() => limiter({ tableEntriesMax: 0 }), DnsConfigError);
    assert.throws(() => limiter({ ipv6PrefixBits: 129 }), DnsConfigError);
    assert.equal(rrlFromLimits({ ...DEFAULT_DNS_LIMITS, rrlResponsesPerSecond: 0 }), undefined);
    assert.ok(rrlFromLimits(DEFAULT_DNS_LIMITS) instanceof ResponseRateLimiter);
  });
});

describe('source prefixes', () => {
  test('IPv4 /24, IPv6 /56, IPv4-mapped as IPv4', () => {
    assert.equal(sourcePrefix('192.0.2.77'), '4/c00002');
    assert.equal(sourcePrefix('::ffff:192.0.2.9'), '4/c00002');
    assert.equal(sourcePrefix('2001:db8:1:2ff::1'), '6/20010db8000102');
    assert.equal(sourcePrefix('2001:db8:1:2ff::1%eth0'), '6/20010db8000102');
    assert.equal(sourcePrefix('192.0.2.77', 16), '4/c000');
    assert.equal(sourcePrefix('192.0.2.77', 20), '4/c00000');
    assert.equal(sourcePrefix('192.0.2.77', 0), '4/');
    assert.equal(sourcePrefix('not an address'), '?/not an address');
  });

  test('IPv6 text forms', () => {
    const hex = (a: string): string | undefined => {
      const b = ipv6Bytes(a);
      return b && Buffer.from(b).toString('hex');
    };
    assert.equal(hex('::'), '0'.repeat(32));
    assert.equal(hex('::1'), '0'.repeat(31) + '1');
    assert.equal(hex('1::'), '0001' + '0'.repeat(28));
    assert.equal(hex('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
    assert.equal(hex('64:ff9b::192.0.2.1'), '0064ff9b0000000000000000c0000201');
    for (const bad of ['1:2:3', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '1:2:3:4:5:6:7::8']) assert.equal(hex(bad), undefined, bad);
  });
});

describe('slip reply', () => {
  test('header and question, TC=1, id/opcode/RD/CD kept', () => {
    const query = buildQuery('Alice.dcbt.test.', RRType.AAAA, { id: 0x4242, rd: true, cd: true, dnssecOk: true });
    const reply = readReply(slipReply(query)!);
    assert.equal(reply.id, 0x4242);
    assert.equal(reply.qr, true);
    assert.equal(reply.tc, true);
    assert.equal(reply.rd, true);
    assert.equal(reply.cd, true);
    assert.equal(reply.aa, false);
    assert.equal(reply.rcode, Rcode.NOERROR);
    assert.equal(nameToText(reply.questions[0]!.name), 'Alice.dcbt.test.');
    assert.equal(reply.questions[0]!.type, RRType.AAAA);
    assert.equal(reply.answers.length + reply.authorities.length + reply.additionals.length, 0);
  });

  test('nothing for what cannot be slipped', () => {
    assert.equal(slipReply(new Uint8Array(5)), undefined);
    const response = buildQuery('alice.dcbt.test.', RRType.A);
    response[2]! |= 0x80;
    assert.equal(slipReply(response), undefined);
    assert.equal(slipReply(new Uint8Array([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])), undefined, 'pointer loop');
    assert.equal(slipReply(new Uint8Array([0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1])), undefined, 'two questions');
    assert.equal(slipReply(buildQuery('alice.dcbt.test.', RRType.A).subarray(0, 20)), undefined, 'truncated');
  });

  test('check(): garbage is not counted; drops are null; slips are TC replies', () => {
    const { rrl } = limiter({ responsesPerSecond: 1 });
    assert.equal(rrl.check(new Uint8Array(3), '192.0.2.1'), undefined);
    const query = buildQuery('alice.dcbt.test.', RRType.A);
    assert.equal(rrl.check(query, '192.0.2.1'), undefined);
    assert.equal(rrl.check(query, '192.0.2.1'), null);
    assert.equal(readReply(rrl.check(query, '192.0.2.1')!).tc, true);
    assert.equal(rrl.stats.sent, 1);
  });
});

describe('over UDP to a running server', () => {
  const keys = fixtureKeys();

  test('above the rate: drops and TC=1 slips; TCP is exempt; below the rate: normal answers', async () => {
    const rate = 5;
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, limits: { rrlResponsesPerSecond: rate, rrlSlipEveryNthDrop: 2 } });
    const sock = createSocket('udp4');
    try {
      const replies: Buffer[] = [];
      sock.on('message', (m) => replies.push(m));
      await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
      const sent = 60;
      const started = performance.now();
      for (let i = 0; i < sent; i++) sock.send(buildQuery('alice.dcbt.test.', RRType.A, { id: i }), server.udpPort, '127.0.0.1');
      for (let waited = 0; waited < 2000 && server.stats.rrlDropped + server.stats.rrlSlipped + replies.length < sent; waited += 20) await sleep(20);
      await sleep(100);
      const elapsedS = (performance.now() - started) / 1000;
      const parsed = replies.map((r) => readReply(new Uint8Array(r)));
      const full = parsed.filter((r) => !r.tc);
      const slipped = parsed.filter((r) => r.tc);
      // The bucket holds one second (5), plus what refilled while the test ran.
      assert.ok(full.length >= rate && full.length <= rate + Math.ceil(elapsedS * rate) + 1, `${full.length} full answers in ${elapsedS} s`);
      for (const r of full) assert.equal(r.answers.length, 2);
      for (const r of slipped) {
        assert.equal(r.answers.length + r.authorities.length + r.additionals.length, 0);
        assert.equal(nameToText(r.questions[0]!.name), 'alice.dcbt.test.');
      }
      assert.equal(slipped.length, server.stats.rrlSlipped);
      assert.equal(full.length + server.stats.rrlDropped + server.stats.rrlSlipped, sent);
      assert.ok(Math.abs(server.stats.rrlSlipped - server.stats.rrlDropped) <= 1, `every 2nd drop slips: ${server.stats.rrlSlipped} slipped, ${server.stats.rrlDropped} dropped`);

      // TCP is not limited.
      const tcpReply = await tcpAsk(server.tcpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 999 }));
      assert.equal(readReply(tcpReply).answers.length, 2);
    } finally {
      sock.close();
      await server.close();
    }

    // Below the rate: one query at a time, well inside the bucket, all answered in full.
    const relaxed = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, limits: { rrlResponsesPerSecond: 200 } });
    try {
      for (let i = 0; i < 40; i++) {
        const r = readReply(await udpAsk(relaxed.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: i })));
        assert.equal(r.tc, false);
        assert.equal(r.answers.length, 2);
      }
      assert.equal(relaxed.stats.rrlDropped + relaxed.stats.rrlSlipped, 0);
    } finally {
      await relaxed.close();
    }
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


function tcpAsk(port: number, packet: Uint8Array, timeoutMs = 2000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no TCP reply'));
    }, timeoutMs);
    let buf = Buffer.alloc(0);
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(new Uint8Array(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
    const frame = Buffer.alloc(2 + packet.length);
    frame.writeUInt16BE(packet.length, 0);
    frame.set(packet, 2);
    sock.write(frame);
  });
}
