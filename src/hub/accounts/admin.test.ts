import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTestDatabase } from '../testing.ts';
import { AdminSetupError, createAdmin } from './admin.ts';
import { accountsHub, Client, linkIn } from './testing.ts';

test('createAdmin makes an admin with no usable password and a one-time link to choose one', async () => {
  const database = await openTestDatabase();
  try {
    await assert.rejects(createAdmin(database.db, { email: 'not an address' }), AdminSetupError);
    const made = await createAdmin(database.db, { email: 'Chief@Example.org' });
    assert.equal(made.created, true);
    assert.match(made.setPasswordPath, /^\/en\/account\/reset\?token=[A-Za-z0-9_-]{43}$/);

    const hub = await accountsHub({ database });
    try {
      const client = new Client(hub.app);
      await client.get('/en/account/sign-in');
      assert.equal((await client.post('/en/account/sign-in', { email: 'chief@example.org', password: '!' })).statusCode, 400, 'no password works yet');
      const form = await client.get(made.setPasswordPath);
      assert.match(form.body, /chief@example\.org/);
      const token = new URL(made.setPasswordPath, 'https://x').searchParams.get('token') ?? '';
      assert.equal((await client.post('/en/account/reset', { token, password: 'the chief passphrase' })).statusCode, 303);
      await client.get('/en/account/sign-in');
      assert.equal((await client.post('/en/account/sign-in', { email: 'chief@example.org', password: 'the chief passphrase' })).statusCode, 303);
      assert.equal((await client.get('/en/admin/users')).statusCode, 200);

      // An existing member is promoted (and a new link replaces the old one).
      const member = new Client(hub.app);
      await member.get('/en/account/sign-up');
      await member.post('/en/account/sign-up', { name: 'Mo', email: 'mo@example.org', password: 'a sturdy passphrase' });
      const promoted = await createAdmin(database.db, { email: 'mo@example.org' });
      assert.equal(promoted.created, false);
      await member.get('/en/account/sign-in');
      assert.equal((await member.post('/en/account/sign-in', { email: 'mo@example.org', password: 'a sturdy passphrase' })).statusCode, 303, 'confirmed by the operator');
      assert.equal((await member.get('/en/admin/users')).statusCode, 200);
    } finally {
      await hub.close();
    }
  } finally {
    await database.close();
  }
});

test('DCBT_HUB_ADMIN_EMAIL: an account already confirmed with that address is an admin from the next start', async () => {
  const database = await openTestDatabase();
  try {
    const first = await accountsHub({ database });
    const client = new Client(first.app);
    await client.get('/en/account/sign-up');
    await client.post('/en/account/sign-up', { name: 'Ops', email: 'ops@example.org', password: 'a sturdy passphrase' });
    const link = await linkIn(first.mailer, 'ops@example.org', '/account/confirm');
    await client.get(link);
    await client.post('/en/account/confirm', { token: new URL(link, 'https://x').searchParams.get('token') ?? '', password: 'a sturdy passphrase' });
    assert.equal((await client.get('/en/admin/users')).statusCode, 403, 'a member before');
    await first.close();
    const second = await accountsHub({ database, adminEmail: 'OPS@example.org' });
    try {
      const again = new Client(second.app);
      await again.get('/en/account/sign-in');
      await again.post('/en/account/sign-in', { email: 'ops@example.org', password: 'a sturdy passphrase' });
      assert.equal((await again.get('/en/admin/users')).statusCode, 200);
    } finally {
      await second.close();
    }
  } finally {
    await database.close();
  }
});

test('server.ts --create-admin prints the link and does not start the server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-admin-'));
  try {
    const script = fileURLToPath(new URL('../server.ts', import.meta.url));
    // On a PostgreSQL test run the CLI still uses the data dir's SQLite file: DATABASE_URL is cleared.
    const env = { ...process.env, DATABASE_URL: '' };
    const run = spawnSync(process.execPath, [script, '--data-dir', dataDir, '--create-admin', 'ops@example.org', '--public-url', 'https://hub.example.org/'], { encoding: 'utf8', env, timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Created the admin account ops@example\.org\. Choose its password within 24 hours at:\n {2}https:\/\/hub\.example\.org\/en\/account\/reset\?token=[A-Za-z0-9_-]{43}\n$/);
    const again = spawnSync(process.execPath, [script, '--data-dir', dataDir, '--create-admin', 'ops@example.org'], { encoding: 'utf8', env, timeout: 60_000 });
    assert.match(again.stdout, /^Promoted the admin account ops@example\.org\. .*\n {2}http:\/\/127\.0\.0\.1:8080\/en\/account\/reset\?token=/s);
    const bad = spawnSync(process.execPath, [script, '--data-dir', dataDir, '--create-admin', 'nope'], { encoding: 'utf8', env, timeout: 60_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /"nope" is not an e-mail address/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
