/**
 * The account flows over HTTP (inject): sign-up with e-mail confirmation, sign-in and
 * sign-out, password reset and change, tokens (wrong, expired, reused), CSRF, rate limits,
 * roles and permissions, sessions (expiry, idle timeout, shared in the database). Runs on
 * SQLite, or on PostgreSQL when HUB_TEST_DATABASE_URL is set (see ../testing.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import PostalMime from 'postal-mime';
import { LOCALES } from '../i18n/index.ts';
import { CONTENT_SECURITY_POLICY } from '../security.ts';
import { countTags } from '../testing.ts';
import { DEFAULT_SESSION_LIMITS } from './store.ts';
import { accountsHub, Client, linkIn, type AccountsHub } from './testing.ts';

const PASSWORD = 'a sturdy passphrase';

/** Signs up and confirms; returns a signed-in client. */
async function register(hub: AccountsHub, email: string, name = 'Ada', locale = 'en'): Promise<Client> {
  const client = new Client(hub.app);
  await client.get(`/${locale}/account/sign-up`);
  const sent = await client.post(`/${locale}/account/sign-up`, { name, email, password: PASSWORD });
  assert.equal(sent.statusCode, 200, sent.body);
  const link = await linkIn(hub.mailer, email, '/account/confirm');
  await client.get(link);
  const done = await client.post(`/${locale}/account/confirm`, { token: new URL(link, 'https://x').searchParams.get('token') ?? '', password: PASSWORD });
  assert.equal(done.statusCode, 303, done.body);
  return client;
}


