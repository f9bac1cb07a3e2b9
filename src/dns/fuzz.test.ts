/**
 * Fuzzing the DNS server: over 100,000 packets (the corpus, corpus mutations, structured queries
 * with lying counts and odd OPT records, random bytes, oversized packets) through `handleQuery`
 * over both UDP and TCP rules, then a few thousand over real sockets to a running server, which
 * must still answer a valid query afterwards.
 *
 * The seed is fixed so CI is deterministic; DCBT_FUZZ_SEED=<n> runs another one. On failure
 * fast-check prints the seed, the path and the shrunk packet: replay it with that seed, or save
 * the packet into src/dns/fuzz-corpus/ so it is replayed from then on. Long campaigns:
 * `npm run fuzz:dns -- --packets 10000000`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import type { DnsEnv } from './chain.ts';
import { fixtureApex, fixtureKeys, fixtureView } from './fixtures.ts';
import { chainProperty, checkReply, handleWithGuard, loadCorpus, mutatedArb, oversizedArb, packetArb, randomBytesArb, structuredQueryArb } from './fuzz.ts';
import { buildQuery, readReply } from './querykit.ts';
import { RRType } from './rdata.ts';
import type { DnsServer } from './server.ts';
import { createDnsEnv, startDnsServer } from './server.ts';
import { Rcode } from './wire.ts';

const seed = Number(process.env.DCBT_FUZZ_SEED ?? 20261121);
const keys = fixtureKeys();
const corpus = loadCorpus();
const corpusBytes = corpus.map((c) => c.bytes);

/** Packets through handleQuery per generator; together well over 100,000. */
const runs = { mutated: 45_000, structured: 35_000, random: 25_000, oversized: 300 } as const;
/** Packets sent over each real socket. */
const socketPackets = 2_000;
const socketWaitMs = 3000;

const signedEnv = (): DnsEnv => createDnsEnv({ view: () => fixtureView(), apex: fixtureApex(), keys });

