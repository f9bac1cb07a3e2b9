import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { fixtureApex, fixtureKeys, fixtureView } from './fixtures.ts';
import { buildQuery, readReply } from './querykit.ts';
import { RRType } from './rdata.ts';
import type { DnsServer, DnsServerOptions } from './server.ts';
import { startDnsServer } from './server.ts';
import { Rcode } from './wire.ts';

const keys = fixtureKeys();
const waitMs = 3000;

async function withServer(overrides: Partial<DnsServerOptions>, fn: (s: DnsServer) => Promise<void>): Promise<void> {
  const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, ...overrides });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function frame(query: Uint8Array): Buffer {
  const out = Buffer.alloc(2 + query.length);
  out.writeUInt16BE(query.length, 0);
  out.set(query, 2);
  return out;
}

/** Reads framed replies until `count` arrived or the connection closed; reports which. */
function readFrames(sock: Socket, count: number): Promise<{ replies: Uint8Array[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const replies: Uint8Array[] = [];
    const timer = setTimeout(() => reject(new Error(`timed out with ${replies.length}/${count} replies`)), waitMs);
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      resolve({ replies, closed });
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        replies.push(new Uint8Array(buf.subarray(2, 2 + len)));
        buf = buf.subarray(2 + len);
      }
      if (replies.length >= count && count > 0) done(false);
    });
    sock.on('close', () => done(true));
    sock.on('error', () => undefined);
  });
}

function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => resolve(sock));
    sock.once('error', reject);
  });
}

function udpAsk(port: number, packet: Uint8Array, timeoutMs = 500): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(null);
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(new Uint8Array(msg));
    });
    sock.send(packet, port, '127.0.0.1');
  });
}

test('TCP: pipelined queries in one write are all answered on the same connection', async () => {
  await withServer({}, async (s) => {
    const sock = await tcpConnect(s.tcpPort);
    const names = ['alice.dcbt.test.', 'mail.alice.dcbt.test.', 'nobody.dcbt.test.', 'bob.dcbt.test.', 'dcbt.test.'];
    const reading = readFrames(sock, names.length);
    sock.write(Buffer.concat(names.map((n, i) => frame(buildQuery(n, RRType.A, { id: 100 + i, dnssecOk: true })))));
    const { replies } = await reading;
    sock.destroy();
    const byId = new Map(replies.map((r) => [readReply(r).id, readReply(r)]));
    assert.deepEqual([...byId.keys()].sort(), [100, 101, 102, 103, 104]);
    assert.equal(byId.get(102)!.rcode, Rcode.NXDOMAIN);
  });
});

test('TCP: a query split over many writes is reassembled', async () => {
  await withServer({}, async (s) => {
    const sock = await tcpConnect(s.tcpPort);
    const reading = readFrames(sock, 1);
    const bytes = frame(buildQuery('alice.dcbt.test.', RRType.AAAA, { id: 9 }));
    for (let i = 0; i < bytes.length; i += 7) {
      sock.write(bytes.subarray(i, i + 7));
      await new Promise((r) => setTimeout(r, 2));
    }
    const { replies } = await reading;
    sock.destroy();
    assert.equal(readReply(replies[0]!).answers[0]!.type, RRType.AAAA);
  });
});

test('TCP: the connection closes after tcpQueriesPerConnectionMax answers', async () => {
  await withServer({ limits: { tcpQueriesPerConnectionMax: 3 } }, async (s) => {
    const sock = await tcpConnect(s.tcpPort);
    const reading = readFrames(sock, 0);
    sock.write(Buffer.concat([1, 2, 3, 4, 5].map((id) => frame(buildQuery('alice.dcbt.test.', RRType.A, { id })))));
    const { replies, closed } = await reading;
    assert.equal(closed, true);
    assert.equal(replies.length, 3);
  });
});

test('TCP: idle connections are closed; a zero-length frame closes the connection', async () => {
  await withServer({ limits: { tcpIdleTimeoutMs: 100 } }, async (s) => {
    const idle = await tcpConnect(s.tcpPort);
    const started = Date.now();
    assert.equal((await readFrames(idle, 0)).closed, true);
    assert.ok(Date.now() - started < 2000);
    assert.equal(s.stats.tcpIdleClosed, 1);
    const bad = await tcpConnect(s.tcpPort);
    const reading = readFrames(bad, 0);
    bad.write(Buffer.from([0, 0]));
    assert.equal((await reading).closed, true);
  });
});

test('TCP: connections over tcpConnectionsMax are refused', async () => {
  await withServer({ limits: { tcpConnectionsMax: 2 } }, async (s) => {
    const a = await tcpConnect(s.tcpPort);
    const b = await tcpConnect(s.tcpPort);
    const c = await tcpConnect(s.tcpPort);
    const { closed } = await readFrames(c, 0);
    assert.equal(closed, true);
    assert.equal(s.stats.tcpRejected, 1);
    a.destroy();
    b.destroy();
  });
});

test('UDP: garbage is survived; headers get FORMERR, fragments get nothing', async () => {
  await withServer({}, async (s) => {
    assert.equal(await udpAsk(s.udpPort, new Uint8Array([1, 2, 3]), 200), null);
    const formerr = await udpAsk(s.udpPort, new Uint8Array([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 1]));
    assert.equal(readReply(formerr).rcode, Rcode.FORMERR);
    for (let i = 0; i < 50; i++) {
      const junk = new Uint8Array(12 + (i % 40)).map((_, j) => (i * 31 + j * 17) & 0xff);
      junk[2]! &= 0x7f; // a query, so it gets an answer or FORMERR
      await udpAsk(s.udpPort, junk, 100);
    }
    const ok = readReply(await udpAsk(s.udpPort, buildQuery('alice.dcbt.test.', RRType.A)));
    assert.equal(ok.rcode, Rcode.NOERROR);
    assert.equal(ok.answers.length, 2);
  });
});

test('UDP: queries beyond udpInFlightMax are dropped and counted', async () => {
  const slowView = fixtureView({ lookup: (label) => new Promise((resolve) => setTimeout(() => resolve(fixtureView().lookup(label)), 100)) });
  await withServer({ view: () => slowView, limits: { udpInFlightMax: 1 } }, async (s) => {
    const answers = await Promise.all([1, 2, 3].map((id) => udpAsk(s.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id }), 500)));
    assert.equal(answers.filter((a) => a !== null).length, 1);
    assert.equal(s.stats.udpDropped, 2);
  });
});

test('close() ends open connections and frees the port', async () => {
  const s = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys });
  const sock = await tcpConnect(s.tcpPort);
  const reading = readFrames(sock, 0);
  await s.close();
  assert.equal((await reading).closed, true);
  const again = await startDnsServer({ host: '127.0.0.1', port: s.udpPort, view: () => fixtureView(), apex: fixtureApex(), keys });
  assert.equal(again.udpPort, s.udpPort);
  await again.close();
});
