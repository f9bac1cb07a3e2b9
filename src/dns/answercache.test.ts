import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NameRecord } from '../chain/types.ts';
import { AnswerCache, answerCacheFromLimits, trackLookups } from './answercache.ts';
import { handleQuery } from './chain.ts';
import { APEX, fixtureApex, fixtureKeys, fixtureRecords, fixtureView, NOW_MS } from './fixtures.ts';
import { DEFAULT_DNS_LIMITS } from './limits.ts';
import { buildQuery, readReply } from './querykit.ts';
import { aRdata, RRType } from './rdata.ts';
import { createDnsEnv, startDnsServer } from './server.ts';
import { Rcode } from './wire.ts';
import type { ZoneView } from './zone.ts';
import { udpAsk } from './testkit.ts';

const keys = fixtureKeys();

function cacheWithClock(entriesMax = 100, maxAgeMs = 60_000): { cache: AnswerCache; clock: { ms: number } } {
  const clock = { ms: 0 };
  return { cache: new AnswerCache({ entriesMax, maxAgeMs, nowMs: () => clock.ms }), clock };
}

/** Runs one query through the cache as the server does: hit, or miss → chain → store. */
async function ask(cache: AnswerCache, view: ZoneView, packet: Uint8Array): Promise<{ reply: Uint8Array | null; hit: boolean }> {
  const env = createDnsEnv({ view: () => view, apex: fixtureApex(), keys });
  const buf = Buffer.from(packet);
  const key = cache.key(buf)!;
  const cached = cache.hit(key, buf, view);
  if (cached) return { reply: new Uint8Array(cached), hit: true };
  cache.countMiss(view);
  const tracked = trackLookups(env, view);
  const reply = await handleQuery(packet, { transport: 'udp', env: tracked.env });
  if (reply) cache.store(key, buf, reply, tracked.meta());
  return { reply, hit: false };
}

