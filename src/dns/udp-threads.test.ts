import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { NameRecord } from '../chain/types.ts';
import { fixtureApex, fixtureKeys, fixtureRecords, fixtureView } from './fixtures.ts';
import { buildQuery, readReply } from './querykit.ts';
import { aRdata, RRType } from './rdata.ts';
import type { DnsServer, DnsServerOptions } from './server.ts';
import { startDnsServer } from './server.ts';
import { restartDelayMs, type UdpThreadsEvent } from './udp-threads.ts';
import { Rcode } from './wire.ts';
import type { ZoneView } from './zone.ts';

const keys = fixtureKeys();

async function withServer(overrides: Partial<DnsServerOptions>, fn: (s: DnsServer) => Promise<void>): Promise<void> {
  const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, ...overrides, limits: { udpWorkers: 1, ...overrides.limits } });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Sends each packet from one socket and collects the replies by id. */
function udpAskMany(port: number, packets: readonly Uint8Array[], timeoutMs = 2000): Promise<Map<number, Uint8Array>> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const replies = new Map<number, Uint8Array>();
    const done = (): void => {
      clearTimeout(timer);
      sock.close();
      resolve(replies);
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on('message', (msg) => {
      replies.set(msg.readUInt16BE(0), new Uint8Array(msg));
      if (replies.size === packets.length) done();
    });
    sock.bind(0, '127.0.0.1', () => {
      for (const p of packets) sock.send(p, port, '127.0.0.1');
    });
  });
}

const ask = async (port: number, packet: Uint8Array): Promise<Uint8Array | undefined> => (await udpAskMany(port, [packet], 1000)).values().next().value;

test('UDP worker: answers from the chain once, then from its cache, the same bytes with each id', async () => {
  await withServer({}, async (server) => {
    const first = await ask(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 7, dnssecOk: true }));
    const second = await ask(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 8, dnssecOk: true }));
    assert.ok(first && second);
    assert.equal(readReply(first).rcode, Rcode.NOERROR);
    assert.equal(readReply(second).id, 8);
    assert.deepEqual(second.subarray(2), first.subarray(2));
    assert.equal(server.stats.answerCacheMisses, 1);
    assert.equal(server.stats.answerCacheHits, 1);
    assert.equal(server.stats.queries, 1, 'only the miss ran the handler chain');
    // The same as a server without workers sends.
    const inThread = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys });
    try {
      const reference = await ask(inThread.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 8, dnssecOk: true }));
      assert.equal(reference && readReply(reference).answers.length, readReply(second).answers.length);
      assert.deepEqual(readReply(reference!).answers.map((r) => [r.type, r.ttl]), readReply(second).answers.map((r) => [r.type, r.ttl]));
    } finally {
      await inThread.close();
    }
  });
});

test('UDP worker: a new view drops the answers of changed names at once when told, and by polling when not', async () => {
  const records = fixtureRecords();
  let view: ZoneView = fixtureView();
  const changes = new Map<number, string[]>();
  const withRecord = (serial: number, label: string, address: string): void => {
    const old = records.get(label)!;
    records.set(label, { ...old, records: [{ host: '', type: RRType.A, rdata: aRdata(address) }], updatedHeight: serial } satisfies NameRecord);
    changes.set(serial, [label]);
    view = fixtureView({
      serial,
      lookup: async (l) => records.get(l),
      changedSince: (from) => {
        const out = new Set<string>();
        for (let s = from + 1; s <= serial; s++) for (const l of changes.get(s) ?? []) out.add(l);
        return out;
      },
    });
  };
  await withServer({ view: () => view, limits: { udpWorkers: 1, udpWorkerViewPollMs: 40 } }, async (server) => {
    const q = (id: number) => buildQuery('alice.dcbt.test.', RRType.A, { id });
    const addressOf = (reply: Uint8Array | undefined): string => [...readReply(reply!).answers.find((r) => r.type === RRType.A)!.rdata].join('.');
    withRecord(42, 'alice', '192.0.2.10');
    assert.equal(addressOf(await ask(server.udpPort, q(1))), '192.0.2.10');
    assert.equal(addressOf(await ask(server.udpPort, q(2))), '192.0.2.10');
    assert.equal(server.stats.answerCacheHits, 1);
    withRecord(43, 'alice', '192.0.2.11');
    server.viewChanged();
    assert.equal(addressOf(await ask(server.udpPort, q(3))), '192.0.2.11', 'told: the very next query sees the change');
    withRecord(44, 'alice', '192.0.2.12');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(addressOf(await ask(server.udpPort, q(4))), '192.0.2.12', 'not told: the poll brought the view');
  });
});

