/**
 * The first user's five minutes, with the real binary: start a devnet, make a wallet, register a
 * name, read it back, prove it, tamper with the proof, kill -9 the node, restart, find it all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDcbt, startDcbt, stop } from '../support/processes.ts';

interface Ready {
  event: string;
  rpc: string;
  apex: string;
  hub: string;
}

test('start → wallet → register → show → proof → tamper → kill -9 → restart → still there', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'dcbt-e2e-'));
  const start = () => startDcbt<Ready>(['start', '--rpc-port', '0', '--dns-port', '0', '--hub-port', '0'], { cwd });
  let node = await start();
  try {
    assert.equal(node.ready.event, 'ready');
    assert.equal(node.ready.apex, 'dcbt.test.');
    const rpc = ['--rpc', node.ready.rpc];
    // The hub runs beside the node and serves the glossary.
    const glossary = await fetch(`${node.ready.hub}/en/learn/glossary`);
    assert.equal(glossary.status, 200);
    assert.match(await glossary.text(), /<html lang="en"/);

    const wallet = await runDcbt(['wallet', 'new', '--json'], { cwd });
    assert.equal(wallet.code, 0, wallet.stderr);
    const { publicKey } = JSON.parse(wallet.stdout) as { publicKey: string };
    assert.match(publicKey, /^[0-9a-f]{64}$/);
    assert.equal((await stat(join(cwd, '.dcbt', 'wallet.json'))).mode & 0o777, 0o600);
    const again = await runDcbt(['wallet', 'new'], { cwd });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /WALLET_EXISTS/);

    const reg = await runDcbt(['name', 'register', 'alice', '--a', '192.0.2.1', ...rpc], { cwd });
    assert.equal(reg.code, 0, reg.stderr);
    assert.match(reg.stderr, /\[1\/2\] committing/);
    assert.match(reg.stderr, /\[2\/2\] registering/);

    const show = await runDcbt(['name', 'show', 'alice', '--json', ...rpc], { cwd });
    assert.equal(show.code, 0, show.stderr);
    const name = JSON.parse(show.stdout);
    assert.equal(name.fqdn, 'alice.dcbt.test.');
    assert.equal(name.owner, publicKey);
    assert.equal(name.status, 'active');
    assert.deepEqual(name.records, [{ host: '', type: 'A', value: '192.0.2.1' }]);

    const taken = await runDcbt(['name', 'register', 'alice', '--a', '192.0.2.9', ...rpc], { cwd });
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /NAME_TAKEN|already registered/);

    const proofFile = join(cwd, 'alice.proof.json');
    const proof = await runDcbt(['name', 'proof', 'alice', '--out', proofFile, ...rpc], { cwd });
    assert.equal(proof.code, 0, proof.stderr);
    const verified = await runDcbt(['proof', 'verify', proofFile, '--json', ...rpc], { cwd });
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).exists, true);

    // One changed byte in the proved value, the state proof, or the header: rejected.
    const bundle = JSON.parse(await readFile(proofFile, 'utf8'));
    for (const field of ['value', 'proof', 'header', 'commit']) {
      const tampered = { ...bundle };
      const hex: string = bundle[field];
      const at = Math.floor(hex.length / 2) & ~1;
      tampered[field] = hex.slice(0, at) + ((parseInt(hex.slice(at, at + 2), 16) ^ 1).toString(16).padStart(2, '0')) + hex.slice(at + 2);
      const file = join(cwd, `tampered-${field}.json`);
      await writeFile(file, JSON.stringify(tampered));
      const r = await runDcbt(['proof', 'verify', file, ...rpc], { cwd });
      assert.notEqual(r.code, 0, `a change in ${field} was accepted`);
      assert.match(r.stderr, /PROOF_REJECTED/);
    }
    const absent = await runDcbt(['name', 'proof', 'nobody', ...rpc], { cwd });
    const absentCheck = await runDcbt(['proof', 'verify', '-', '--json', ...rpc], { cwd, input: absent.stdout });
    assert.equal(absentCheck.code, 0, absentCheck.stderr);
    assert.equal(JSON.parse(absentCheck.stdout).exists, false);

    assert.equal(await stop(node.child, 'SIGKILL'), null);
    node = await start();
    const after = await runDcbt(['name', 'show', 'alice', '--json', '--rpc', node.ready.rpc], { cwd });
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(JSON.parse(after.stdout).records, name.records);
    const upd = await runDcbt(['name', 'update', 'alice', '--a', '192.0.2.2', '--record', 'www CNAME alice.dcbt.test.', '--json', '--rpc', node.ready.rpc], { cwd });
    assert.equal(upd.code, 0, upd.stderr);
    assert.deepEqual(JSON.parse(upd.stdout).records.map((r: { type: string }) => r.type).sort(), ['A', 'CNAME']);
  } finally {
    await stop(node.child);
    await rm(cwd, { recursive: true, force: true });
  }
});

test('every command has --help, and errors are clear with a non-zero exit', async () => {
  for (const args of [[], ['start'], ['hub'], ['wallet', 'new'], ['wallet', 'show'], ['name', 'register'], ['name', 'update'], ['name', 'transfer'], ['name', 'renew'], ['name', 'show'], ['name', 'proof'], ['name', 'history'], ['proof', 'verify'], ['status'], ['dns', 'ds'], ['dns', 'export'], ['dns', 'sign-keyset']]) {
    const r = await runDcbt([...args, '--help']);
    assert.equal(r.code, 0, `dcbt ${args.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, /Usage: dcbt/);
  }
  const down = await runDcbt(['status', '--rpc', 'http://127.0.0.1:9']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /RPC_UNREACHABLE.*dcbt start/);
});
