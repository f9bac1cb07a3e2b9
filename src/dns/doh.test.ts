/**
 * DNS over HTTPS: the plugin through Fastify's inject(), then over real sockets: curl (POST and
 * GET, plain HTTP/1.1 as on the node's RPC server) with the answer decoded by dns-packet, and
 * kdig +https (HTTP/2 over TLS with a throwaway self-signed certificate).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { DnsEnv } from './chain.ts';
import { decodeDnsParam, dohContentType, minTtlSeconds, registerDoh } from './doh.ts';
import type { DohStats } from './doh.ts';
import { BIG_TXT, fixtureApex, fixtureKeys, fixtureView } from './fixtures.ts';
import { buildQuery, readReply } from './querykit.ts';
import { RRType } from './rdata.ts';
import { createDnsEnv } from './server.ts';
import { parseDigOutput, requireTool, run } from './testkit.ts';
import { Rcode } from './wire.ts';

const keys = fixtureKeys();
const env: DnsEnv = createDnsEnv({ view: () => fixtureView(), apex: fixtureApex(), keys });
const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

async function appWithDoh(e: DnsEnv = env): Promise<{ app: FastifyInstance; stats: DohStats }> {
  const app = Fastify({ logger: false });
  app.post('/v1/echo', async (req) => ({ got: req.body }));
  const stats = await registerDoh(app, e);
  await app.ready();
  return { app, stats };
}

describe('DoH through inject()', () => {
  let app: FastifyInstance;
  let stats: DohStats;
  before(async () => ({ app, stats } = await appWithDoh()));
  after(() => app.close());

  test('GET ?dns=<base64url>: 200, application/dns-message, max-age = the answer TTL', async () => {
    const res = await app.inject({ method: 'GET', url: `/dns-query?dns=${b64url(buildQuery('alice.dcbt.test.', RRType.A, { id: 0, dnssecOk: true }))}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], dohContentType);
    assert.equal(res.headers['cache-control'], 'max-age=300');
    const reply = readReply(new Uint8Array(res.rawPayload));
    assert.equal(reply.rcode, Rcode.NOERROR);
    assert.deepEqual(reply.answers.map((r) => r.type), [RRType.A, RRType.A, RRType.RRSIG]);
  });

  test('POST application/dns-message', async () => {
    const res = await app.inject({ method: 'POST', url: '/dns-query', headers: { 'content-type': dohContentType }, payload: Buffer.from(buildQuery('alice.dcbt.test.', RRType.AAAA, { id: 7 })) });
    assert.equal(res.statusCode, 200);
    const reply = readReply(new Uint8Array(res.rawPayload));
    assert.equal(reply.id, 7);
    assert.equal(reply.answers[0]!.type, RRType.AAAA);
  });

  test('negative answers: max-age is the negative TTL; DNS errors are HTTP 200 with max-age=0', async () => {
    const nx = await app.inject({ method: 'GET', url: `/dns-query?dns=${b64url(buildQuery('nobody.dcbt.test.', RRType.A, { dnssecOk: true }))}` });
    assert.equal(nx.statusCode, 200);
    assert.equal(readReply(new Uint8Array(nx.rawPayload)).rcode, Rcode.NXDOMAIN);
    assert.equal(nx.headers['cache-control'], 'max-age=120', 'min(SOA TTL 3600, SOA minimum 120)');
    const refused = await app.inject({ method: 'GET', url: `/dns-query?dns=${b64url(buildQuery('example.org.', RRType.A))}` });
    assert.equal(refused.statusCode, 200);
    assert.equal(readReply(new Uint8Array(refused.rawPayload)).rcode, Rcode.REFUSED);
    assert.equal(refused.headers['cache-control'], 'max-age=0');
    const formerr = await app.inject({ method: 'POST', url: '/dns-query', headers: { 'content-type': dohContentType }, payload: Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 1]) });
    assert.equal(formerr.statusCode, 200);
    assert.equal(readReply(new Uint8Array(formerr.rawPayload)).rcode, Rcode.FORMERR);
  });

  test('no truncation: a 900-byte answer to a query without EDNS comes whole', async () => {
    const res = await app.inject({ method: 'GET', url: `/dns-query?dns=${b64url(buildQuery('big.alice.dcbt.test.', RRType.TXT))}` });
    const reply = readReply(new Uint8Array(res.rawPayload));
    assert.equal(reply.tc, false);
    assert.ok(res.rawPayload.length > 512);
    assert.equal(reply.answers.length, 1);
    assert.ok(BIG_TXT.every((s) => Buffer.from(reply.answers[0]!.rdata).toString('latin1').includes(s)));
  });

  test('padding in the dns parameter is tolerated', async () => {
    const q = buildQuery('bob.dcbt.test.', RRType.A);
    const padded = Buffer.from(q).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
    assert.ok(padded.endsWith('='), 'this query needs padding');
    assert.equal((await app.inject({ method: 'GET', url: `/dns-query?dns=${padded}` })).statusCode, 200);
  });

  test('400 for a missing, empty, non-base64url or non-query dns parameter', async () => {
    const response = buildQuery('alice.dcbt.test.', RRType.A);
    response[2]! |= 0x80;
    for (const url of ['/dns-query', '/dns-query?dns=', '/dns-query?dns=a+b/c', '/dns-query?dns=AAAAA', `/dns-query?dns=${b64url(new Uint8Array(5))}`, `/dns-query?dns=${b64url(response)}`, '/dns-query?dns=AAAA&dns=AAAA']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, url);
      assert.match(res.headers['content-type'] as string, /^text\/plain/);
    }
  });

  test('415 for any other content type; 400 for an empty body', async () => {
    const query = Buffer.from(buildQuery('alice.dcbt.test.', RRType.A));
    for (const type of ['application/json', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded']) {
      const res = await app.inject({ method: 'POST', url: '/dns-query', headers: { 'content-type': type }, payload: query });
      assert.equal(res.statusCode, 415, type);
    }
    const none = await app.inject({ method: 'POST', url: '/dns-query', payload: query });
    assert.equal(none.statusCode, 415, 'no content type');
    const empty = await app.inject({ method: 'POST', url: '/dns-query', headers: { 'content-type': dohContentType }, payload: Buffer.alloc(0) });
    assert.equal(empty.statusCode, 400);
  });

  test('the rest of the app is untouched (its JSON parser still works)', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/echo', payload: { hello: 1 } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { got: { hello: 1 } });
  });

  test('counters', () => {
    assert.ok(stats.answered >= 6);
    assert.ok(stats.rejected >= 12);
  });
});

describe('DoH size limit', () => {
  test('413 for a POST body, 414 for a GET parameter over dohBodyBytesMax', async () => {
    const small = createDnsEnv({ view: () => fixtureView(), apex: fixtureApex(), keys, limits: { dohBodyBytesMax: 64 } });
    const { app } = await appWithDoh(small);
    try {
      const big = new Uint8Array(65).fill(0);
      const post = await app.inject({ method: 'POST', url: '/dns-query', headers: { 'content-type': dohContentType }, payload: Buffer.from(big) });
      assert.equal(post.statusCode, 413);
      assert.equal((await app.inject({ method: 'GET', url: `/dns-query?dns=${b64url(big)}` })).statusCode, 414);
      assert.equal((await app.inject({ method: 'GET', url: `/dns-query?dns=${b64url(buildQuery('alice.dcbt.test.', RRType.A))}` })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  test('decodeDnsParam and minTtlSeconds', () => {
    assert.deepEqual(decodeDnsParam('AAEC', 10), new Uint8Array([0, 1, 2]));
    assert.equal((decodeDnsParam(['AAEC'], 10) as { status: number }).status, 400);
    assert.equal((decodeDnsParam('A'.repeat(100), 10) as { status: number }).status, 414);
    assert.equal(minTtlSeconds(new Uint8Array(3)), undefined);
    assert.equal(minTtlSeconds(buildQuery('alice.dcbt.test.', RRType.A, { dnssecOk: true })), undefined, 'OPT only');
  });
});

describe('DoH over real sockets', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dcbt-doh-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('curl POST and GET against a listening Fastify (HTTP/1.1), answers decoded by dns-packet', async () => {
    const curl = requireTool('curl');
    const { app } = await appWithDoh();
    try {
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const queryFile = join(dir, 'query.bin');
      writeFileSync(queryFile, buildQuery('alice.dcbt.test.', RRType.A, { id: 0, dnssecOk: true }));
      const answerFile = join(dir, 'answer.bin');
      const post = await run(curl, ['-sS', '--max-time', '10', '-D', '-', '-o', answerFile, '-H', `content-type: ${dohContentType}`, '-H', `accept: ${dohContentType}`, '--data-binary', `@${queryFile}`, `${address}/dns-query`]);
      assert.equal(post.code, 0, post.stderr);
      assert.match(post.stdout, /^HTTP\/1\.1 200/);
      assert.match(post.stdout, /content-type: application\/dns-message/i);
      assert.match(post.stdout, /cache-control: max-age=300/i);
      const decoded = dnsPacket.decode(readFileSync(answerFile));
      assert.equal(readReply(new Uint8Array(readFileSync(answerFile))).rcode, Rcode.NOERROR);
      assert.deepEqual((decoded.answers ?? []).map((a) => a.type), ['A', 'A', 'RRSIG']);
      assert.deepEqual((decoded.answers ?? []).filter((a) => a.type === 'A').map((a) => (a as { data: string }).data).sort(), ['192.0.2.1', '192.0.2.2']);

      const getFile = join(dir, 'get.bin');
      const get = await run(curl, ['-sS', '--max-time', '10', '-o', getFile, '-w', '%{http_code}', `${address}/dns-query?dns=${b64url(buildQuery('nobody.dcbt.test.', RRType.A, { id: 0 }))}`]);
      assert.equal(get.stdout, '200', get.stderr);
      assert.equal(dnsPacket.decode(readFileSync(getFile)).questions?.[0]?.name, 'nobody.dcbt.test');
      assert.equal(readReply(new Uint8Array(readFileSync(getFile))).rcode, Rcode.NXDOMAIN);

      const wrong = await run(curl, ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'content-type: application/json', '--data-binary', `@${queryFile}`, `${address}/dns-query`]);
      assert.equal(wrong.stdout, '415');
    } finally {
      await app.close();
    }
  });

  test('kdig +https (HTTP/2 over TLS, POST and GET)', async () => {
    const kdig = requireTool('kdig');
    const openssl = requireTool('openssl');
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const gen = await run(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost']);
    assert.equal(gen.code, 0, gen.stderr);
    const app = Fastify({ logger: false, http2: true, https: { key: readFileSync(keyFile), cert: readFileSync(certFile), allowHTTP1: true } });
    await registerDoh(app, env);
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      for (const [method, seen] of [['+https', 'HTTP/2-POST'], ['+https-get', 'HTTP/2-GET']] as const) {
        const r = await run(kdig, ['@127.0.0.1', '-p', String(port), method, '+timeout=5', '+retry=0', '+dnssec', 'alice.dcbt.test', 'A']);
        const parsed = parseDigOutput(r.stdout);
        assert.equal(parsed.status, 'NOERROR', `${method}:\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, new RegExp(`HTTP session \\(${seen}\\)-\\(127\\.0\\.0\\.1/dns-query\\)-\\(status: 200\\)`), 'kdig spoke DoH');
        assert.deepEqual(parsed.answer.map((l) => l.split(' ')[3]).sort(), ['A', 'A', 'RRSIG']);
      }
    } finally {
      await app.close();
    }
  });
});
