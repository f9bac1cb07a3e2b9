import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from './server.ts';

test('startHub serves over HTTP with a SQLite file and a private secret under the data dir', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-server-'));
  try {
    const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', logger: false, databaseUrl: '' });
    try {
      const res = await fetch(`${hub.url}/fr/learn`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<html lang="fr" dir="ltr">/);
      const redirect = await fetch(`${hub.url}/`, { redirect: 'manual', headers: { 'accept-language': 'ar' } });
      assert.equal(redirect.headers.get('location'), '/ar');
    } finally {
      await hub.close();
    }
    assert.ok(existsSync(join(dataDir, 'hub.sqlite')));
    assert.equal(statSync(join(dataDir, 'hub-secret')).mode & 0o777, 0o600);
    // A second start reuses the database (migrations already recorded) and the secret; a third
    // on the same port fails cleanly.
    const again = await startHub({ dataDir, port: 0, host: '127.0.0.1', logger: false, databaseUrl: '' });
    try {
      const port = Number(new URL(again.url).port);
      await assert.rejects(startHub({ dataDir, port, host: '127.0.0.1', logger: false, databaseUrl: '' }), /EADDRINUSE/);
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('startHub refuses to start on invalid content, naming the file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-server-'));
  try {
    await assert.rejects(
      startHub({ dataDir, port: 0, host: '127.0.0.1', logger: false, contentDir: join(dataDir, 'missing') }),
      /glossary.*folder for learn.glossary does not exist/s,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