describe('answer cache', () => {
  test('keys: only queries with a header, QR=0, opcode QUERY, at most 512 bytes', () => {
    const { cache } = cacheWithClock();
    const q = Buffer.from(buildQuery('alice.dcbt.test.', RRType.A, { id: 1 }));
    assert.equal(cache.key(q), cache.key(Buffer.from(buildQuery('alice.dcbt.test.', RRType.A, { id: 2 }))), 'the id is not part of the key');
    assert.notEqual(cache.key(q), cache.key(Buffer.from(buildQuery('ALICE.dcbt.test.', RRType.A, { id: 1 }))), 'case is (answers echo it)');
    assert.notEqual(cache.key(q), cache.key(Buffer.from(buildQuery('alice.dcbt.test.', RRType.A, { id: 1, dnssecOk: true }))));
    assert.equal(cache.key(Buffer.alloc(11)), undefined);
    const response = Buffer.from(q);
    response[2]! |= 0x80;
    assert.equal(cache.key(response), undefined);
    assert.equal(cache.key(Buffer.from(buildQuery('alice.dcbt.test.', RRType.A, { opcode: 4 }))), undefined);
    assert.equal(cache.key(Buffer.concat([q, Buffer.alloc(600)])), undefined);
  });

  test('a repeated query is answered from the cache with its own id, byte for byte what the chain says', async () => {
    const { cache } = cacheWithClock();
    const view = fixtureView();
    const first = await ask(cache, view, buildQuery('alice.dcbt.test.', RRType.A, { id: 10, dnssecOk: true }));
    const second = await ask(cache, view, buildQuery('alice.dcbt.test.', RRType.A, { id: 11, dnssecOk: true }));
    assert.equal(first.hit, false);
    assert.equal(second.hit, true);
    assert.equal(readReply(second.reply).id, 11);
    assert.deepEqual(second.reply!.subarray(2), first.reply!.subarray(2));
    assert.deepEqual(cache.stats, { answerCacheHits: 1, answerCacheMisses: 1 });
    // The key is a hash: a different query under the same key (a collision) is not served.
    const other = Buffer.from(buildQuery('bob.dcbt.test.', RRType.A, { id: 10, dnssecOk: true }));
    assert.equal(cache.hit(cache.key(Buffer.from(buildQuery('alice.dcbt.test.', RRType.A, { dnssecOk: true })))!, other, view), undefined);
  });

  test('a new serial, a consulted name expiring, or old age: rebuilt', async () => {
    const { cache, clock } = cacheWithClock(100, 1000);
    const records = fixtureRecords();
    const alice = records.get('alice')!;
    const expiring: NameRecord = { ...alice, expiresAtMs: NOW_MS + 5000 };
    let view = fixtureView({ lookup: async (l) => (l === 'alice' ? expiring : records.get(l)) });
    const q = buildQuery('alice.dcbt.test.', RRType.A);
    await ask(cache, view, q);
    assert.equal((await ask(cache, view, q)).hit, true);

    view = { ...view, timeMs: NOW_MS + 4999 };
    assert.equal((await ask(cache, view, q)).hit, true, 'before the expiry');
    view = { ...view, timeMs: NOW_MS + 5000 };
    const expired = await ask(cache, view, q);
    assert.equal(expired.hit, false);
    assert.equal(readReply(expired.reply).rcode, Rcode.NXDOMAIN, 'expired the moment the view says so');

    const changed: NameRecord = { ...alice, records: [{ host: '', type: RRType.A, rdata: aRdata('198.51.100.7') }] };
    const next = fixtureView({ serial: 43, lookup: async (l) => (l === 'alice' ? changed : records.get(l)) });
    await ask(cache, next, q);
    const fresh = await ask(cache, next, q);
    assert.equal(fresh.hit, true);
    assert.equal(readReply(fresh.reply).answers.length, 1);

    clock.ms += 1000;
    assert.equal((await ask(cache, next, q)).hit, false, 'older than maxAgeMs');
  });

  test('a new serial with changedSince: only answers built from changed names, or carrying the serial in the answer, are rebuilt', async () => {
    const clock = { ms: 0 };
    const cache = new AnswerCache({ entriesMax: 100, maxAgeMs: 60_000, negativeMaxAgeMs: 10_000, nowMs: () => clock.ms });
    const records = fixtureRecords();
    let changedAt43 = new Set(['alice', 'zoe']);
    const at = (serial: number) =>
      fixtureView({ serial, lookup: async (l) => records.get(l), changedSince: (from) => (from === 42 && serial === 43 ? changedAt43 : undefined) });
    const alice = buildQuery('alice.dcbt.test.', RRType.A, { dnssecOk: true });
    const bob = buildQuery('bob.dcbt.test.', RRType.A, { dnssecOk: true });
    const missing = buildQuery('nobody.dcbt.test.', RRType.A, { dnssecOk: true });
    const zoe = buildQuery('zoe.dcbt.test.', RRType.A, { dnssecOk: true });
    const soa = buildQuery('dcbt.test.', RRType.SOA, { dnssecOk: true });
    const before = await ask(cache, at(42), missing);
    assert.equal(readReply(before.reply).rcode, Rcode.NXDOMAIN);
    assert.equal(readReply((await ask(cache, at(42), zoe)).reply).rcode, Rcode.NXDOMAIN, 'zoe is not registered yet');
    for (const q of [alice, bob, soa]) await ask(cache, at(42), q);
    for (const q of [alice, bob, missing, zoe, soa]) assert.equal((await ask(cache, at(42), q)).hit, true);

    records.set('alice', { ...records.get('alice')!, records: [{ host: '', type: RRType.A, rdata: aRdata('198.51.100.8') }] });
    records.set('zoe', { ...records.get('bob')!, name: 'zoe', records: [{ host: '', type: RRType.A, rdata: aRdata('198.51.100.9') }] });
    const a = await ask(cache, at(43), alice);
    assert.equal(a.hit, false, 'alice changed at 43');
    assert.deepEqual(readReply(a.reply).answers.filter((r) => r.type === RRType.A).map((r) => Buffer.from(r.rdata)), [Buffer.from(aRdata('198.51.100.8'))], 'and the new record is served');
    const c = await ask(cache, at(43), zoe);
    assert.equal(c.hit, false, 'zoe was registered at 43: her NXDOMAIN is gone');
    assert.equal(readReply(c.reply).rcode, Rcode.NOERROR);
    assert.equal((await ask(cache, at(43), bob)).hit, true, 'bob did not change: still cached');
    assert.equal((await ask(cache, at(43), soa)).hit, false, 'the apex SOA answer carries the serial: rebuilt');
    const n = await ask(cache, at(43), missing);
    assert.equal(n.hit, true, 'nobody is still missing: the negative answer is kept');
    assert.deepEqual(n.reply!.subarray(2), before.reply!.subarray(2), 'with the SOA of the serial it was built at');
    clock.ms = 10_001;
    assert.equal((await ask(cache, at(43), missing)).hit, false, 'but only for its shorter lifetime');
    assert.equal((await ask(cache, at(43), bob)).hit, true, 'which referrals (bob is delegated) and positive answers do not have');

    changedAt43 = new Set();
    assert.equal((await ask(cache, at(44), bob)).hit, false, 'changedSince cannot say (undefined): everything rebuilt');
    assert.equal((await ask(cache, at(44), bob)).hit, true);
    assert.equal((await ask(cache, at(40), bob)).hit, false, 'the serial went back: everything rebuilt');
  });

  test('an answer built at a serial the cache has since left is not kept', async () => {
    const { cache } = cacheWithClock();
    const old = fixtureView({ serial: 42 });
    const next = fixtureView({ serial: 43, changedSince: () => new Set() });
    const q = Buffer.from(buildQuery('bob.dcbt.test.', RRType.A));
    const key = cache.key(q)!;
    cache.countMiss(old);
    const tracked = trackLookups(createDnsEnv({ view: () => old, apex: fixtureApex(), keys }), old);
    const reply = await handleQuery(new Uint8Array(q), { transport: 'udp', env: tracked.env });
    assert.equal(cache.hit(key, q, next), undefined, 'the cache moves to 43 meanwhile');
    cache.store(key, q, reply!, tracked.meta());
    assert.equal(cache.size, 0);
  });

  test('lifetimes are spread between half and all of maxAgeMs', async () => {
    const { cache, clock } = cacheWithClock(1000, 1000);
    const view = fixtureView();
    const queries = Array.from({ length: 40 }, (_, i) => buildQuery(`n${i}.nobody.dcbt.test.`, RRType.A));
    for (const q of queries) await ask(cache, view, q);
    clock.ms += 499;
    for (const q of queries) assert.equal((await ask(cache, view, q)).hit, true, 'all alive before half the maximum age');
    clock.ms += 250;
    const alive = (await Promise.all(queries.map((q) => ask(cache, view, q)))).filter((r) => r.hit).length;
    assert.ok(alive > 0 && alive < queries.length, `${alive} of ${queries.length} alive at 3/4 of the maximum age`);
  });

  test('SERVFAIL is never kept; the table is bounded', async () => {
    const { cache } = cacheWithClock(3);
    const failing = fixtureView({
      lookup: async () => {
        throw new Error('store down');
      },
    });
    const q = buildQuery('alice.dcbt.test.', RRType.A);
    assert.equal(readReply((await ask(cache, failing, q)).reply).rcode, Rcode.SERVFAIL);
    assert.equal(cache.size, 0);
    const view = fixtureView();
    for (const name of ['alice', 'bob', 'carol', 'nobody', 'dcbt']) await ask(cache, view, buildQuery(`${name === 'dcbt' ? '' : `${name}.`}${APEX}`, RRType.A));
    assert.equal(cache.size, 3);
    assert.equal((await ask(cache, view, buildQuery(`nobody.${APEX}`, RRType.A))).hit, true, 'recent entries stay');
    assert.equal((await ask(cache, view, buildQuery(`alice.${APEX}`, RRType.A))).hit, false, 'the oldest went first');
  });

  test('answerCacheFromLimits: 0 entries turns it off', () => {
    assert.equal(answerCacheFromLimits({ ...DEFAULT_DNS_LIMITS, answerCacheEntriesMax: 0 }), undefined);
    assert.ok(answerCacheFromLimits(DEFAULT_DNS_LIMITS) instanceof AnswerCache);
  });

  test('in the UDP server: hits counted, a new chain state served at once, a packet hook clears it', async () => {
    let current = fixtureView();
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => current, apex: fixtureApex(), keys });
    try {
      const a1 = readReply(await udpAsk(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 1 })));
      const a2 = readReply(await udpAsk(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 2 })));
      assert.equal(a1.answers.length, 2);
      assert.equal(a2.id, 2);
      assert.equal(a2.answers.length, 2);
      assert.equal(server.stats.answerCacheHits, 1);
      assert.equal(server.stats.answerCacheMisses, 1);

      const records = fixtureRecords();
      records.set('alice', { ...records.get('alice')!, records: [{ host: '', type: RRType.A, rdata: aRdata('198.51.100.9') }] });
      current = fixtureView({ serial: 43, lookup: async (l) => records.get(l) });
      assert.equal(readReply(await udpAsk(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 3 }))).answers.length, 1);

      let seen = 0;
      server.setPacketHook(async () => {
        seen++;
        return false;
      });
      await udpAsk(server.udpPort, buildQuery('alice.dcbt.test.', RRType.A, { id: 4 }));
      assert.equal(seen, 1, 'the hook saw the query: the cache was cleared when it was installed');
    } finally {
      await server.close();
    }
  });

  test('a hit is written into the buffer it is given when it fits, else into a new one', async () => {
    const { cache } = cacheWithClock();
    const view = fixtureView();
    const q = buildQuery('alice.dcbt.test.', RRType.A, { id: 7, dnssecOk: true });
    const built = await ask(cache, view, q);
    const packet = Buffer.from(buildQuery('alice.dcbt.test.', RRType.A, { id: 8, dnssecOk: true }));
    const into = Buffer.alloc(4096, 0xee);
    const written = cache.hit(cache.key(packet)!, packet, view, into)!;
    assert.equal(written.buffer, into.buffer, 'written in place');
    assert.equal(written.length, built.reply!.length);
    assert.equal(readReply(written).id, 8);
    assert.deepEqual(written.subarray(2), Buffer.from(built.reply!.subarray(2)));
    const small = Buffer.alloc(10);
    const own = cache.hit(cache.key(packet)!, packet, view, small)!;
    assert.notEqual(own.buffer, small.buffer, 'too small: a buffer of its own');
    assert.deepEqual(own, written);
  });

  test('in the UDP server: a burst of cached queries gets every reply intact with its own id', async () => {
    // Response rate limiting off: it would (rightly) slip or drop a burst of identical answers to one source.
    const server = await startDnsServer({ host: '127.0.0.1', port: 0, view: () => fixtureView(), apex: fixtureApex(), keys, limits: { rrlResponsesPerSecond: 0 } });
    const socket = createSocket('udp4');
    try {
      const names = ['alice', 'bob', 'nobody'];
      const expected = new Map<string, Buffer>();
      for (const n of names) expected.set(n, Buffer.from(await udpAsk(server.udpPort, buildQuery(`${n}.dcbt.test.`, RRType.A, { id: 0, dnssecOk: true }))).subarray(2));
      const burst = 600;
      const replies = new Map<number, Buffer>();
      const done = new Promise<void>((resolve) => {
        socket.on('message', (msg) => {
          replies.set(msg.readUInt16BE(0), msg);
          if (replies.size === burst) resolve();
        });
      });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      // Sent without waiting, so many queries are read while earlier replies may still be in flight.
      for (let id = 1; id <= burst; id++) socket.send(buildQuery(`${names[id % 3]}.dcbt.test.`, RRType.A, { id, dnssecOk: true }), server.udpPort, '127.0.0.1');
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5000))]);
      assert.ok(replies.size >= burst * 0.95, `most of the burst is answered (${replies.size} of ${burst}; UDP may drop a few)`);
      for (const [id, reply] of replies) assert.deepEqual(reply.subarray(2), expected.get(names[id % 3]!), `reply ${id} is the answer for ${names[id % 3]}, byte for byte`);
      assert.ok(server.stats.answerCacheHits >= replies.size);
    } finally {
      socket.close();
      await server.close();
    }
  });
});
