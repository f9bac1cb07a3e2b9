import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsEventLogger } from './dns-service.ts';

test('dnsEventLogger: a dead UDP worker is a warning, a failed restart an error saying UDP is down, a recovery info', () => {
  const lines: { level: string; details: object; message: string }[] = [];
  const record = (level: string) => (details: object, message: string) => void lines.push({ level, details, message });
  const onEvent = dnsEventLogger({ info: record('info'), warn: record('warn'), error: record('error') });
  onEvent({ type: 'udp-worker-exited', index: 0, exitCode: 1 });
  onEvent({ type: 'udp-worker-restart-failed', index: 0, attempt: 1, retryInMs: 200, message: 'cannot bind UDP 127.0.0.1:53: EADDRINUSE' });
  onEvent({ type: 'udp-worker-restarted', index: 0, attempts: 2 });
  assert.deepEqual(lines.map((l) => l.level), ['warn', 'error', 'info']);
  assert.deepEqual(lines[1]!.details, { worker: 0, attempt: 1, retryInMs: 200, reason: 'cannot bind UDP 127.0.0.1:53: EADDRINUSE' });
  assert.match(lines[1]!.message, /UDP on this port is down/);
  assert.deepEqual(lines[2]!.details, { worker: 0, attempts: 2 });
});
