import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedWindowLimiter } from './limiter.ts';

test('a window allows max hits per key, then refuses with the seconds left', () => {
  let now = 1_000_000;
  const limiter = new FixedWindowLimiter({ max: 3, windowMs: 60_000 }, { now: () => now });
  for (let i = 0; i < 3; i++) assert.equal(limiter.hit('a').allowed, true);
  assert.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 60 });
  assert.equal(limiter.hit('b').allowed, true, 'keys are counted apart');
  now += 45_500;
  assert.deepEqual(limiter.hit('a'), { allowed: false, retryAfterSeconds: 15 });
  now += 14_500;
  assert.equal(limiter.hit('a').allowed, true, 'a new window starts');
});

test('the number of keys is bounded; the oldest windows go first', () => {
  const limiter = new FixedWindowLimiter({ max: 1, windowMs: 60_000 }, { keysMax: 3, now: () => 0 });
  for (const key of ['a', 'b', 'c', 'd']) limiter.hit(key);
  assert.equal(limiter.size, 3);
  assert.equal(limiter.hit('d').allowed, false, 'd is still counted');
  assert.equal(limiter.hit('a').allowed, true, 'a was evicted');
});
