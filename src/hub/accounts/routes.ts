/**
 * The account pages (below /:locale): sign-up, e-mail confirmation, sign-in, sign-out, password
 * reset, the account page, and the admin pages for users and the outbox. Every form is a plain
 * POST with a CSRF field; results follow Post/Redirect/Get where there is somewhere to go.
 *
 * Links in e-mail open a page with a button (GET never changes state), so mail scanners that
 * fetch links cannot use a token up. Confirming an address also asks for the password chosen at
 * sign-up: someone who signed up with another person's address cannot get that person to
 * activate an account whose password the impostor knows.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { html, type SafeHtml } from '../html.ts';
import { LOCALES, type Translator } from '../i18n/index.ts';
import type { ModuleContext } from '../modules/types.ts';
import { errorSummary, field, formTitle, type FieldError } from './forms.ts';
import { type Accounts, type LimitCheck, EMAIL_LENGTH_MAX, NAME_LENGTH_MAX, PASSWORD_LENGTH_MIN } from './index.ts';
import { composeAccountMail, type AccountMailKind, type MailLink } from './mails.ts';
import { hashPassword, needsRehash, PASSWORD_LENGTH_MAX, verifyPassword } from './passwords.ts';
import { CORE_PERMISSIONS, isRole, ROLES } from './roles.ts';
import { normaliseEmail, type TokenCheck, type User } from './store.ts';
import { isToken } from './tokens.ts';

export interface AccountRouteDeps {
  accounts: Accounts;
  /** Sends the localised 429 page with Retry-After. */
  tooMany(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number): FastifyReply;
  /** Sends the localised 400 page. */
  badRequest(request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

/** Form bodies: strings only, bounded; anything else is treated as empty. */
const text = (max: number) => z.preprocess((v) => (typeof v === 'string' ? v : ''), z.string().max(max * 4));
const SignUpBody = z.object({ name: text(NAME_LENGTH_MAX), email: text(EMAIL_LENGTH_MAX), password: text(PASSWORD_LENGTH_MAX) });
const SignInBody = z.object({ email: text(EMAIL_LENGTH_MAX), password: text(PASSWORD_LENGTH_MAX), next: text(2000) });
const EmailBody = z.object({ email: text(EMAIL_LENGTH_MAX) });
const TokenPasswordBody = z.object({ token: text(64), password: text(PASSWORD_LENGTH_MAX) });
const ChangePasswordBody = z.object({ current: text(PASSWORD_LENGTH_MAX), password: text(PASSWORD_LENGTH_MAX) });
const RoleBody = z.object({ role: text(20) });

const NOTICES = ['confirmed', 'signedIn', 'signedOut', 'passwordChanged', 'passwordReset', 'roleChanged'] as const;
const NoticeQuery = z.object({ notice: z.enum(NOTICES).optional(), user: z.uuid().optional(), error: z.enum(['lastAdmin']).optional() });
const TokenQuery = z.object({ token: z.string().max(200).optional() });
const NextQuery = z.object({ next: z.string().max(2000).optional(), notice: z.enum(NOTICES).optional() });
const UsersQuery = z.object({
  q: z.string().max(200).optional(),
  page: z.coerce.number().int().min(1).max(10_000).optional(),
  notice: z.enum(NOTICES).optional(),
  user: z.uuid().optional(),
  error: z.enum(['lastAdmin']).optional(),
});

const USERS_PAGE_SIZE = 50;
const OUTBOX_LIST_MAX = 100;
const EMAIL_FORMAT = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/;

/** A local path to go back to after signing in: "/<locale>/…" only, never another site. */
export function safeNext(next: string | undefined): string | undefined {
  if (next === undefined || next === '') return undefined;
  if (!/^\/[a-z]{2}(\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?(\?[^#\s\\]*)?$/.test(next)) return undefined;
  if (next.startsWith('//') || next.includes('/../') || !(LOCALES as readonly string[]).includes(next.slice(1, 3))) return undefined;
  return next;
}

function emailError(email: string): string | undefined {
  if (email === '') return 'account.error.emailRequired';
  if (email.length > EMAIL_LENGTH_MAX || !EMAIL_FORMAT.test(email)) return 'account.error.emailInvalid';
  return undefined;
}

function newPasswordError(password: string): [string, Record<string, number>] | undefined {
  if (password === '') return ['account.error.passwordRequired', {}];
  if (password.length < PASSWORD_LENGTH_MIN) return ['account.error.passwordTooShort', { min: PASSWORD_LENGTH_MIN }];
  if (password.length > PASSWORD_LENGTH_MAX) return ['account.error.passwordTooLong', { max: PASSWORD_LENGTH_MAX }];
  return undefined;
}

function clientKey(request: FastifyRequest): string {
  return request.ip;
}

export function registerAccountRoutes(app: FastifyInstance, ctx: ModuleContext, deps: AccountRouteDeps): void {
  const { accounts } = deps;
  const { store } = accounts;

  const body = <T>(schema: z.ZodType<T>, request: FastifyRequest): T => {
    const parsed = schema.safeParse(request.body ?? {});
    // Over-long or malformed bodies fail validation as if empty: the form then shows its errors.
    return parsed.success ? parsed.data : schema.parse({});
  };

  const absolute = (locale: string, path: string, query?: Record<string, string>): string => {
    const qs = query === undefined ? '' : `?${new URLSearchParams(query).toString()}`;
    return `${accounts.publicUrl()}/${locale}${path}${qs}`;
  };

  const duration = (t: Translator, ms: number): string =>
    ms % 3600_000 === 0 ? t.text('account.duration.hours', { count: ms / 3600_000 }) : t.text('account.duration.minutes', { count: Math.round(ms / 60_000) });

  const mail = (user: Pick<User, 'email' | 'name' | 'locale'>, kind: AccountMailKind, links: readonly MailLink[], lifetimeMs?: number): void => {
    const t = ctx.i18n.translator(user.locale);
    accounts.mailer.send(composeAccountMail(t, { kind, to: user.email, name: user.name, links, ...(lifetimeMs === undefined ? {} : { duration: duration(t, lifetimeMs) }) }));
  };

  const sendConfirmation = async (user: User): Promise<void> => {
    const token = await store.issueToken(user.id, 'confirm', accounts.tokenLifetimes.confirmMs);
    mail(user, 'confirm', [{ labelKey: 'account.mail.confirm.action', url: absolute(user.locale, '/account/confirm', { token }) }], accounts.tokenLifetimes.confirmMs);
  };

  const sendReset = async (user: User, lifetimeMs = accounts.tokenLifetimes.resetMs): Promise<void> => {
    const token = await store.issueToken(user.id, 'reset', lifetimeMs);
    mail(user, 'reset', [{ labelKey: 'account.mail.reset.action', url: absolute(user.locale, '/account/reset', { token }) }], lifetimeMs);
  };

  const limited = (request: FastifyRequest, reply: FastifyReply, checks: readonly LimitCheck[]): FastifyReply | undefined => {
    const result = accounts.limit(checks);
    return result.allowed ? undefined : deps.tooMany(request, reply, result.retryAfterSeconds);
  };

  const notice = (t: Translator, key: string | undefined, params?: Record<string, string>): SafeHtml | '' =>
    key === undefined ? '' : html`<div class="notice notice-success" role="status"><p>${t(`account.notice.${key}`, params)}</p></div>`;

  const redirect = (reply: FastifyReply, url: string): FastifyReply => reply.redirect(url, 303);

  // Sign-up

  const signUpForm = (request: FastifyRequest, reply: FastifyReply, values: { name: string; email: string }, errors: FieldError[]) => {
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      status: errors.length === 0 ? 200 : 400,
      title: formTitle(t, t.text('account.signUp.title'), errors),
      heading: t('account.signUp.title'),
      breadcrumbs: [{ label: t.text('account.signUp.title') }],
      body: html`${errorSummary(t, errors)}
<p>${t('account.signUp.intro')}</p>
<form class="form" method="post" action="${href('/account/sign-up')}" novalidate>
${ctx.csrfField(request, reply)}
${field(t, { id: 'signup-name', name: 'name', type: 'text', label: t('account.field.name'), hint: t('account.field.nameHint'), autocomplete: 'name', value: values.name, maxlength: NAME_LENGTH_MAX, errors })}
${field(t, { id: 'signup-email', name: 'email', type: 'email', label: t('account.field.email'), autocomplete: 'username', value: values.email, maxlength: EMAIL_LENGTH_MAX, errors })}
${field(t, { id: 'signup-password', name: 'password', type: 'password', label: t('account.field.password'), hint: t('account.field.newPasswordHint', { min: PASSWORD_LENGTH_MIN }), autocomplete: 'new-password', minlength: PASSWORD_LENGTH_MIN, maxlength: PASSWORD_LENGTH_MAX, errors })}
<div class="actions"><button type="submit">${t('account.signUp.button')}</button></div>
</form>
<p>${t('account.signUp.haveAccount')} <a href="${href('/account/sign-in')}">${t('account.nav.signIn')}</a></p>`,
    });
  };

  app.get('/account/sign-up', async (request, reply) => signUpForm(request, reply, { name: '', email: '' }, []));

  app.post('/account/sign-up', async (request, reply) => {
    const { t, locale } = ctx.view(request);
    const input = body(SignUpBody, request);
    const name = input.name.trim().replace(/\s+/g, ' ');
    const email = normaliseEmail(input.email);
    const errors: FieldError[] = [];
    if (name === '') errors.push({ field: 'signup-name', message: t('account.error.nameRequired') });
    else if (name.length > NAME_LENGTH_MAX) errors.push({ field: 'signup-name', message: t('account.error.nameTooLong', { max: NAME_LENGTH_MAX }) });
    const emailKey = emailError(email);
    if (emailKey !== undefined) errors.push({ field: 'signup-email', message: t(emailKey) });
    const passwordKey = newPasswordError(input.password);
    if (passwordKey !== undefined) errors.push({ field: 'signup-password', message: t(passwordKey[0], passwordKey[1]) });
    const refused = limited(request, reply, [
      ['signUpPerAddress', clientKey(request)] as const,
      ...(emailKey === undefined ? [['signUpPerAccount', email] as const] : []),
    ]);
    if (refused !== undefined) return refused;
    if (errors.length > 0) return signUpForm(request, reply, { name, email: input.email }, errors);

    // Hashed whatever happens next, so the response takes as long for a known address.
    const passwordHash = await hashPassword(input.password, accounts.scrypt);
    const existing = await store.findByEmail(email);
    if (existing === undefined) {
      let created: User | undefined;
      try {
        created = await store.createUser({ email, name, passwordHash, locale });
      } catch {
        created = undefined; // two sign-ups raced for the address: the other one won
      }
      if (created !== undefined) await sendConfirmation(created);
    } else if (!existing.verified) {
      await store.replacePending(existing.id, { name, passwordHash, locale });
      await sendConfirmation({ ...existing, name, locale });
    } else {
      mail(existing, 'exists', [
        { labelKey: 'account.mail.exists.signIn', url: absolute(existing.locale, '/account/sign-in') },
        { labelKey: 'account.mail.exists.reset', url: absolute(existing.locale, '/account/forgot') },
      ]);
    }
    return ctx.page(request, reply, {
      title: t.text('account.signUp.sentTitle'),
      breadcrumbs: [{ label: t.text('account.signUp.title'), path: '/account/sign-up' }, { label: t.text('account.signUp.sentTitle') }],
      body: html`<p>${t('account.signUp.sentText', { email, duration: duration(t, accounts.tokenLifetimes.confirmMs) })}</p>
<p>${t('account.signUp.sentSpam')}</p>`,
    });
  });

  // Confirmation and reset links

  const tokenProblem = (request: FastifyRequest, reply: FastifyReply, check: Exclude<TokenCheck, { ok: true }>, again: 'confirm' | 'reset') => {
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      status: check.reason === 'unknown' ? 404 : 410,
      title: t.text('account.token.unknownTitle'),
      body: html`<p>${t(`account.token.${check.reason}`)}</p>
<p><a href="${href(again === 'confirm' ? '/account/sign-up' : '/account/forgot')}">${t(again === 'confirm' ? 'account.token.newConfirm' : 'account.token.newReset')}</a></p>`,
    });
  };

  const checkToken = async (token: string | undefined, purpose: 'confirm' | 'reset'): Promise<TokenCheck> =>
    isToken(token) ? store.checkToken(token, purpose) : { ok: false, reason: 'unknown' };

  const confirmForm = (request: FastifyRequest, reply: FastifyReply, token: string, user: User, errors: FieldError[]) => {
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      status: errors.length === 0 ? 200 : 400,
      title: formTitle(t, t.text('account.confirm.title'), errors),
      heading: t('account.confirm.title'),
      body: html`${errorSummary(t, errors)}
<p>${t('account.confirm.intro', { email: user.email })}</p>
<form class="form" method="post" action="${href('/account/confirm')}" novalidate>
${ctx.csrfField(request, reply)}
<input type="hidden" name="token" value="${token}">
${field(t, { id: 'confirm-password', name: 'password', type: 'password', label: t('account.field.password'), autocomplete: 'current-password', maxlength: PASSWORD_LENGTH_MAX, errors })}
<div class="actions"><button type="submit">${t('account.confirm.button')}</button></div>
</form>`,
    });
  };

  app.get('/account/confirm', async (request, reply) => {
    const query = ctx.query(TokenQuery, request, reply);
    if (query === undefined) return reply;
    const check = await checkToken(query.token, 'confirm');
    if (!check.ok) return tokenProblem(request, reply, check, 'confirm');
    return confirmForm(request, reply, query.token ?? '', check.user, []);
  });

  app.post('/account/confirm', async (request, reply) => {
    const { t, href } = ctx.view(request);
    const input = body(TokenPasswordBody, request);
    const check = await checkToken(input.token, 'confirm');
    if (!check.ok) return tokenProblem(request, reply, check, 'confirm');
    const refused = limited(request, reply, [
      ['signInPerAddress', clientKey(request)] as const,
      ['signInPerAccount', check.user.email] as const,
    ]);
    if (refused !== undefined) return refused;
    const full = await store.findById(check.user.id);
    if (input.password === '' || full === undefined || !(await verifyPassword(input.password, full.passwordHash))) {
      const message = input.password === '' ? t('account.error.passwordRequired') : t('account.error.confirmPasswordWrong');
      return confirmForm(request, reply, input.token, check.user, [{ field: 'confirm-password', message }]);
    }
    const used = await store.consumeToken(input.token, 'confirm');
    if (!used.ok) return tokenProblem(request, reply, used, 'confirm');
    await store.markVerified(used.user.id);
    if (accounts.adminEmail === used.user.email) await store.setRole(used.user.id, 'admin');
    await accounts.signIn(request, reply, used.user);
    return redirect(reply, href('/account', { notice: 'confirmed' }));
  });

  // Sign-in and sign-out

  const signInForm = (request: FastifyRequest, reply: FastifyReply, values: { email: string; next?: string | undefined; notice?: string | undefined }, errors: FieldError[]) => {
    const { t, href } = ctx.view(request);
    const next = safeNext(values.next);
    return ctx.page(request, reply, {
      status: errors.length === 0 ? 200 : 400,
      title: formTitle(t, t.text('account.signIn.title'), errors),
      heading: t('account.signIn.title'),
      breadcrumbs: [{ label: t.text('account.signIn.title') }],
      body: html`${errorSummary(t, errors)}
${notice(t, values.notice)}
${next !== undefined && errors.length === 0 && values.notice === undefined ? html`<p class="notice" role="status">${t('account.signIn.required')}</p>` : ''}
<form class="form" method="post" action="${href('/account/sign-in')}" novalidate>
${ctx.csrfField(request, reply)}
${next === undefined ? '' : html`<input type="hidden" name="next" value="${next}">`}
${field(t, { id: 'signin-email', name: 'email', type: 'email', label: t('account.field.email'), autocomplete: 'username', value: values.email, maxlength: EMAIL_LENGTH_MAX, errors })}
${field(t, { id: 'signin-password', name: 'password', type: 'password', label: t('account.field.password'), autocomplete: 'current-password', maxlength: PASSWORD_LENGTH_MAX, errors })}
<div class="actions"><button type="submit">${t('account.signIn.button')}</button></div>
</form>
<p><a href="${href('/account/forgot')}">${t('account.signIn.forgot')}</a></p>
<p>${t('account.signIn.noAccount')} <a href="${href('/account/sign-up')}">${t('account.nav.signUp')}</a></p>`,
    });
  };

  app.get('/account/sign-in', async (request, reply) => {
    const query = ctx.query(NextQuery, request, reply);
    if (query === undefined) return reply;
    return signInForm(request, reply, { email: '', next: query.next, notice: query.notice }, []);
  });

  app.post('/account/sign-in', async (request, reply) => {
    const { t, href } = ctx.view(request);
    const input = body(SignInBody, request);
    const email = normaliseEmail(input.email);
    const errors: FieldError[] = [];
    const emailKey = emailError(email);
    if (emailKey !== undefined) errors.push({ field: 'signin-email', message: t(emailKey) });
    if (input.password === '') errors.push({ field: 'signin-password', message: t('account.error.passwordRequired') });
    const refused = limited(request, reply, [
      ['signInPerAddress', clientKey(request)] as const,
      ...(emailKey === undefined ? [['signInPerAccount', email] as const] : []),
    ]);
    if (refused !== undefined) return refused;
    if (errors.length > 0) return signInForm(request, reply, { email: input.email, next: input.next }, errors);

    const user = await store.findByEmail(email);
    // Without an account, a dummy hash is checked so both answers take the same time.
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await accounts.dummyHash()));
    if (user === undefined || !ok) {
      return signInForm(request, reply, { email: input.email, next: input.next }, [{ field: 'signin-email', message: t('account.error.signInFailed') }]);
    }
    if (!user.verified) {
      await sendConfirmation(user);
      return signInForm(request, reply, { email: input.email, next: input.next }, [{ field: 'signin-email', message: t('account.error.notConfirmed') }]);
    }
    if (needsRehash(user.passwordHash, accounts.scrypt)) await store.setPassword(user.id, await hashPassword(input.password, accounts.scrypt));
    await accounts.signIn(request, reply, user);
    return redirect(reply, safeNext(input.next) ?? href('/account', { notice: 'signedIn' }));
  });

  app.post('/account/sign-out', async (request, reply) => {
    const { href } = ctx.view(request);
    await accounts.signOut(request, reply);
    return redirect(reply, href('/account/sign-in', { notice: 'signedOut' }));
  });

  // Forgotten password

  const forgotForm = (request: FastifyRequest, reply: FastifyReply, email: string, errors: FieldError[]) => {
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      status: errors.length === 0 ? 200 : 400,
      title: formTitle(t, t.text('account.forgot.title'), errors),
      heading: t('account.forgot.title'),
      breadcrumbs: [{ label: t.text('account.signIn.title'), path: '/account/sign-in' }, { label: t.text('account.forgot.title') }],
      body: html`${errorSummary(t, errors)}
<p>${t('account.forgot.intro')}</p>
<form class="form" method="post" action="${href('/account/forgot')}" novalidate>
${ctx.csrfField(request, reply)}
${field(t, { id: 'forgot-email', name: 'email', type: 'email', label: t('account.field.email'), autocomplete: 'username', value: email, maxlength: EMAIL_LENGTH_MAX, errors })}
<div class="actions"><button type="submit">${t('account.forgot.button')}</button></div>
</form>`,
    });
  };

  app.get('/account/forgot', async (request, reply) => forgotForm(request, reply, '', []));

  app.post('/account/forgot', async (request, reply) => {
    const { t } = ctx.view(request);
    const input = body(EmailBody, request);
    const email = normaliseEmail(input.email);
    const emailKey = emailError(email);
    const refused = limited(request, reply, [
      ['resetPerAddress', clientKey(request)] as const,
      ...(emailKey === undefined ? [['resetPerAccount', email] as const] : []),
    ]);
    if (refused !== undefined) return refused;
    if (emailKey !== undefined) return forgotForm(request, reply, input.email, [{ field: 'forgot-email', message: t(emailKey) }]);
    const user = await store.findByEmail(email);
    if (user !== undefined) await sendReset(user);
    return ctx.page(request, reply, {
      title: t.text('account.forgot.sentTitle'),
      breadcrumbs: [{ label: t.text('account.forgot.title'), path: '/account/forgot' }, { label: t.text('account.forgot.sentTitle') }],
      body: html`<p>${t('account.forgot.sentText', { email, duration: duration(t, accounts.tokenLifetimes.resetMs) })}</p>
<p>${t('account.signUp.sentSpam')}</p>`,
    });
  });

  const resetForm = (request: FastifyRequest, reply: FastifyReply, token: string, user: User, errors: FieldError[]) => {
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      status: errors.length === 0 ? 200 : 400,
      title: formTitle(t, t.text('account.reset.title'), errors),
      heading: t('account.reset.title'),
      body: html`${errorSummary(t, errors)}
<p>${t('account.reset.intro', { email: user.email })}</p>
<form class="form" method="post" action="${href('/account/reset')}" novalidate>
${ctx.csrfField(request, reply)}
<input type="hidden" name="token" value="${token}">
${field(t, { id: 'reset-password', name: 'password', type: 'password', label: t('account.field.newPassword'), hint: t('account.field.newPasswordHint', { min: PASSWORD_LENGTH_MIN }), autocomplete: 'new-password', minlength: PASSWORD_LENGTH_MIN, maxlength: PASSWORD_LENGTH_MAX, errors })}
<div class="actions"><button type="submit">${t('account.reset.button')}</button></div>
</form>`,
    });
  };

  app.get('/account/reset', async (request, reply) => {
    const query = ctx.query(TokenQuery, request, reply);
    if (query === undefined) return reply;
    const check = await checkToken(query.token, 'reset');
    if (!check.ok) return tokenProblem(request, reply, check, 'reset');
    return resetForm(request, reply, query.token ?? '', check.user, []);
  });

  app.post('/account/reset', async (request, reply) => {
    const { t, href } = ctx.view(request);
    const input = body(TokenPasswordBody, request);
    const check = await checkToken(input.token, 'reset');
    if (!check.ok) return tokenProblem(request, reply, check, 'reset');
    const problem = newPasswordError(input.password);
    if (problem !== undefined) return resetForm(request, reply, input.token, check.user, [{ field: 'reset-password', message: t(problem[0], problem[1]) }]);
    const passwordHash = await hashPassword(input.password, accounts.scrypt);
    const used = await store.consumeToken(input.token, 'reset');
    if (!used.ok) return tokenProblem(request, reply, used, 'reset');
    await store.setPassword(used.user.id, passwordHash);
    // The link proved the mailbox; whoever else was signed in (maybe the reason for the reset) is not.
    await store.markVerified(used.user.id);
    await store.deleteSessions(used.user.id);
    if (accounts.adminEmail === used.user.email) await store.setRole(used.user.id, 'admin');
    return redirect(reply, href('/account/sign-in', { notice: 'passwordReset' }));
  });

  // The account page

  const accountPage = (request: FastifyRequest, reply: FastifyReply, values: { notice?: string | undefined }, errors: FieldError[]) => {
    const user = ctx.requireUser(request, reply);
    if (user === undefined) return reply;
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      status: errors.length === 0 ? 200 : 400,
      title: formTitle(t, t.text('account.home.title'), errors),
      heading: t('account.home.title'),
      breadcrumbs: [{ label: t.text('account.home.title') }],
      body: html`${errorSummary(t, errors)}
${notice(t, values.notice)}
<dl class="facts">
<dt>${t('account.home.name')}</dt><dd>${user.name}</dd>
<dt>${t('account.home.email')}</dt><dd>${user.email}</dd>
<dt>${t('account.home.role')}</dt><dd>${t(`account.role.${user.role}`)}</dd>
</dl>
<h2>${t('account.password.title')}</h2>
<p>${t('account.password.intro')}</p>
<form class="form" method="post" action="${href('/account/password')}" novalidate>
${ctx.csrfField(request, reply)}
<input type="text" name="username" value="${user.email}" autocomplete="username" hidden>
${field(t, { id: 'password-current', name: 'current', type: 'password', label: t('account.field.currentPassword'), autocomplete: 'current-password', maxlength: PASSWORD_LENGTH_MAX, errors })}
${field(t, { id: 'password-new', name: 'password', type: 'password', label: t('account.field.newPassword'), hint: t('account.field.newPasswordHint', { min: PASSWORD_LENGTH_MIN }), autocomplete: 'new-password', minlength: PASSWORD_LENGTH_MIN, maxlength: PASSWORD_LENGTH_MAX, errors })}
<div class="actions"><button type="submit">${t('account.password.button')}</button></div>
</form>
<h2>${t('account.signOut.title')}</h2>
<form method="post" action="${href('/account/sign-out')}">
${ctx.csrfField(request, reply)}
<button type="submit">${t('account.signOut.button')}</button>
</form>`,
    });
  };

  app.get('/account', async (request, reply) => {
    const query = ctx.query(NoticeQuery, request, reply);
    if (query === undefined) return reply;
    return accountPage(request, reply, { notice: query.notice }, []);
  });

  app.post('/account/password', async (request, reply) => {
    const user = ctx.requireUser(request, reply);
    if (user === undefined) return reply;
    const { t, href } = ctx.view(request);
    const input = body(ChangePasswordBody, request);
    const refused = limited(request, reply, [
      ['signInPerAddress', clientKey(request)] as const,
      ['signInPerAccount', user.email] as const,
    ]);
    if (refused !== undefined) return refused;
    const errors: FieldError[] = [];
    const full = await store.findById(user.id);
    if (input.current === '') errors.push({ field: 'password-current', message: t('account.error.passwordRequired') });
    else if (full === undefined || !(await verifyPassword(input.current, full.passwordHash))) errors.push({ field: 'password-current', message: t('account.error.currentPasswordWrong') });
    const problem = newPasswordError(input.password);
    if (problem !== undefined) errors.push({ field: 'password-new', message: t(problem[0], problem[1]) });
    if (errors.length > 0 || full === undefined) return accountPage(request, reply, {}, errors);
    await store.setPassword(user.id, await hashPassword(input.password, accounts.scrypt));
    await store.deleteSessions(user.id, accounts.sessionHash(request));
    await store.deleteTokens(user.id, 'reset');
    mail(full, 'changed', [{ labelKey: 'account.mail.reset.action', url: absolute(full.locale, '/account/forgot') }]);
    return redirect(reply, href('/account', { notice: 'passwordChanged' }));
  });

  // Admin: users and roles

  app.get('/admin/users', async (request, reply) => {
    const me = ctx.requirePermission(request, reply, CORE_PERMISSIONS.manageUsers);
    if (me === undefined) return reply;
    const query = ctx.query(UsersQuery, request, reply);
    if (query === undefined) return reply;
    const { t, href } = ctx.view(request);
    const q = (query.q ?? '').trim();
    const pageNo = query.page ?? 1;
    const { total, users } = await store.listUsers({ search: q, limit: USERS_PAGE_SIZE, offset: (pageNo - 1) * USERS_PAGE_SIZE });
    const pages = Math.max(1, Math.ceil(total / USERS_PAGE_SIZE));
    let changed: SafeHtml | '' = '';
    if (query.notice === 'roleChanged' && query.user !== undefined) {
      const target = await store.findById(query.user);
      if (target !== undefined) changed = notice(t, 'roleChanged', { name: target.name, role: t.text(`account.role.${target.role}`) });
    }
    const problem = query.error === 'lastAdmin' ? html`<div class="error-summary" role="alert"><p>${t('account.error.lastAdmin')}</p></div>` : '';
    const rows = users.map(
      (u) => html`<tr>
<td>${u.name}${u.id === me.id ? html` ${t('account.users.you')}` : ''}</td>
<td>${u.email}</td>
<td>${u.verified ? t('account.users.confirmed') : t('account.users.pending')}</td>
<td><form class="inline-form" method="post" action="${href(`/admin/users/${u.id}/role`)}">
${ctx.csrfField(request, reply)}
<label class="visually-hidden" for="role-${u.id}">${t('account.users.roleFor', { name: u.name })}</label>
<select id="role-${u.id}" name="role">${ROLES.map((r) => (r === u.role ? html`<option value="${r}" selected>${t(`account.role.${r}`)}</option>` : html`<option value="${r}">${t(`account.role.${r}`)}</option>`))}</select>
<button type="submit">${t('account.users.change')}</button>
</form></td>
</tr>`,
    );
    const roleList = ROLES.map((r) => {
      const granted = [...accounts.permissions.of(r)].sort();
      const what = r === 'admin' ? t('account.users.roleAdmin') : granted.length === 0 ? t('account.users.roleNone') : html`${granted.map((p, i) => html`${i === 0 ? '' : ', '}<code>${p}</code>`)}`;
      return html`<dt>${t(`account.role.${r}`)}</dt><dd>${what}</dd>`;
    });
    const pagination =
      pages <= 1
        ? ''
        : html`<nav class="pagination" aria-label="${t.text('core.pagination.label')}"><ul>
${pageNo > 1 ? html`<li><a href="${href('/admin/users', { q, page: pageNo - 1 })}" rel="prev">${t('core.pagination.previous')}</a></li>` : ''}
<li>${t('core.pagination.status', { page: pageNo, pages })}</li>
${pageNo < pages ? html`<li><a href="${href('/admin/users', { q, page: pageNo + 1 })}" rel="next">${t('core.pagination.next')}</a></li>` : ''}
</ul></nav>`;
    return ctx.page(request, reply, {
      title: t.text('account.users.title'),
      breadcrumbs: [{ label: t.text('account.users.title') }],
      body: html`${problem}${changed}
<p>${t('account.users.intro')}</p>
<form class="filters" role="search" method="get" action="${href('/admin/users')}">
<div class="field"><label for="users-q">${t('account.users.search')}</label>
<input id="users-q" type="search" name="q" value="${q}" maxlength="200"></div>
<div class="actions"><button type="submit">${t('account.users.searchButton')}</button></div>
</form>
<p role="status">${t('account.users.count', { count: total })}</p>
<div class="table-wrap"><table class="users">
<thead><tr><th scope="col">${t('account.users.name')}</th><th scope="col">${t('account.users.email')}</th><th scope="col">${t('account.users.status')}</th><th scope="col">${t('account.users.role')}</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
${pagination}
<h2>${t('account.users.roles')}</h2>
<dl class="facts">${roleList}</dl>`,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/users/:id/role', async (request, reply) => {
    const me = ctx.requirePermission(request, reply, CORE_PERMISSIONS.manageUsers);
    if (me === undefined) return reply;
    const { href } = ctx.view(request);
    const id = request.params.id;
    const target = z.uuid().safeParse(id).success ? await store.findById(id) : undefined;
    if (target === undefined) return ctx.notFound(request, reply);
    const role = body(RoleBody, request).role;
    if (!isRole(role)) return deps.badRequest(request, reply);
    if (target.role === 'admin' && role !== 'admin' && (await store.countAdmins()) <= 1) {
      return redirect(reply, href('/admin/users', { error: 'lastAdmin' }));
    }
    await store.setRole(target.id, role);
    request.log.info({ admin: me.id, user: target.id, role }, 'role changed');
    return redirect(reply, href('/admin/users', { notice: 'roleChanged', user: target.id }));
  });

  // Admin: the outbox

  const linkify = (value: string): SafeHtml => {
    const parts = value.split(/(https?:\/\/[^\s<>"]+)/g);
    return html`${parts.map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : html`${part}`))}`;
  };

  app.get('/admin/outbox', async (request, reply) => {
    if (ctx.requirePermission(request, reply, CORE_PERMISSIONS.readOutbox) === undefined) return reply;
    const { t, href } = ctx.view(request);
    const outbox = accounts.mailer.outbox;
    const entries = outbox?.list(OUTBOX_LIST_MAX) ?? [];
    const body =
      outbox === undefined
        ? html`<p>${t('account.outbox.smtp', { server: accounts.mailer.destination })}</p>`
        : html`<p>${t('account.outbox.intro')}</p>
${entries.length === 0
  ? html`<p>${t('account.outbox.empty')}</p>`
  : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('account.outbox.date')}</th><th scope="col">${t('account.outbox.to')}</th><th scope="col">${t('account.outbox.subject')}</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td>${e.date.slice(0, 19).replace('T', ' ')}</td><td>${e.to}</td><td><a href="${href(`/admin/outbox/${e.id}`)}">${e.subject}</a></td></tr>`)}</tbody>
</table></div>`}`;
    return ctx.page(request, reply, { title: t.text('account.outbox.title'), breadcrumbs: [{ label: t.text('account.outbox.title') }], body });
  });

  app.get<{ Params: { id: string } }>('/admin/outbox/:id', async (request, reply) => {
    if (ctx.requirePermission(request, reply, CORE_PERMISSIONS.readOutbox) === undefined) return reply;
    const { t } = ctx.view(request);
    const entry = accounts.mailer.outbox?.get(request.params.id);
    if (entry === undefined) return ctx.notFound(request, reply);
    return ctx.page(request, reply, {
      title: entry.subject,
      breadcrumbs: [{ label: t.text('account.outbox.title'), path: '/admin/outbox' }, { label: entry.subject }],
      body: html`<dl class="facts">
<dt>${t('account.outbox.date')}</dt><dd>${entry.date}</dd>
<dt>${t('account.outbox.to')}</dt><dd>${entry.to}</dd>
</dl>
<pre class="mail-text">${linkify(entry.text)}</pre>`,
    });
  });
}