test('UDP workers: two threads share the port and answer clients on many source ports', async () => {
  await withServer({ limits: { udpWorkers: 2 } }, async (server) => {
    const clients = 16;
    const wave = () =>
      Promise.all(Array.from({ length: clients }, (_, c) => udpAskMany(server.udpPort, [buildQuery('alice.dcbt.test.', RRType.A, { id: 2 * c }), buildQuery('nope.dcbt.test.', RRType.A, { id: 2 * c + 1 })])));
    for (const round of [1, 2]) {
      for (const [c, replies] of (await wave()).entries()) {
        assert.equal(replies.size, 2, `round ${round}: client ${c} got both answers`);
        assert.equal(readReply(replies.get(2 * c)!).rcode, Rcode.NOERROR);
        assert.equal(readReply(replies.get(2 * c + 1)!).rcode, Rcode.NXDOMAIN);
      }
    }
    assert.equal(server.stats.answerCacheHits + server.stats.answerCacheMisses, 4 * clients);
    // The first round's answers were kept: the second round came from the workers' caches.
    assert.ok(server.stats.answerCacheHits >= 2 * clients, `hits ${server.stats.answerCacheHits}`);
  });
});

test('UDP worker: garbage is survived, a bare header gets FORMERR, response rate limiting runs in the worker', async () => {
  await withServer({ limits: { udpWorkers: 1, rrlResponsesPerSecond: 5, rrlSlipEveryNthDrop: 0 } }, async (server) => {
    const garbage = [new Uint8Array([1]), new Uint8Array(3), Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 255)];
    await udpAskMany(server.udpPort, garbage, 300);
    const header = new Uint8Array(12);
    header[1] = 9;
    const reply = await ask(server.udpPort, header);
    assert.equal(reply && readReply(reply).rcode, Rcode.FORMERR);
    const burst = Array.from({ length: 40 }, (_, i) => buildQuery('alice.dcbt.test.', RRType.A, { id: 100 + i }));
    const replies = await udpAskMany(server.udpPort, burst, 800);
    assert.ok(replies.size < burst.length, `rate limited: ${replies.size} of ${burst.length} answered`);
    assert.ok(server.stats.rrlDropped > 0);
  });
});

test('UDP worker: close() frees the port for the next server', async () => {
  const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, limits: { udpWorkers: 1 } });
  const port = server.udpPort;
  await server.close();
  const again = await startDnsServer({ host: '127.0.0.1', port, view: () => fixtureView(), apex: fixtureApex(), keys, limits: { udpWorkers: 1 } });
  try {
    assert.equal(again.udpPort, port);
    const reply = await ask(port, buildQuery('alice.dcbt.test.', RRType.A, { id: 1 }));
    assert.equal(reply && readReply(reply).rcode, Rcode.NOERROR);
  } finally {
    await again.close();
  }
});

/**
 * Makes the worker die on the next query: a packet hook hands it something it cannot send, so it
 * throws and exits. Later queries go through as usual.
 */
async function crashWorkerOnce(server: DnsServer, waitMs: number): Promise<void> {
  let crashNext = true;
  server.setPacketHook(async (_packet, ctx) => {
    if (!crashNext) return false;
    crashNext = false;
    await ctx.send({ not: 'bytes' } as unknown as Uint8Array);
    return true;
  });
  await udpAskMany(server.udpPort, [buildQuery('alice.dcbt.test.', RRType.A, { id: 1 })], waitMs);
}

test('UDP worker: a worker that dies is started again on the same port and answers', async () => {
  await withServer({}, async (server) => {
    await crashWorkerOnce(server, 300);
    const deadlineMs = Date.now() + 5000;
    while (server.stats.udpWorkerRestarts === 0 && Date.now() < deadlineMs) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.stats.udpWorkerRestarts, 1);
    let reply: Uint8Array | undefined;
    while (!reply && Date.now() < deadlineMs) reply = await ask(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 2 }));
    assert.equal(reply && readReply(reply).rcode, Rcode.NOERROR);
  });
});

test('UDP worker: a restart that cannot bind is reported and retried with backoff until the port is free', async () => {
  assert.deepEqual([1, 2, 3, 4, 8, 20].map(restartDelayMs), [100, 200, 400, 800, 10_000, 10_000]);
  const events: UdpThreadsEvent[] = [];
  const waitFor = async (type: UdpThreadsEvent['type']): Promise<UdpThreadsEvent> => {
    const deadlineMs = Date.now() + 10_000;
    for (;;) {
      const found = events.find((e) => e.type === type);
      if (found) return found;
      if (Date.now() > deadlineMs) throw new Error(`no ${type} event; saw ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await withServer({ onEvent: (e) => events.push(e) }, async (server) => {
    await crashWorkerOnce(server, 100);
    assert.equal((await waitFor('udp-worker-exited')).type, 'udp-worker-exited');
    // The first restart comes 100 ms after the exit: take the port before it does.
    const squatter = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.bind(server.udpPort, '127.0.0.1', () => resolve());
    });
    try {
      const failed = await waitFor('udp-worker-restart-failed');
      assert.ok(failed.type === 'udp-worker-restart-failed');
      assert.equal(failed.attempt, 1);
      assert.equal(failed.retryInMs, 200);
      assert.match(failed.message, /cannot bind UDP 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    const restarted = await waitFor('udp-worker-restarted');
    assert.ok(restarted.type === 'udp-worker-restarted' && restarted.attempts >= 2, JSON.stringify(restarted));
    const reply = await ask(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 2 }));
    assert.equal(reply && readReply(reply).rcode, Rcode.NOERROR);
    assert.equal(server.stats.udpWorkerRestarts, 1);
  });
});
