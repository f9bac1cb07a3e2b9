import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../chain/hash.ts';
import type { DcbtError } from '../errors.ts';
import { loadKeyFile } from './devnet.ts';
import { loadNodeDnssecKeys } from './dns-service.ts';
import { ensureTestnet, loadNodeConfig, PORTS_PER_NODE } from './testnet.ts';

const peerAddress = (host: string, port: number, key: { publicKey: Uint8Array }) => `/ip4/${host}/tcp/${port}/p2p/${toHex(key.publicKey).slice(0, 8)}`;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dcbt-testnet-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a 4-validator + 1 full node network: one genesis, own keys per node, distinct ports, a connected bootstrap graph', async () => {
  await withDir(async (dir) => {
    const net = await ensureTestnet(dir, { validators: 4, fullNodes: 1, basePort: 20000, powBits: 4 }, peerAddress);
    assert.equal(net.created, true);
    assert.equal(net.genesis.validators.length, 4);
    assert.equal(net.nodes.length, 5);
    assert.deepEqual(net.nodes.map((n) => n.config.role), ['validator', 'validator', 'validator', 'validator', 'full']);
    const ports = net.nodes.flatMap((n) => [n.config.rpcPort, n.config.dnsPort, n.config.p2pPort]);
    assert.equal(new Set(ports).size, 15, 'no port used twice');
    assert.equal(Math.min(...ports), 20000);
    assert.equal(Math.max(...ports), 20000 + 5 * PORTS_PER_NODE - 1);

    for (const [i, node] of net.nodes.entries()) {
      const key = await loadKeyFile(join(node.dataDir, 'validator.key'));
      if (i < 4) assert.deepEqual(key?.publicKey, net.genesis.validators[i]!.publicKey);
      else assert.equal(key, undefined, 'a full node has no validator key');
      // Each node's own ZSK is authorised by the KSK-signed key set in genesis.
      const dns = await loadNodeDnssecKeys(node.dataDir, net.genesis, Date.now());
      assert.ok(dns);
    }
    assert.equal(net.genesis.dnssec?.keyset.dnskeys.length, 6, 'KSK + five ZSKs');
    assert.equal(net.genesis.nameservers?.length, 5);

    // Every node reaches node0 directly or through the validators it dials; node0 dials the others.
    const reach = new Set<number>([0]);
    for (let changed = true; changed; ) {
      changed = false;
      for (const [i, n] of net.nodes.entries()) {
        const links = n.config.bootstrap.map((a) => net.nodes.findIndex((m) => a.includes(`/tcp/${m.config.p2pPort}/`)));
        for (const j of links) {
          if (reach.has(j) !== reach.has(i)) {
            reach.add(i).add(j);
            changed = true;
          }
        }
      }
    }
    assert.equal(reach.size, 5);

    const again = await ensureTestnet(dir, { validators: 7, fullNodes: 0, basePort: 30000 }, peerAddress);
    assert.equal(again.created, false, 'an existing network is loaded, not replaced');
    assert.deepEqual(again.genesis, net.genesis);
    assert.deepEqual(again.nodes.map((n) => n.config), net.nodes.map((n) => n.config));
  });
});

test('bad sizes and ports are refused with the flag to fix; a damaged node.json names the file and field', async () => {
  await withDir(async (dir) => {
    await assert.rejects(ensureTestnet(dir, { validators: 0, fullNodes: 1, basePort: 20000 }, peerAddress), (e: DcbtError) => e.code === 'BAD_ARGUMENT' && /--validators/.test(e.message));
    await assert.rejects(ensureTestnet(dir, { validators: 4, fullNodes: -1, basePort: 20000 }, peerAddress), /--full-nodes/);
    await assert.rejects(ensureTestnet(dir, { validators: 4, fullNodes: 1, basePort: 65530 }, peerAddress), /--base-port/);
    await ensureTestnet(dir, { validators: 1, fullNodes: 0, basePort: 20000 }, peerAddress);
    const path = join(dir, 'node0', 'node.json');
    const config = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...config, rpcPort: 'eighty' }));
    await assert.rejects(loadNodeConfig(join(dir, 'node0')), (e: DcbtError) => e.code === 'NODE_CONFIG_INVALID' && e.message.includes('rpcPort'));
  });
});