describe('accounts', () => {
  let hub: AccountsHub;
  before(async () => {
    hub = await accountsHub({ adminEmail: 'root@example.org' });
  });
  after(async () => {
    await hub.close();
  });

  test('sign-up → confirmation e-mail → confirm with the password → signed in; sign-out; sign-in', async () => {
    const client = new Client(hub.app);
    const form = await client.get('/en/account/sign-up');
    assert.equal(form.statusCode, 200);
    for (const attr of ['autocomplete="name"', 'autocomplete="username"', 'autocomplete="new-password"', 'for="signup-email"', 'aria-describedby="signup-password-hint"']) {
      assert.ok(form.body.includes(attr), attr);
    }
    const sent = await client.post('/en/account/sign-up', { name: 'Grace Hopper', email: 'Grace@Example.org', password: PASSWORD });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /<h1>Check your e-mail<\/h1>/);
    assert.ok(!client.cookies.has('hub_session'), 'not signed in before confirming');

    // The message: localised text and HTML parts, the link on the configured public URL.
    await hub.mailer.idle();
    const raw = hub.mailer.outbox?.raw?.().at(-1);
    assert.ok(raw !== undefined);
    const mail = await PostalMime.parse(raw);
    assert.equal(mail.to?.[0]?.address, 'grace@example.org');
    assert.equal(mail.subject, 'Confirm your e-mail address for the DCBT Hub');
    assert.match(mail.text ?? '', /Hello Grace Hopper,/);
    assert.match(mail.html ?? '', /<a href="https:\/\/hub\.test\/en\/account\/confirm\?token=[A-Za-z0-9_-]{43}">/);
    const link = await linkIn(hub.mailer, 'grace@example.org', '/account/confirm');

    // Opening the link changes nothing (GET): it shows a form that asks for the password.
    const page = await client.get(link);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /grace@example\.org/);
    const token = new URL(link, 'https://x').searchParams.get('token') ?? '';
    const wrong = await client.post('/en/account/confirm', { token, password: 'not the password at all' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /<title>Error: Confirm your e-mail address/);
    assert.match(wrong.body, /<a href="#confirm-password">This is not the password you chose/);
    assert.match(wrong.body, /aria-invalid="true"/);

    const done = await client.post('/en/account/confirm', { token, password: PASSWORD });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/en/account?notice=confirmed');
    const cookie = String(done.headers['set-cookie']);
    assert.match(cookie, /hub_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000/);
    assert.ok(!cookie.includes('Secure'), 'no Secure flag over plain HTTP');

    const account = await client.get('/en/account?notice=confirmed');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Your e-mail address is confirmed/);
    assert.match(account.body, /<dd>Grace Hopper<\/dd>/);
    assert.match(account.body, /<dd>Member<\/dd>/);
    assert.match(account.body, /<nav class="account-nav" aria-label="Account">/);
    assert.match(account.body, /action="\/en\/account\/sign-out"/);
    const me = JSON.parse((await client.get('/en/probe/me')).body) as { user: { email: string; role: string }; canEdit: boolean };
    assert.deepEqual([me.user.email, me.user.role, me.canEdit], ['grace@example.org', 'member', false]);

    // The link works once.
    const again = await new Client(hub.app).get(link);
    assert.equal(again.statusCode, 410);
    assert.match(again.body, /already been used/);

    // Sign out: the cookie is cleared and the session row is gone (the old id no longer works).
    const oldCookie = client.cookieHeader();
    await client.get('/en/account');
    const out = await client.post('/en/account/sign-out', {});
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers['set-cookie']), /hub_session=; .*Max-Age=0/);
    const stale = await hub.app.inject({ url: '/en/account', headers: { cookie: oldCookie } });
    assert.equal(stale.statusCode, 303);
    assert.equal(stale.headers.location, '/en/account/sign-in?next=%2Fen%2Faccount');

    // Sign in again, coming back to the page that asked.
    await client.get('/en/account/sign-in?next=%2Fen%2Fprobe%2Fme');
    const bad = await client.post('/en/account/sign-in', { email: 'grace@example.org', password: 'wrong password here', next: '/en/probe/me' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<div class="error-summary" role="alert"/);
    assert.match(bad.body, /<a href="#signin-email">The e-mail address or the password is not right<\/a>/);
    assert.match(bad.body, /aria-describedby="signin-email-error"/);
    const ok = await client.post('/en/account/sign-in', { email: 'GRACE@example.org ', password: PASSWORD, next: '/en/probe/me' });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/en/probe/me');
  });

  test('sign-in never redirects to another site', async () => {
    const client = await register(hub, 'redirect@example.org');
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/xx/learn', 'javascript:alert(1)', '/en/../../etc']) {
      await client.post('/en/account/sign-out', {});
      await client.get('/en/account/sign-in');
      const res = await client.post('/en/account/sign-in', { email: 'redirect@example.org', password: PASSWORD, next });
      assert.equal(res.statusCode, 303, next);
      assert.equal(res.headers.location, '/en/account?notice=signedIn', next);
    }
  });

  test('the same answer whether or not an address has an account (sign-up, sign-in, reset)', async () => {
    await register(hub, 'known@example.org');
    const normalise = (body: string) => body.replace(/name="_csrf" value="[^"]+"/g, '').replace(/[a-z0-9]+@example\.org/g, 'ADDRESS');

    const a = new Client(hub.app);
    await a.get('/en/account/sign-up');
    const knownSignUp = await a.post('/en/account/sign-up', { name: 'X', email: 'known@example.org', password: PASSWORD });
    const b = new Client(hub.app);
    await b.get('/en/account/sign-up');
    const unknownSignUp = await b.post('/en/account/sign-up', { name: 'X', email: 'unknown@example.org', password: PASSWORD });
    assert.equal(knownSignUp.statusCode, unknownSignUp.statusCode);
    assert.equal(normalise(knownSignUp.body), normalise(unknownSignUp.body));
    // The owner of the known address is told, and nothing about the account changed.
    assert.ok(await linkIn(hub.mailer, 'known@example.org', '/account/forgot'));
    const owner = new Client(hub.app);
    await owner.get('/en/account/sign-in');
    assert.equal((await owner.post('/en/account/sign-in', { email: 'known@example.org', password: PASSWORD })).statusCode, 303);

    await a.get('/en/account/sign-in');
    const knownWrong = await a.post('/en/account/sign-in', { email: 'known@example.org', password: 'wrong wrong wrong' });
    await b.get('/en/account/sign-in');
    const unknown = await b.post('/en/account/sign-in', { email: 'unknown2@example.org', password: 'wrong wrong wrong' });
    assert.equal(knownWrong.statusCode, unknown.statusCode);
    assert.equal(normalise(knownWrong.body), normalise(unknown.body));

    await a.get('/en/account/forgot');
    const knownReset = await a.post('/en/account/forgot', { email: 'known@example.org' });
    await b.get('/en/account/forgot');
    const unknownReset = await b.post('/en/account/forgot', { email: 'nobody@example.org' });
    assert.equal(knownReset.statusCode, 200);
    assert.equal(normalise(knownReset.body), normalise(unknownReset.body));
    await hub.mailer.idle();
    assert.ok(!hub.mailer.outbox?.list(1000).some((e) => e.to === 'nobody@example.org'), 'no mail to an address without an account');
  });

  test('password reset: e-mailed link, one use, ends every session, old password stops working', async () => {
    const laptop = await register(hub, 'reset@example.org');
    const phone = new Client(hub.app);
    await phone.get('/en/account/sign-in');
    await phone.post('/en/account/sign-in', { email: 'reset@example.org', password: PASSWORD });
    assert.equal((await phone.get('/en/account')).statusCode, 200);

    const stranger = new Client(hub.app);
    await stranger.get('/en/account/forgot');
    await stranger.post('/en/account/forgot', { email: 'reset@example.org' });
    const link = await linkIn(hub.mailer, 'reset@example.org', '/account/reset');
    const token = new URL(link, 'https://x').searchParams.get('token') ?? '';
    const form = await stranger.get(link);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /autocomplete="new-password"/);
    const short = await stranger.post('/en/account/reset', { token, password: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /at least 12 characters/);
    const done = await stranger.post('/en/account/reset', { token, password: 'a brand new passphrase' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/en/account/sign-in?notice=passwordReset');

    assert.equal((await laptop.get('/en/account')).statusCode, 303, 'the laptop was signed out');
    assert.equal((await phone.get('/en/account')).statusCode, 303, 'the phone was signed out');
    const reused = await stranger.post('/en/account/reset', { token, password: 'another new passphrase' });
    assert.equal(reused.statusCode, 410);

    const c = new Client(hub.app);
    await c.get('/en/account/sign-in');
    assert.equal((await c.post('/en/account/sign-in', { email: 'reset@example.org', password: PASSWORD })).statusCode, 400);
    assert.equal((await c.post('/en/account/sign-in', { email: 'reset@example.org', password: 'a brand new passphrase' })).statusCode, 303);
  });

  test('changing the password needs the current one, keeps this session and ends the others', async () => {
    const here = await register(hub, 'change@example.org');
    const there = new Client(hub.app);
    await there.get('/en/account/sign-in');
    await there.post('/en/account/sign-in', { email: 'change@example.org', password: PASSWORD });

    await here.get('/en/account');
    const wrong = await here.post('/en/account/password', { current: 'not it at all', password: 'the next passphrase' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /<a href="#password-current">Your current password is not right/);
    const ok = await here.post('/en/account/password', { current: PASSWORD, password: 'the next passphrase' });
    assert.equal(ok.statusCode, 303);
    assert.equal((await here.get('/en/account')).statusCode, 200);
    assert.equal((await there.get('/en/account')).statusCode, 303);
    await hub.mailer.idle();
    assert.ok(hub.mailer.outbox?.list(1000).some((e) => e.to === 'change@example.org' && e.subject === 'Your DCBT Hub password was changed'));
  });

  test('wrong, malformed, expired and reused tokens get a page saying so', async () => {
    const client = new Client(hub.app);
    for (const url of ['/en/account/confirm?token=' + 'A'.repeat(43), '/en/account/confirm?token=short', '/en/account/confirm', '/en/account/reset?token=' + 'B'.repeat(43)]) {
      const res = await client.get(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(res.body, /<h1>This link does not work<\/h1>/);
    }
    // A confirmation link is not a reset link.
    await client.get('/en/account/sign-up');
    await client.post('/en/account/sign-up', { name: 'Late', email: 'late@example.org', password: PASSWORD });
    const link = await linkIn(hub.mailer, 'late@example.org', '/account/confirm');
    assert.equal((await client.get(link.replace('/account/confirm', '/account/reset'))).statusCode, 404);
    hub.clock.advance(24 * 3600_000 + 1);
    const expired = await client.get(link);
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /This link has expired/);
    const token = new URL(link, 'https://x').searchParams.get('token') ?? '';
    assert.equal((await client.post('/en/account/confirm', { token, password: PASSWORD })).statusCode, 410);
    // Signing up again sends a new link that works; the first stays dead.
    await client.get('/en/account/sign-up');
    await client.post('/en/account/sign-up', { name: 'Late', email: 'late@example.org', password: PASSWORD });
    const fresh = await linkIn(hub.mailer, 'late@example.org', '/account/confirm');
    assert.notEqual(fresh, link);
    assert.equal((await client.get(fresh)).statusCode, 200);
  });

  test('an unconfirmed account cannot sign in; trying sends a new link', async () => {
    const client = new Client(hub.app);
    await client.get('/en/account/sign-up');
    await client.post('/en/account/sign-up', { name: 'Slow', email: 'slow@example.org', password: PASSWORD });
    await hub.mailer.idle();
    const before = hub.mailer.outbox?.list(1000).filter((e) => e.to === 'slow@example.org').length ?? 0;
    await client.get('/en/account/sign-in');
    const res = await client.post('/en/account/sign-in', { email: 'slow@example.org', password: PASSWORD });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Confirm your e-mail address first/);
    await hub.mailer.idle();
    assert.equal(hub.mailer.outbox?.list(1000).filter((e) => e.to === 'slow@example.org').length, before + 1);
  });

  test('forms show every error in a summary that links to its field, and keep what was typed', async () => {
    const client = new Client(hub.app);
    await client.get('/fr/account/sign-up');
    const res = await client.post('/fr/account/sign-up', { name: '', email: 'pas-une-adresse', password: 'court' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /<title>Erreur : Créer un compte/);
    for (const id of ['signup-name', 'signup-email', 'signup-password']) {
      assert.match(res.body, new RegExp(`<li><a href="#${id}">`));
      assert.match(res.body, new RegExp(`<p class="error-message" id="${id}-error">`));
    }
    assert.match(res.body, /value="pas-une-adresse"/);
    assert.ok(!res.body.includes('value="court"'), 'passwords are never echoed');
  });

  test('every form needs a CSRF token, bound to the session once signed in', async () => {
    const client = new Client(hub.app);
    await client.get('/en/account/sign-in');
    const missing = await client.post('/en/account/sign-in', { _csrf: '', email: 'x@example.org', password: PASSWORD });
    assert.equal(missing.statusCode, 403);
    assert.match(missing.body, /<html lang="en"/);
    for (const url of ['/en/account/sign-up', '/en/account/forgot', '/en/account/reset', '/en/account/confirm', '/en/account/sign-out', '/en/account/password']) {
      const res = await hub.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=x' });
      assert.equal(res.statusCode, 403, url);
    }

    const signedIn = await register(hub, 'csrf@example.org');
    const anonymousToken = (() => {
      const c = new Client(hub.app);
      c.cookies.set('hub_csrf', signedIn.cookies.get('hub_csrf') ?? '');
      return c;
    })();
    await anonymousToken.get('/en/account/sign-in');
    const tokenWithoutSession = anonymousToken.csrf();
    await signedIn.get('/en/account');
    assert.notEqual(signedIn.csrf('/en/account/password'), tokenWithoutSession, 'tokens differ once signed in');
    const refused = await signedIn.post('/en/account/password', { _csrf: tokenWithoutSession, current: PASSWORD, password: 'whatever passphrase' });
    assert.equal(refused.statusCode, 403);
  });

  test('roles: pages that need a permission redirect to sign-in or answer 403; admins change roles', async () => {
    const anonymous = new Client(hub.app);
    const toSignIn = await anonymous.get('/fr/probe/edit');
    assert.equal(toSignIn.statusCode, 303);
    assert.equal(toSignIn.headers.location, '/fr/account/sign-in?next=%2Ffr%2Fprobe%2Fedit');
    const signInPage = await anonymous.get(String(toSignIn.headers.location));
    assert.match(signInPage.body, /Connectez-vous pour continuer/);
    assert.match(signInPage.body, /name="next" value="\/fr\/probe\/edit"/);

    const member = await register(hub, 'member@example.org', 'Mia');
    const denied = await member.get('/ar/probe/edit');
    assert.equal(denied.statusCode, 403);
    assert.match(denied.body, /<html lang="ar" dir="rtl">/);
    assert.match(denied.body, /عضو/);
    assert.equal((await member.get('/en/admin/users')).statusCode, 403);
    assert.equal((await member.get('/en/admin/outbox')).statusCode, 403);
    await member.get('/en/account');
    const publish = await member.post('/en/probe/publish', { _csrf: member.csrf() });
    assert.equal(publish.statusCode, 403);

    // The configured admin address becomes an admin when confirmed.
    const admin = await register(hub, 'root@example.org', 'Root');
    const users = await admin.get('/en/admin/users?q=mia');
    assert.equal(users.statusCode, 200);
    assert.match(users.body, /1 account/);
    assert.match(users.body, /<label class="visually-hidden" for="role-[0-9a-f-]{36}">Role of Mia<\/label>/);
    const action = /action="(\/en\/admin\/users\/[0-9a-f-]{36}\/role)"/.exec(users.body)?.[1] ?? '';
    const changed = await admin.post(action, { role: 'editor' });
    assert.equal(changed.statusCode, 303);
    const after = await admin.get(String(changed.headers.location));
    assert.match(after.body, /The role of Mia is now: Editor\./);
    assert.equal(JSON.parse((await member.get('/en/probe/edit')).body).editing, 'Mia', 'the new role counts at once');
    await member.get('/en/account');
    assert.equal((await member.post('/en/probe/publish', { _csrf: member.csrf() })).statusCode, 200);
    assert.equal((await admin.post(action, { role: 'owner' })).statusCode, 400);
    await admin.get('/en/admin/users');
    const missingUser = await admin.post('/en/admin/users/00000000-0000-4000-8000-000000000000/role', { role: 'editor' });
    assert.equal(missingUser.statusCode, 404);

    // The last admin cannot demote themselves.
    await admin.get('/en/admin/users?q=root');
    const own = /action="(\/en\/admin\/users\/[0-9a-f-]{36}\/role)"/.exec(admin.last?.body ?? '')?.[1] ?? '';
    const demote = await admin.post(own, { role: 'member' });
    assert.equal(demote.headers.location, '/en/admin/users?error=lastAdmin');
    assert.match((await admin.get('/en/admin/users?error=lastAdmin')).body, /at least one administrator/);
    assert.equal((await admin.get('/en/admin/users')).statusCode, 200, 'still an admin');
    assert.match(admin.last?.body ?? '', /<code>probe\.edit<\/code>/);

    // A permission nobody declared is a programming error, not a quiet denial.
    assert.equal((await admin.get('/en/probe/typo')).statusCode, 500);
    assert.deepEqual(Object.values(JSON.parse((await admin.get('/en/probe/names')).body)), ['Root']);
  });

  test('the outbox page lists messages for admins and shows each one with its links', async () => {
    const admin = new Client(hub.app);
    await admin.get('/en/account/sign-in');
    await admin.post('/en/account/sign-in', { email: 'root@example.org', password: PASSWORD });
    const list = await admin.get('/en/admin/outbox');
    assert.equal(list.statusCode, 200);
    const first = /href="(\/en\/admin\/outbox\/[^"]+)"/.exec(list.body)?.[1] ?? '';
    const message = await admin.get(first);
    assert.equal(message.statusCode, 200);
    assert.match(message.body, /<pre class="mail-text">[\s\S]*<a href="https:\/\/hub\.test\//);
    assert.equal((await admin.get('/en/admin/outbox/..%2F..%2Fetc%2Fpasswd')).statusCode, 404);
    assert.match(list.body, /aria-label="Account"[\s\S]*href="\/en\/admin\/users">Users/);
  });

  test('sessions end after the idle timeout and after their lifetime, whatever the cookie says', async () => {
    const client = await register(hub, 'idle@example.org');
    hub.clock.advance(DEFAULT_SESSION_LIMITS.idleTimeoutMs - 60_000);
    assert.equal((await client.get('/en/account')).statusCode, 200, 'activity within the idle timeout');
    hub.clock.advance(DEFAULT_SESSION_LIMITS.idleTimeoutMs - 60_000);
    assert.equal((await client.get('/en/account')).statusCode, 200, 'the last request counted as activity');
    hub.clock.advance(DEFAULT_SESSION_LIMITS.idleTimeoutMs + 1);
    assert.equal((await client.get('/en/account')).statusCode, 303, 'idle too long');

    await client.get('/en/account/sign-in');
    await client.post('/en/account/sign-in', { email: 'idle@example.org', password: PASSWORD });
    for (let elapsed = 0; elapsed < DEFAULT_SESSION_LIMITS.lifetimeMs - 2 * 24 * 3600_000; elapsed += 24 * 3600_000) {
      hub.clock.advance(24 * 3600_000);
      assert.equal((await client.get('/en/account')).statusCode, 200);
    }
    hub.clock.advance(3 * 24 * 3600_000);
    assert.equal((await client.get('/en/account')).statusCode, 303, 'past the lifetime');
  });

  test('every account page renders in every locale with one h1, labels and no inline script or style', async () => {
    const client = new Client(hub.app);
    for (const locale of LOCALES) {
      for (const path of ['/account/sign-up', '/account/sign-in', '/account/forgot']) {
        const res = await client.get(`/${locale}${path}`);
        assert.equal(res.statusCode, 200, path);
        assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
        assert.equal(countTags(res.body, 'h1'), 1);
        assert.ok(!/<script[\s>]|\sstyle="|<style/.test(res.body), `${locale}${path}: no inline script or style`);
        const inputs = [...res.body.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]);
        for (const id of inputs) assert.ok(res.body.includes(`<label for="${id}">`), `${locale}${path}: label for ${id}`);
        const ids = [...res.body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
        assert.equal(new Set(ids).size, ids.length, `${locale}${path}: unique ids`);
      }
    }
    assert.ok(!CONTENT_SECURITY_POLICY.includes('unsafe-inline'));
  });

  test('mail goes out in the language of the page the account was made on', async () => {
    await register(hub, 'amal@example.org', 'أمل', 'ar');
    await hub.mailer.idle();
    const entry = hub.mailer.outbox?.list(1000).find((e) => e.to === 'amal@example.org');
    assert.equal(entry?.subject, 'أكّد عنوان بريدك الإلكتروني على منصة DCBT');
    assert.match(entry?.text ?? '', /مرحبًا أمل،/);
    assert.match(entry?.text ?? '', /24 ساعة/);
    const raw = hub.mailer.outbox?.raw?.().find((r) => r.toString().includes('To: amal@example.org'));
    const parsed = await PostalMime.parse(raw ?? '');
    assert.match(parsed.html ?? '', /<html lang="ar" dir="rtl">/);
  });
});

describe('limits and cookies', () => {
  test('sign-in, sign-up and reset are rate limited per account and per address', async () => {
    const minute = 60_000;
    const hub = await accountsHub({
      rateLimits: {
        signInPerAddress: { max: 5, windowMs: minute },
        signInPerAccount: { max: 3, windowMs: minute },
        signUpPerAddress: { max: 5, windowMs: minute },
        signUpPerAccount: { max: 2, windowMs: minute },
        resetPerAddress: { max: 5, windowMs: minute },
        resetPerAccount: { max: 2, windowMs: minute },
      },
    });
    try {
      const c = new Client(hub.app);
      await c.get('/en/account/sign-in');
      for (let i = 0; i < 3; i++) assert.equal((await c.post('/en/account/sign-in', { email: 'victim@example.org', password: 'guess number ' + i })).statusCode, 400);
      const limited = await c.post('/en/account/sign-in', { email: 'victim@example.org', password: 'guess number 4' });
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.headers['retry-after'], '60');
      assert.match(limited.body, /<h1>Too many requests<\/h1>/);
      // Another account from the same address still works until the address limit.
      assert.equal((await c.post('/en/account/sign-in', { email: 'other@example.org', password: 'guess' })).statusCode, 400);
      assert.equal((await c.post('/en/account/sign-in', { email: 'third@example.org', password: 'guess' })).statusCode, 429, 'address limit (5)');
      // Per account, across addresses.
      const elsewhere = new Client(hub.app);
      await elsewhere.get('/en/account/sign-in');
      assert.equal(
        (await hub.app.inject({ method: 'POST', url: '/en/account/sign-in', remoteAddress: '198.51.100.7', headers: { cookie: elsewhere.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: elsewhere.csrf(), email: 'victim@example.org', password: 'guess again' }).toString() })).statusCode,
        429,
      );
      hub.clock.advance(minute);
      assert.equal((await c.post('/en/account/sign-in', { email: 'victim@example.org', password: 'guess number 5' })).statusCode, 400, 'a new window');

      await c.get('/en/account/sign-up');
      for (let i = 0; i < 2; i++) assert.equal((await c.post('/en/account/sign-up', { name: 'N', email: 'flood@example.org', password: PASSWORD })).statusCode, 200);
      assert.equal((await c.post('/en/account/sign-up', { name: 'N', email: 'flood@example.org', password: PASSWORD })).statusCode, 429);

      await c.get('/en/account/forgot');
      for (let i = 0; i < 2; i++) assert.equal((await c.post('/en/account/forgot', { email: 'flood@example.org' })).statusCode, 200);
      assert.equal((await c.post('/en/account/forgot', { email: 'flood@example.org' })).statusCode, 429);
    } finally {
      await hub.close();
    }
  });

  test('over HTTPS the cookies are Secure with the __Host- prefix', async () => {
    const hub = await accountsHub({ https: true });
    try {
      const c = new Client(hub.app);
      const form = await c.get('/en/account/sign-up');
      assert.match(String(form.headers['set-cookie']), /^__Host-hub_csrf=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
      assert.match(String(form.headers['strict-transport-security']), /max-age=/);
      await c.post('/en/account/sign-up', { name: 'Sec', email: 'sec@example.org', password: PASSWORD });
      const link = await linkIn(hub.mailer, 'sec@example.org', '/account/confirm');
      await c.get(link);
      const done = await c.post('/en/account/confirm', { token: new URL(link, 'https://x').searchParams.get('token') ?? '', password: PASSWORD });
      assert.equal(done.statusCode, 303);
      assert.match(String(done.headers['set-cookie']), /^__Host-hub_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
      assert.equal((await c.get('/en/account')).statusCode, 200);
      // The unprefixed name is not read over HTTPS.
      const plain = await hub.app.inject({ url: '/en/account', headers: { cookie: `hub_session=${c.cookies.get('__Host-hub_session')}` } });
      assert.equal(plain.statusCode, 303);
    } finally {
      await hub.close();
    }
  });
});
