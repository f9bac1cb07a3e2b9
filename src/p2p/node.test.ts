/**
 * Real libp2p nodes on 127.0.0.1 (port 0): gossip on every topic across three nodes, banning a
 * peer that sends invalid messages, and redialling a bootstrap peer that restarts. Sync over the
 * network is in sync.test.ts.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSecret } from '../chain/crypto.ts';
import { utf8 } from '../chain/hash.ts';
import type { Bytes } from '../chain/types.ts';
import { P2PConfigError, P2PMessageTooLargeError } from './errors.ts';
import { peerIdOfNodeKey } from './identity.ts';
import { createP2PNode, type MessageVerdict, type P2PEvent, type P2PNode, type P2PNodeOptions } from './node.ts';
import { FAST_TEST_LIMITS, TestNodes, testSecret } from './testing.ts';
import { TOPIC_KINDS, TOPIC_MESSAGE_SIZE_BYTES_MAX, type TopicKind } from './topics.ts';

const CHAIN_ID = 'dcbt-p2p-test';
const nodes = new TestNodes(CHAIN_ID, 'node');
afterEach(() => nodes.stopAll());
const startNode = (options: Partial<P2PNodeOptions> = {}): Promise<P2PNode> => nodes.start(options);

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function recordEvents(node: P2PNode): P2PEvent[] {
  const events: P2PEvent[] = [];
  node.on((e) => events.push(e));
  return events;
}

describe('identity and options', () => {
  test('the peer id is derived from the node key', async () => {
    const secret = testSecret('identity', 0);
    const node = await createP2PNode({ chainId: CHAIN_ID, privateKey: secret });
    assert.equal(node.peerId, peerIdOfNodeKey(keyPairFromSecret(secret).publicKey));
    assert.match(node.peerId, /^12D3KooW/);
  });

  test('bad options are refused with every problem named', async () => {
    await assert.rejects(
      createP2PNode({ chainId: 'Bad Chain', privateKey: new Uint8Array(31), bootstrap: ['not-a-multiaddr'], limits: { connectionsMax: -1 } }),
      (error: unknown) => {
        assert.ok(error instanceof P2PConfigError);
        assert.equal(error.details.issues.length, 4, error.message);
        return true;
      },
    );
    await assert.rejects(createP2PNode({ chainId: CHAIN_ID, privateKey: testSecret('x', 0), limits: { bootstrapRetryMinMs: 10, bootstrapRetryMaxMs: 5 } }), P2PConfigError);
  });
});

describe('gossip', () => {
  test('three nodes: a message on each topic reaches the other two, via the bootstrap node', { timeout: 20_000 }, async () => {
    const a = await startNode();
    const bootstrap = [a.multiaddrs()[0]!];
    const b = await startNode({ bootstrap });
    const c = await startNode({ bootstrap });
    const nodes = [a, b, c];
    const received = new Map<P2PNode, { kind: TopicKind; data: string; from: string }[]>(nodes.map((n) => [n, []]));
    for (const n of nodes) {
      for (const kind of TOPIC_KINDS) {
        n.subscribe(kind, (data, from) => {
          received.get(n)!.push({ kind, data: Buffer.from(data).toString(), from });
          return 'accept';
        });
      }
    }
    await waitFor('b and c connected to a', () => a.peers().length === 2 && b.peers().includes(a.peerId) && c.peers().includes(a.peerId));
    await waitFor('subscriptions known', () => TOPIC_KINDS.every((k) => a.topicPeers(k).length === 2 && b.topicPeers(k).length === 1 && c.topicPeers(k).length === 1));
    // a relays b's messages only to the peers in its mesh, which c joins at a's next heartbeat.
    await waitFor('c in the mesh of a', () => TOPIC_KINDS.every((k) => a.meshPeers(k).includes(c.peerId)));
    assert.equal(b.peers().includes(c.peerId), false, 'b and c only meet through a');

    for (const kind of TOPIC_KINDS) {
      assert.equal(await b.publish(kind, utf8(`${kind} from b`)), 1);
    }
    await waitFor('every message at a and c', () => [a, c].every((n) => received.get(n)!.length === TOPIC_KINDS.length)).catch((error: Error) => {
      throw new Error(`${error.message}: a got ${JSON.stringify(received.get(a))}, c got ${JSON.stringify(received.get(c))}`, { cause: error });
    });
    for (const kind of TOPIC_KINDS) {
      assert.deepEqual(received.get(a)!.find((m) => m.kind === kind), { kind, data: `${kind} from b`, from: b.peerId });
      // c got it from a, which forwarded it after its handler accepted it.
      assert.deepEqual(received.get(c)!.find((m) => m.kind === kind), { kind, data: `${kind} from b`, from: a.peerId });
    }
    assert.equal(received.get(b)!.length, 0, 'a node does not receive its own messages');
    for (const kind of TOPIC_KINDS) {
      const size = `${kind} from b`.length;
      assert.deepEqual(b.gossipCounters()[kind], { received: 0, receivedBytes: 0, published: 1, publishedBytes: size });
      // a forwarded b's message to c: forwarding is not a publish, so a and c each count one received.
      for (const n of [a, c]) assert.deepEqual(n.gossipCounters()[kind], { received: 1, receivedBytes: size, published: 0, publishedBytes: 0 });
    }

    // A proposal of the largest size the topic allows crosses both hops; one byte more is refused.
    const proposal = new Uint8Array(TOPIC_MESSAGE_SIZE_BYTES_MAX.proposal).fill(7);
    await assert.rejects(c.publish('proposal', new Uint8Array(proposal.length + 1)), P2PMessageTooLargeError);
    assert.equal(await c.publish('proposal', proposal), 1);
    await waitFor('large proposal at b', () => received.get(b)!.some((m) => m.kind === 'proposal'), 10_000);
    assert.equal(received.get(b)!.find((m) => m.kind === 'proposal')!.data.length, proposal.length);
  });

  test('ignored messages are not forwarded and cost the sender nothing; subscribe before start works', { timeout: 20_000 }, async () => {
    const a = await createP2PNode({ chainId: CHAIN_ID, privateKey: nodes.nextSecret(), limits: FAST_TEST_LIMITS });
    const seenByA: string[] = [];
    a.subscribe('vote', (data) => {
      seenByA.push(Buffer.from(data).toString());
      return Buffer.from(data).toString().startsWith('stale') ? 'ignore' : 'accept';
    });
    await a.start();
    nodes.defer(() => a.stop());
    const b = await startNode({ bootstrap: a.multiaddrs() });
    const c = await startNode({ bootstrap: a.multiaddrs() });
    const seenByC: string[] = [];
    c.subscribe('vote', (data) => {
      seenByC.push(Buffer.from(data).toString());
      return 'accept';
    });
    b.subscribe('vote', () => 'accept');
    await waitFor('topic meshes', () => a.topicPeers('vote').length === 2 && b.topicPeers('vote').length === 1 && c.topicPeers('vote').length === 1 && a.meshPeers('vote').includes(c.peerId));
    for (let i = 0; i < 20; i++) await b.publish('vote', utf8(`stale ${i}`));
    await b.publish('vote', utf8('fresh'));
    await waitFor('fresh vote at c', () => seenByC.includes('fresh'));
    assert.equal(seenByA.length, 21);
    assert.deepEqual(seenByC, ['fresh']);
    assert.equal(a.isBanned(b.peerId), false);
    assert.ok(a.peers().includes(b.peerId));
  });

  test('publish refuses a payload over the topic limit', async () => {
    const a = await startNode();
    await assert.rejects(a.publish('vote', new Uint8Array(TOPIC_MESSAGE_SIZE_BYTES_MAX.vote + 1)), P2PMessageTooLargeError);
    assert.equal(await a.publish('vote', new Uint8Array(10)), 0, 'no subscriber is not an error');
  });
});

describe('peer penalties', () => {
  test('a peer sending invalid messages is disconnected, refused while banned, and let back in after', { timeout: 20_000 }, async () => {
    const banMs = 1500;
    const a = await startNode({ limits: { invalidMessagesMax: 3, banDurationMs: banMs } });
    const events = recordEvents(a);
    const accepted: string[] = [];
    const handler = (data: Bytes): MessageVerdict => {
      const text = Buffer.from(data).toString();
      if (text.startsWith('bad')) return 'reject';
      accepted.push(text);
      return 'accept';
    };
    a.subscribe('tx', handler);
    const good = await startNode({ bootstrap: a.multiaddrs() });
    const bad = await startNode({ bootstrap: a.multiaddrs() });
    good.subscribe('tx', () => 'accept');
    bad.subscribe('tx', () => 'accept');
    await waitFor('both peers on the topic', () => a.topicPeers('tx').length === 2 && bad.topicPeers('tx').includes(a.peerId));

    await bad.publish('tx', utf8('ok from bad'));
    await waitFor('valid message accepted', () => accepted.includes('ok from bad'));
    for (let i = 0; i < 3; i++) await bad.publish('tx', utf8(`bad ${i}`));
    await waitFor('bad peer banned and disconnected', () => a.isBanned(bad.peerId) && !a.peers().includes(bad.peerId));
    const bannedAt = Date.now();
    assert.deepEqual(
      events.filter((e) => e.type === 'peer:penalised' || e.type === 'peer:banned').map((e) => [e.type, e.peer]),
      [['peer:penalised', bad.peerId], ['peer:penalised', bad.peerId], ['peer:banned', bad.peerId]],
    );
    assert.ok(a.peers().includes(good.peerId), 'the well-behaved peer stays connected');

    // bad's bootstrapper keeps redialling; a refuses it until the ban ends.
    await new Promise((resolve) => setTimeout(resolve, 600));
    if (Date.now() - bannedAt < banMs) assert.equal(a.peers().includes(bad.peerId), false, 'no reconnection during the ban');
    assert.ok(bad.bootstrapStatus()[0]!.failures > 0, 'redials were refused');
    await waitFor('reconnection after the ban', () => a.peers().includes(bad.peerId), banMs + 3000);
    assert.ok(Date.now() - bannedAt >= banMs - 50);
    assert.equal(a.isBanned(bad.peerId), false);
  });

  test('reportInvalid and ban from the node count the same way', { timeout: 10_000 }, async () => {
    const a = await startNode({ limits: { invalidMessagesMax: 2 } });
    const b = await startNode({ bootstrap: a.multiaddrs() });
    await waitFor('connected', () => a.peers().includes(b.peerId));
    a.reportInvalid(b.peerId, 'late signature failure');
    assert.equal(a.isBanned(b.peerId), false);
    a.reportInvalid(b.peerId, 'late signature failure');
    assert.equal(a.isBanned(b.peerId), true);
    await waitFor('disconnected', () => !a.peers().includes(b.peerId));
    const c = await startNode({ bootstrap: a.multiaddrs() });
    await waitFor('c connected', () => a.peers().includes(c.peerId));
    a.ban(c.peerId, 'equivocation', 60_000);
    await waitFor('c disconnected', () => !a.peers().includes(c.peerId));
  });
});

describe('connections', () => {
  test('a restarted bootstrap peer is reconnected, and gossip flows again', { timeout: 20_000 }, async () => {
    const secret = testSecret('restart', 0);
    const a1 = await startNode({ privateKey: secret });
    const address = a1.multiaddrs()[0]!;
    const port = Number(/\/tcp\/(\d+)\//.exec(address)![1]);
    const b = await startNode({ bootstrap: [address] });
    const events = recordEvents(b);
    const got: string[] = [];
    b.subscribe('proposal', (data) => {
      got.push(Buffer.from(data).toString());
      return 'accept';
    });
    await waitFor('b connected to a', () => b.peers().includes(a1.peerId));

    await a1.stop();
    await waitFor('b sees a go', () => !b.peers().includes(a1.peerId));
    // Down for a while: b's redials fail and back off.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.ok(b.bootstrapStatus()[0]!.failures > 0);

    const a2 = await startNode({ privateKey: secret, listen: { host: '127.0.0.1', port } });
    assert.equal(a2.peerId, a1.peerId);
    await waitFor('b reconnected to the restarted a', () => b.peers().includes(a2.peerId), 5000);
    assert.ok(events.some((e) => e.type === 'peer:disconnect' && e.peer === a1.peerId));
    assert.ok(events.some((e) => e.type === 'peer:connect' && e.peer === a2.peerId));
    a2.subscribe('proposal', () => 'accept');
    await waitFor('a2 knows b is on the topic', () => a2.topicPeers('proposal').includes(b.peerId));
    await a2.publish('proposal', utf8('after restart'));
    await waitFor('gossip after reconnection', () => got.includes('after restart'));
  });

  test('no more than connectionsMax connections are kept', { timeout: 20_000 }, async () => {
    const hub = await startNode({ limits: { connectionsMax: 2 } });
    const others: P2PNode[] = [];
    for (let i = 0; i < 4; i++) others.push(await startNode());
    const dials = await Promise.allSettled(others.map((o) => o.dial(hub.multiaddrs()[0]!)));
    assert.ok(dials.some((d) => d.status === 'fulfilled'));
    await waitFor('hub at its maximum', () => hub.peers().length <= 2, 8000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(hub.peers().length <= 2, `hub has ${hub.peers().length} peers`);
  });
});
