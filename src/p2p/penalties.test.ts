import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerPenalties } from './penalties.ts';

const policy = { invalidMessagesMax: 3, invalidWindowMs: 1000, banDurationMs: 5000, penaltyPeersTrackedMax: 4 };

test('a peer is banned on reaching the threshold within one window, for the ban duration', () => {
  const p = new PeerPenalties(policy);
  assert.equal(p.recordInvalid('a', 0), 'counted');
  assert.equal(p.recordInvalid('a', 10), 'counted');
  assert.equal(p.invalidCount('a', 10), 2);
  assert.equal(p.isBanned('a', 10), false);
  assert.equal(p.recordInvalid('a', 20), 'banned');
  assert.equal(p.isBanned('a', 20), true);
  assert.equal(p.bannedUntilMs('a', 20), 5020);
  assert.equal(p.recordInvalid('a', 30), 'already-banned');
  assert.deepEqual(p.bannedPeers(4000), ['a']);
  assert.equal(p.isBanned('a', 5019), true);
  assert.equal(p.isBanned('a', 5020), false);
  assert.equal(p.invalidCount('a', 5020), 0, 'a served ban starts the peer afresh');
});

test('invalid messages spread over more than a window do not add up', () => {
  const p = new PeerPenalties(policy);
  for (let t = 0; t < 10_000; t += 600) assert.notEqual(p.recordInvalid('slow', t), 'banned');
  assert.equal(p.isBanned('slow', 10_000), false);
});

test('peers are counted separately; an explicit ban and unban work at once', () => {
  const p = new PeerPenalties(policy);
  p.recordInvalid('a', 0);
  p.recordInvalid('a', 0);
  p.recordInvalid('b', 0);
  assert.equal(p.recordInvalid('b', 0), 'counted');
  p.ban('c', 0, 100);
  assert.equal(p.isBanned('c', 99), true);
  assert.equal(p.isBanned('c', 100), false);
  p.ban('d', 0);
  p.unban('d');
  assert.equal(p.isBanned('d', 1), false);
});

test('memory stays bounded: the least recently touched peers are forgotten', () => {
  const p = new PeerPenalties(policy);
  for (let i = 0; i < 10; i++) p.recordInvalid(`peer${i}`, 0);
  assert.equal(p.invalidCount('peer0', 0), 0);
  assert.equal(p.invalidCount('peer9', 0), 1);
  for (let i = 0; i < 10; i++) p.ban(`banned${i}`, 0);
  assert.equal(p.bannedPeers(1).length, 4);
});
