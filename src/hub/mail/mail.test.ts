/**
 * Mail: SMTP through a real server (smtp-server, in process, on 127.0.0.1 port 0) with
 * authentication, the .eml outbox under a data dir, the queue limit, and the whole sign-up
 * flow followed from what the SMTP server received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { accountsHub, Client } from '../accounts/testing.ts';
import { Mailer, mailTransportFromEnv, type MailMessage } from './index.ts';

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  raw: Buffer;
}

/** An SMTP server that accepts mail for anyone after AUTH with user/secret. */
async function smtpServer(): Promise<{ port: number; received: Received[]; next(): Promise<Received>; close(): Promise<void> }> {
  const received: Received[] = [];
  const waiting: ((r: Received) => void)[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'hub' && auth.password === 'secret') callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: Received = {
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks),
        };
        received.push(mail);
        waiting.shift()?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  let seen = 0;
  return {
    port,
    received,
    next: () => {
      const index = seen++;
      const ready = received[index];
      return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const message: MailMessage = { to: 'reader@example.org', subject: 'Bonjour — مرحبا', text: 'Plain text body\nhttps://hub.test/fr/x', html: '<p>HTML body</p>', lang: 'fr' };

test('SMTP: messages go through a real server with authentication, as text and HTML', async () => {
  const smtp = await smtpServer();
  const errors: unknown[] = [];
  const mailer = new Mailer({
    transport: { kind: 'smtp', smtp: { host: '127.0.0.1', port: smtp.port, user: 'hub', pass: 'secret' } },
    from: 'DCBT Hub <hub@hub.test>',
    onError: (e) => errors.push(e),
  });
  try {
    assert.equal(mailer.send(message), true);
    const got = await smtp.next();
    await mailer.idle();
    assert.deepEqual(errors, []);
    assert.equal(got.user, 'hub');
    assert.equal(got.from, 'hub@hub.test');
    assert.deepEqual(got.to, ['reader@example.org']);
    const parsed = await PostalMime.parse(got.raw);
    assert.equal(parsed.subject, 'Bonjour — مرحبا');
    assert.equal(parsed.text?.trim(), 'Plain text body\nhttps://hub.test/fr/x');
    assert.equal(parsed.html?.trim(), '<p>HTML body</p>');
    assert.ok(parsed.headers.some((h) => h.key === 'content-language' && h.value === 'fr'));
    assert.equal(mailer.outbox, undefined, 'nothing is kept when mail goes out by SMTP');
    assert.equal(mailer.destination, `smtp://127.0.0.1:${smtp.port}`);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('SMTP: a refused login is reported (without the message body) and the queue goes on', async () => {
  const smtp = await smtpServer();
  const errors: { error: unknown; info: { to: string; subject: string } }[] = [];
  const mailer = new Mailer({
    transport: { kind: 'smtp', smtp: { host: '127.0.0.1', port: smtp.port, user: 'hub', pass: 'wrong' } },
    from: 'hub@hub.test',
    onError: (error, info) => errors.push({ error, info }),
  });
  try {
    mailer.send(message);
    await mailer.idle();
    assert.equal(errors.length, 1);
    assert.deepEqual(errors[0]?.info, { to: 'reader@example.org', subject: 'Bonjour — مرحبا' });
    assert.equal(smtp.received.length, 0);
  } finally {
    await mailer.close();
    await smtp.close();
  }
});

test('the sign-up flow, followed from the message the SMTP server received', async () => {
  const smtp = await smtpServer();
  const mailer = new Mailer({ transport: { kind: 'smtp', smtp: { host: '127.0.0.1', port: smtp.port, user: 'hub', pass: 'secret' } }, from: 'DCBT Hub <hub@hub.test>' });
  const hub = await accountsHub({ mailer });
  try {
    const client = new Client(hub.app);
    await client.get('/es/account/sign-up');
    assert.equal((await client.post('/es/account/sign-up', { name: 'Lucía', email: 'lucia@example.org', password: 'una frase de paso larga' })).statusCode, 200);
    const parsed = await PostalMime.parse((await smtp.next()).raw);
    assert.equal(parsed.subject, 'Confirme su dirección de correo para la plataforma DCBT');
    const link = /https:\/\/hub\.test(\/es\/account\/confirm\?token=[A-Za-z0-9_-]{43})/.exec(parsed.text ?? '')?.[1];
    assert.ok(link !== undefined, parsed.text ?? '');
    assert.equal((await client.get(link)).statusCode, 200);
    const done = await client.post('/es/account/confirm', { token: new URL(link, 'https://x').searchParams.get('token') ?? '', password: 'una frase de paso larga' });
    assert.equal(done.statusCode, 303);
    const account = await client.get(String(done.headers.location));
    assert.match(account.body, /<dd>Lucía<\/dd>/);
    // The admin outbox page says where mail goes instead of listing it.
    assert.equal((await hub.app.inject('/es/admin/outbox')).statusCode, 303);
  } finally {
    await hub.close(); // closes the mailer too
    await smtp.close();
  }
});

test('outbox: without SMTP each message is an .eml file (private) plus a listing entry', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-mail-'));
  try {
    const transport = mailTransportFromEnv({}, dataDir);
    assert.deepEqual(transport, { kind: 'outbox', dir: join(dataDir, 'outbox') });
    const mailer = new Mailer({ transport, from: 'hub@hub.test' });
    mailer.send(message);
    mailer.send({ ...message, subject: 'second' });
    await mailer.close();
    const files = readdirSync(join(dataDir, 'outbox')).sort();
    assert.equal(files.filter((f) => f.endsWith('.eml')).length, 2);
    const eml = files.find((f) => f.endsWith('.eml')) ?? '';
    assert.equal(statSync(join(dataDir, 'outbox', eml)).mode & 0o777, 0o600);
    const parsed = await PostalMime.parse(readFileSync(join(dataDir, 'outbox', eml)));
    assert.equal(parsed.subject, 'Bonjour — مرحبا');
    // A new Mailer over the same folder lists what is there, newest first.
    const again = new Mailer({ transport, from: 'hub@hub.test' });
    const list = again.outbox?.list(10) ?? [];
    assert.deepEqual(list.map((e) => e.subject), ['second', 'Bonjour — مرحبا']);
    assert.equal(again.outbox?.get(list[0]?.id ?? '')?.subject, 'second');
    assert.equal(again.outbox?.get('../../etc/passwd'), undefined);
    await again.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the queue is bounded: past its length, messages are dropped and reported', async () => {
  const errors: unknown[] = [];
  const mailer = new Mailer({ transport: { kind: 'memory' }, from: 'hub@hub.test', queueLengthMax: 2, onError: (e) => errors.push(e) });
  assert.deepEqual([mailer.send(message), mailer.send(message), mailer.send(message)], [true, true, false]);
  assert.equal(errors.length, 1);
  await mailer.close();
  assert.equal(mailer.outbox?.list(10).length, 2);
  assert.equal(mailer.send(message), false, 'closed');
});

test('SMTP settings come from the environment and are checked', () => {
  assert.deepEqual(mailTransportFromEnv({ DCBT_HUB_SMTP_HOST: 'smtp.example.org', DCBT_HUB_SMTP_PORT: '465', DCBT_HUB_SMTP_USER: 'u', DCBT_HUB_SMTP_PASS: 'p', DCBT_HUB_SMTP_SECURE: 'true' }, '/data'), {
    kind: 'smtp',
    smtp: { host: 'smtp.example.org', port: 465, secure: true, user: 'u', pass: 'p' },
  });
  assert.throws(() => mailTransportFromEnv({ DCBT_HUB_SMTP_HOST: 'h', DCBT_HUB_SMTP_SECURE: 'yes' }, '/data'), /DCBT_HUB_SMTP_SECURE must be true or false/);
  assert.throws(() => new Mailer({ transport: { kind: 'smtp', smtp: { host: 'h', port: 70000 } }, from: 'x@y.z' }), { code: 'MAIL_CONFIG' });
});