describe(`handleQuery under fuzzing (seed ${seed})`, () => {
  const env = signedEnv();
  let packets = 0;
  const counted = (arb: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> => arb.map((p) => (packets++, p));

  test('the corpus is there and covers every kind of packet', () => {
    assert.ok(corpus.length >= 200, `${corpus.length} corpus packets`);
    for (const prefix of ['valid-', 'edns-', 'pointer-', 'counts-', 'truncated-', 'oversized-', 'opcode-', 'qtype-']) {
      assert.ok(corpus.some((c) => c.name.startsWith(prefix)), prefix);
    }
  });

  test('every corpus packet gets the reply it should', async () => {
    const stallMs = env.limits.lookupTimeoutMs + 3000;
    for (const { name, bytes } of corpus) {
      for (const transport of ['udp', 'tcp'] as const) {
        const reply = await handleWithGuard(bytes, transport, env, stallMs);
        assert.doesNotThrow(() => checkReply(bytes, reply, { transport, limits: env.limits }), name);
      }
      packets++;
    }
    // A few that must be answered in a specific way.
    const rcodeOf = async (name: string): Promise<number> => readReply(await handleWithGuard(corpus.find((c) => c.name === `${name}.bin`)!.bytes, 'udp', env, stallMs)).fullRcode;
    assert.equal(await rcodeOf('valid-alice-a-do'), Rcode.NOERROR);
    assert.equal(await rcodeOf('valid-nx-a-do'), Rcode.NXDOMAIN);
    for (const bad of ['pointer-self-loop', 'pointer-forward', 'pointer-two-step-loop', 'counts-qd-max', 'label-type-01', 'name-256', 'oversized-4097', 'edns-two-opts', 'trailing-garbage']) {
      assert.equal(await rcodeOf(bad), Rcode.FORMERR, bad);
    }
    assert.equal(await rcodeOf('edns-version-1'), Rcode.BADVERS);
    const big = readReply(await handleWithGuard(corpus.find((c) => c.name === 'valid-big-txt-edns512.bin')!.bytes, 'udp', env, stallMs));
    assert.equal(big.tc, true);
  });

  test(`${runs.mutated} mutated corpus packets`, async () => {
    await fc.assert(chainProperty(env, counted(mutatedArb(corpusBytes))), { seed, numRuns: runs.mutated });
  });

  test(`${runs.structured} structured queries (lying counts, OPT edge cases, extra records)`, async () => {
    await fc.assert(chainProperty(env, counted(structuredQueryArb)), { seed: seed + 1, numRuns: runs.structured });
  });

  test(`${runs.random} random byte strings`, async () => {
    await fc.assert(chainProperty(env, counted(randomBytesArb)), { seed: seed + 2, numRuns: runs.random });
  });

  test(`${runs.oversized} oversized packets`, async () => {
    await fc.assert(chainProperty(env, counted(oversizedArb)), { seed: seed + 3, numRuns: runs.oversized });
  });

  test('the same env still answers correctly, at least 100,000 packets went through, and they reached every outcome', async (t) => {
    const reply = readReply(await handleWithGuard(buildQuery('alice.dcbt.test.', RRType.A, { dnssecOk: true }), 'udp', env, 5000));
    assert.equal(reply.rcode, Rcode.NOERROR);
    assert.deepEqual(reply.answers.map((r) => r.type), [RRType.A, RRType.A, RRType.RRSIG]);
    assert.ok(packets >= 100_000, `${packets} packets`);
    assert.ok(env.stats.queries >= 2 * 100_000);
    t.diagnostic(`RCODEs: ${JSON.stringify(env.stats.rcodes)}, no reply: ${env.stats.dropped}, truncated: ${env.stats.truncated}`);
    for (const rcode of [Rcode.NOERROR, Rcode.FORMERR, Rcode.NXDOMAIN, Rcode.NOTIMP, Rcode.REFUSED, Rcode.BADVERS]) {
      assert.ok((env.stats.rcodes[rcode] ?? 0) >= 100, `RCODE ${rcode}: ${env.stats.rcodes[rcode] ?? 0}`);
    }
    assert.ok(env.stats.dropped >= 100 && env.stats.truncated >= 10);
  });
});

describe(`a running server under fuzzing over real sockets (seed ${seed})`, () => {
  let server: DnsServer;
  const generated = fc.sample(packetArb(corpusBytes), { seed: seed + 4, numRuns: socketPackets });
  before(async () => {
    // Response rate limiting off: thousands of packets from one address is the point here.
    server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, limits: { rrlResponsesPerSecond: 0 } });
  });
  after(() => server.close());

  const validUdp = async (): Promise<void> => {
    const sock = createSocket('udp4');
    try {
      const reply = await udpExchange(sock, server.udpPort, [buildQuery('alice.dcbt.test.', RRType.A, { id: 0xbeef, dnssecOk: true })], socketWaitMs);
      assert.equal(reply.size, 1, 'the valid UDP query was answered');
      const r = readReply([...reply.values()][0]!);
      assert.equal(r.id, 0xbeef);
      assert.equal(r.rcode, Rcode.NOERROR);
    } finally {
      sock.close();
    }
  };

  test(`${socketPackets} packets over UDP, every reply well formed`, async () => {
    const sock = createSocket('udp4');
    const packets = generated.filter((p) => p.length <= 65507);
    let answered = 0;
    try {
      // In batches, so the server's in-flight bound is not what is being tested.
      for (let i = 0; i < packets.length; i += 50) {
        const batch = packets.slice(i, i + 50).map((p, j) => withId(p, i + j));
        const replies = await udpExchange(sock, server.udpPort, batch, 300, batch.filter(expectsReply).length);
        for (const p of batch) {
          // Shorter than an id: no reply is owed, and none can be told apart from another's.
          if (p.length < 2) continue;
          const reply = replies.get(idOf(p));
          if (reply) checkReply(p, reply, { transport: 'udp', limits: server.env.limits });
        }
        answered += replies.size;
      }
    } finally {
      sock.close();
    }
    const expected = packets.filter(expectsReply).length;
    assert.ok(answered >= expected * 0.95, `${answered} of ${expected} answered`);
    await validUdp();
  });

  test(`${socketPackets} packets over TCP (as frames and as raw streams), then a valid query`, async () => {
    let i = 0;
    let connections = 0;
    while (i < generated.length && connections < socketPackets) {
      // One connection carries frames until the server closes it (a frame without a header does that).
      const sock = await tcpConnect(server.tcpPort);
      connections++;
      const frames: Uint8Array[] = [];
      while (i < generated.length && frames.length < 100) {
        const p = generated[i++]!;
        if (p.length === 0 || p.length > 0xffff) continue;
        frames.push(p);
        if (!expectsReply(p)) break; // no reply: the server closes the connection after this one
      }
      const reading = readFrames(sock, frames.filter(expectsReply).length);
      sock.write(Buffer.concat(frames.map(frame)));
      const { replies } = await reading;
      for (const r of replies) assert.doesNotThrow(() => readReply(r));
      sock.destroy();
    }
    // Raw byte streams: lengths that lie, partial frames, then the connection is dropped.
    for (const junk of fc.sample(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { seed: seed + 5, numRuns: 50 })) {
      const sock = await tcpConnect(server.tcpPort);
      const reading = readFrames(sock, 0, 50);
      sock.write(junk);
      sock.end();
      await reading;
      sock.destroy();
    }
    const sock = await tcpConnect(server.tcpPort);
    const reading = readFrames(sock, 1);
    sock.write(frame(buildQuery('alice.dcbt.test.', RRType.AAAA, { id: 7 })));
    const { replies } = await reading;
    sock.destroy();
    assert.equal(replies.length, 1);
    assert.equal(readReply(replies[0]!).answers[0]!.type, RRType.AAAA);
    await validUdp();
  });
});

