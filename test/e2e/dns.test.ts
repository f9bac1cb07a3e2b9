/**
 * The naming chain over real DNS: `dcbt start`, register a name with the CLI, then dig answers it
 * signed, a real Unbound that trusts only the printed KSK trust anchor validates it (AD) and the
 * denial of a missing name, and an update is answered as soon as its block is final.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUnbound } from '../../src/dns/unbound.ts';
import { parseDigOutput, requireTool, run } from '../../src/dns/testkit.ts';
import { buildQuery, readReply, summary } from '../../src/dns/querykit.ts';
import { runDcbt, startDcbt, stop } from '../support/processes.ts';

interface Ready {
  rpc: string;
  apex: string;
  dns: { host: string; port: number; doh: string };
  trustAnchor: string;
  dig: string;
}

async function dig(port: number, name: string, type: string, ...extra: string[]) {
  const r = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(port), name, type, '+dnssec', '+tries=1', '+time=3', ...extra]);
  return parseDigOutput(r.stdout);
}

test('names registered with the CLI resolve over DNS, signed, and validate in Unbound with only the KSK as trust anchor', async () => {
  requireTool('dig');
  requireTool('unbound');
  const cwd = await mkdtemp(join(tmpdir(), 'dcbt-e2e-dns-'));
  const node = await startDcbt<Ready>(['start', '--rpc-port', '0', '--dns-port', '0', '--hub-port', '0'], { cwd });
  let unbound: Awaited<ReturnType<typeof startUnbound>> | undefined;
  try {
    const { rpc, dns, trustAnchor } = node.ready;
    assert.match(node.ready.dig, new RegExp(`-p ${dns.port} alice\\.dcbt\\.test A \\+dnssec`));
    assert.match(trustAnchor, /^trust-anchor: "dcbt\.test\. IN DS \d+ 13 2 [0-9A-F]{64}"$/);
    assert.equal((await runDcbt(['wallet', 'new'], { cwd })).code, 0);
    const reg = await runDcbt(['name', 'register', 'alice', '--a', '192.0.2.1', '--txt', 'hello from the chain', '--rpc', rpc], { cwd });
    assert.equal(reg.code, 0, reg.stderr);

    const direct = await dig(dns.port, 'alice.dcbt.test', 'A', '+norec');
    assert.equal(direct.status, 'NOERROR');
    assert.ok(direct.flags.includes('aa'));
    assert.ok(direct.answer.some((l) => /\sA\s+192\.0\.2\.1$/.test(l)), direct.raw);
    assert.ok(direct.answer.some((l) => /\sRRSIG\s+A 13 /.test(l)), direct.raw);

    // DNS over HTTPS (RFC 8484, GET) on the node's HTTP port gives the same answer.
    const query = buildQuery('alice.dcbt.test.', 1, { edns: 1232, dnssecOk: true });
    const doh = await fetch(`${dns.doh}?dns=${Buffer.from(query).toString('base64url')}`, { headers: { accept: 'application/dns-message' } });
    assert.equal(doh.status, 200);
    assert.equal(doh.headers.get('content-type'), 'application/dns-message');
    const reply = readReply(new Uint8Array(await doh.arrayBuffer()));
    assert.deepEqual(summary(reply.answers), ['alice.dcbt.test. A', 'alice.dcbt.test. RRSIG']);
    assert.deepEqual([...reply.answers[0]!.rdata], [192, 0, 2, 1]);

    // The same anchor `dcbt dns ds` prints.
    const ds = await runDcbt(['dns', 'ds', '--json', '--rpc', rpc], { cwd });
    assert.equal(JSON.parse(ds.stdout).unbound, trustAnchor);

    unbound = await startUnbound({ apex: 'dcbt.test.', stubPort: dns.port, trustAnchor });
    const validated = await dig(unbound.port, 'alice.dcbt.test', 'A');
    assert.equal(validated.status, 'NOERROR', unbound.log());
    assert.ok(validated.flags.includes('ad'), `no AD bit: ${validated.raw}\n${unbound.log()}`);
    const txt = await dig(unbound.port, 'alice.dcbt.test', 'TXT');
    assert.ok(txt.flags.includes('ad') && txt.answer.some((l) => l.includes('"hello from the chain"')), txt.raw);
    const missing = await dig(unbound.port, 'nobody.dcbt.test', 'A');
    assert.equal(missing.status, 'NXDOMAIN');
    assert.ok(missing.flags.includes('ad'), `denial not validated: ${missing.raw}`);

    // An update is answered as soon as its block is final (the CLI returns after finality).
    const upd = await runDcbt(['name', 'update', 'alice', '--a', '192.0.2.2', '--rpc', rpc], { cwd });
    assert.equal(upd.code, 0, upd.stderr);
    const after = await dig(dns.port, 'alice.dcbt.test', 'A', '+norec');
    assert.ok(after.answer.some((l) => /\sA\s+192\.0\.2\.2$/.test(l)), after.raw);

    // The whole zone, fully signed, as a master file that ldns-verify-zone accepts.
    const zoneFile = join(cwd, 'dcbt.test.zone');
    const exported = await runDcbt(['dns', 'export', '--out', zoneFile, '--rpc', rpc], { cwd });
    assert.equal(exported.code, 0, exported.stderr);
    const zone = await readFile(zoneFile, 'utf8');
    assert.match(zone, /^alice\.dcbt\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.2$/m);
    assert.match(zone, /\sNSEC\s/);
    const verified = await run(requireTool('ldns-verify-zone'), [zoneFile]);
    assert.equal(verified.code, 0, `ldns-verify-zone refused the export:\n${verified.stdout}${verified.stderr}`);

    // A secondary on this machine may take the zone by AXFR (the devnet allows loopback).
    const axfr = await run(requireTool('dig'), ['@127.0.0.1', '-p', String(dns.port), 'dcbt.test', 'AXFR', '+tries=1', '+time=5']);
    assert.match(axfr.stdout, /^alice\.dcbt\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.2$/m, axfr.stdout);
    assert.equal((axfr.stdout.match(/\sIN\s+SOA\s/g) ?? []).length, 2, 'AXFR starts and ends with the SOA');
  } finally {
    await unbound?.stop();
    await stop(node.child);
    await rm(cwd, { recursive: true, force: true });
  }
});
