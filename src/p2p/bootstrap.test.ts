import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Bootstrapper, peerIdOfAddress, retryDelayMs, type BootstrapperDeps } from './bootstrap.ts';

test('bootstrap retry delays double from the minimum up to the cap, with 50–100 % jitter', () => {
  assert.equal(retryDelayMs(1, 250, 30_000, 1), 250);
  assert.equal(retryDelayMs(2, 250, 30_000, 1), 500);
  assert.equal(retryDelayMs(5, 250, 30_000, 1), 4000);
  assert.equal(retryDelayMs(20, 250, 30_000, 1), 30_000);
  assert.equal(retryDelayMs(1000, 250, 30_000, 1), 30_000);
  assert.equal(retryDelayMs(3, 250, 30_000, 0), 500);
  assert.equal(retryDelayMs(0, 250, 30_000, 1), 250);
});

test('the peer id of a bootstrap address', () => {
  assert.equal(peerIdOfAddress('/ip4/127.0.0.1/tcp/7000/p2p/12D3KooWabc'), '12D3KooWabc');
  assert.equal(peerIdOfAddress('/ip4/127.0.0.1/tcp/7000'), undefined);
});

describe('Bootstrapper', () => {
  const deps = (overrides: Partial<BootstrapperDeps> & Pick<BootstrapperDeps, 'addresses' | 'dial'>): BootstrapperDeps => ({
    selfPeerId: 'SELF',
    selfAddresses: () => ['/ip4/127.0.0.1/tcp/9'],
    isConnected: () => false,
    bannedUntilMs: () => undefined,
    now: Date.now,
    random: () => 1,
    retryMinMs: 5,
    retryMaxMs: 20,
    stableConnectionMs: 10_000,
    ...overrides,
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test('skips its own entry in a shared bootstrap list and retries failed dials', async () => {
    const dialled: string[] = [];
    let failuresLeft = 3;
    const b = new Bootstrapper(deps({
      addresses: ['/ip4/127.0.0.1/tcp/1/p2p/SELF', '/ip4/127.0.0.1/tcp/9', '/ip4/127.0.0.1/tcp/2/p2p/OTHER'],
      dial: async (address) => {
        dialled.push(address);
        if (failuresLeft-- > 0) throw new Error('refused');
        return 'OTHER';
      },
    }));
    b.start();
    await sleep(150);
    b.stop();
    assert.deepEqual(new Set(dialled), new Set(['/ip4/127.0.0.1/tcp/2/p2p/OTHER']));
    assert.equal(dialled.length, 4, 'three failures, then success, then no more dials');
    assert.equal(b.status()[2]!.peer, 'OTHER');
  });

  test('a connection that drops at once counts as a failure; one that lasted resets the count', async () => {
    let clock = 0;
    const b = new Bootstrapper(deps({ addresses: ['/ip4/127.0.0.1/tcp/2/p2p/P'], dial: async () => 'P', now: () => clock }));
    b.start();
    await sleep(30);
    b.peerDisconnected('P');
    assert.equal(b.status()[0]!.failures, 1);
    await sleep(30);
    b.peerDisconnected('P');
    assert.equal(b.status()[0]!.failures, 2);
    await sleep(30);
    clock += 20_000;
    b.peerDisconnected('P');
    assert.equal(b.status()[0]!.failures, 0);
    b.stop();
  });
});