// ---------------------------------------------------------------------------------------------
// Socket helpers

const idOf = (p: Uint8Array): number => (p[0]! << 8) | p[1]!;
const expectsReply = (p: Uint8Array): boolean => p.length >= 12 && (p[2]! & 0x80) === 0;

function withId(p: Uint8Array, id: number): Uint8Array {
  const out = new Uint8Array(p);
  if (out.length >= 2) {
    out[0] = (id >> 8) & 0xff;
    out[1] = id & 0xff;
  }
  return out;
}

/** Sends `packets` and collects replies by id until `expected` arrived or `waitMs` passed. */
function udpExchange(sock: UdpSocket, port: number, packets: readonly Uint8Array[], waitMs: number, expected = packets.length): Promise<Map<number, Uint8Array>> {
  return new Promise((resolve) => {
    const replies = new Map<number, Uint8Array>();
    const finish = (): void => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(replies);
    };
    const onMessage = (msg: Buffer): void => {
      if (msg.length >= 2) replies.set(msg.readUInt16BE(0), new Uint8Array(msg));
      if (replies.size >= expected) finish();
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('message', onMessage);
    for (const p of packets) sock.send(p, port, '127.0.0.1');
    if (expected === 0) finish();
  });
}

function frame(query: Uint8Array): Buffer {
  const out = Buffer.alloc(2 + query.length);
  out.writeUInt16BE(query.length, 0);
  out.set(query, 2);
  return out;
}

function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => resolve(sock));
    sock.once('error', reject);
  });
}

/** Framed replies until `count` arrived, the connection closed, or `waitMs` passed. */
function readFrames(sock: Socket, count: number, waitMs = socketWaitMs): Promise<{ replies: Uint8Array[]; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const replies: Uint8Array[] = [];
    let settled = false;
    const done = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ replies, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        replies.push(new Uint8Array(buf.subarray(2, 2 + len)));
        buf = buf.subarray(2 + len);
      }
      if (count > 0 && replies.length >= count) done(false);
    });
    sock.on('close', () => done(true));
    sock.on('error', () => undefined);
  });
}
