/**
 * Accounts: who is signed in (sessions in the database, so several hub processes can share
 * them), what they may do (roles → permissions), and the limits on the forms that guess or
 * send mail. The pages are in routes.ts; modules use this through ModuleContext.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubDb } from '../db/index.ts';
import type { Mailer } from '../mail/index.ts';
import { FixedWindowLimiter, type LimitResult, type WindowLimit } from './limiter.ts';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './passwords.ts';
import { CORE_PERMISSIONS, type Permissions, type Role } from './roles.ts';
import { AccountStore, DEFAULT_SESSION_LIMITS, normaliseEmail, type SessionLimits, type User } from './store.ts';
import { isToken } from './tokens.ts';

export { CORE_PERMISSIONS, ROLES, type Role } from './roles.ts';

/** The signed-in user, as modules see it. */
export interface CurrentUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** True when the user's role holds `permission` (declared by a module or the core). */
  can(permission: string): boolean;
}

export interface TokenLifetimes {
  confirmMs: number;
  resetMs: number;
  /** The set-your-password link printed by --create-admin. */
  adminSetupMs: number;
}

export const DEFAULT_TOKEN_LIFETIMES: Readonly<TokenLifetimes> = {
  confirmMs: 24 * 3600_000,
  resetMs: 3600_000,
  adminSetupMs: 24 * 3600_000,
};

export interface AuthRateLimits {
  signInPerAddress: WindowLimit;
  signInPerAccount: WindowLimit;
  signUpPerAddress: WindowLimit;
  signUpPerAccount: WindowLimit;
  resetPerAddress: WindowLimit;
  resetPerAccount: WindowLimit;
}

const MINUTE_MS = 60_000;

/** Per client address and per account (the e-mail address typed, or the signed-in user). */
export const DEFAULT_AUTH_RATE_LIMITS: Readonly<AuthRateLimits> = {
  signInPerAddress: { max: 30, windowMs: 15 * MINUTE_MS },
  signInPerAccount: { max: 10, windowMs: 15 * MINUTE_MS },
  signUpPerAddress: { max: 10, windowMs: 60 * MINUTE_MS },
  signUpPerAccount: { max: 3, windowMs: 60 * MINUTE_MS },
  resetPerAddress: { max: 10, windowMs: 60 * MINUTE_MS },
  resetPerAccount: { max: 3, windowMs: 60 * MINUTE_MS },
};

/** OWASP ASVS 4 (2.1.1): at least 12 characters; no composition rules. */
export const PASSWORD_LENGTH_MIN = 12;
export const NAME_LENGTH_MAX = 100;
export const EMAIL_LENGTH_MAX = 254;

export interface AccountsOptions {
  mailer: Mailer;
  /** Base URL for links in e-mail, e.g. https://hub.example.org (never taken from the Host header). */
  publicUrl: () => string;
  /** HTTPS: Secure cookies with the __Host- prefix. */
  secureCookies: boolean;
  scrypt?: ScryptParams;
  sessionLimits?: SessionLimits;
  tokenLifetimes?: TokenLifetimes;
  rateLimits?: AuthRateLimits;
  /** The account with this address becomes an admin once its address is confirmed. */
  adminEmail?: string | undefined;
  now?: () => number;
}

interface RequestAuth {
  user: CurrentUser | undefined;
  sessionHash: string | undefined;
}

const SESSION_COOKIE = 'hub_session';

function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type LimitName = keyof AuthRateLimits;
export type LimitCheck = readonly [LimitName, string];

export class Accounts {
  readonly store: AccountStore;
  readonly permissions: Permissions;
  readonly mailer: Mailer;
  readonly scrypt: ScryptParams;
  readonly tokenLifetimes: TokenLifetimes;
  readonly adminEmail: string | undefined;
  readonly cookieName: string;
  readonly #options: AccountsOptions;
  readonly #auth = new WeakMap<FastifyRequest, RequestAuth>();
  readonly #limiters: Record<LimitName, FixedWindowLimiter>;
  readonly #now: () => number;
  /** A hash of a random password, checked when an address has no account (same time either way). */
  #dummyHash: Promise<string> | undefined;
  #lastPrune = 0;

  constructor(db: HubDb, permissions: Permissions, options: AccountsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.store = new AccountStore(db, { now: this.#now, sessionLimits: options.sessionLimits ?? DEFAULT_SESSION_LIMITS });
    this.permissions = permissions;
    this.mailer = options.mailer;
    this.scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.tokenLifetimes = options.tokenLifetimes ?? DEFAULT_TOKEN_LIFETIMES;
    this.adminEmail = options.adminEmail === undefined || options.adminEmail === '' ? undefined : normaliseEmail(options.adminEmail);
    this.cookieName = options.secureCookies ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
    const limits = options.rateLimits ?? DEFAULT_AUTH_RATE_LIMITS;
    const make = (name: LimitName) => new FixedWindowLimiter(limits[name], { now: this.#now });
    this.#limiters = {
      signInPerAddress: make('signInPerAddress'),
      signInPerAccount: make('signInPerAccount'),
      signUpPerAddress: make('signUpPerAddress'),
      signUpPerAccount: make('signUpPerAccount'),
      resetPerAddress: make('resetPerAddress'),
      resetPerAccount: make('resetPerAccount'),
    };
  }

  publicUrl(): string {
    return this.#options.publicUrl().replace(/\/+$/, '');
  }

  dummyHash(): Promise<string> {
    this.#dummyHash ??= hashPassword(`no account ${Math.random()}`, this.scrypt);
    return this.#dummyHash;
  }

  /** Counts an attempt; the first limit exceeded wins. */
  limit(checks: readonly LimitCheck[]): LimitResult {
    let result: LimitResult = { allowed: true, retryAfterSeconds: 0 };
    for (const [name, key] of checks) {
      const r = this.#limiters[name].hit(key);
      if (!r.allowed && result.allowed) result = r;
    }
    return result;
  }

  currentUser(user: User): CurrentUser {
    const permissions = this.permissions;
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      can: (permission) => permissions.allows(user.role, permission),
    };
  }

  /** onRequest: finds the session named by the cookie (skipped for requests without one). */
  async resolve(request: FastifyRequest): Promise<void> {
    const id = readCookie(request, this.cookieName);
    if (id === undefined || !isToken(id)) return;
    const found = await this.store.resolveSession(id);
    if (found === undefined) return;
    this.#auth.set(request, { user: this.currentUser(found.user), sessionHash: found.sessionHash });
    if (this.#now() - this.#lastPrune > 3600_000) {
      this.#lastPrune = this.#now();
      await this.store.prune();
    }
  }

  user(request: FastifyRequest): CurrentUser | undefined {
    return this.#auth.get(request)?.user;
  }

  /** What CSRF tokens are bound to: the session once there is one. */
  csrfBinding(request: FastifyRequest): string {
    return this.#auth.get(request)?.sessionHash ?? '';
  }

  sessionHash(request: FastifyRequest): string | undefined {
    return this.#auth.get(request)?.sessionHash;
  }

  sessionId(request: FastifyRequest): string | undefined {
    const id = readCookie(request, this.cookieName);
    return id !== undefined && isToken(id) ? id : undefined;
  }

  #cookie(value: string, maxAgeSeconds: number): string {
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(this.#options.secureCookies ? ['Secure'] : [])];
    return `${this.cookieName}=${value}; ${attributes.join('; ')}`;
  }

  /** Starts a session for `user` (ending the request's previous one) and sets the cookie. */
  async signIn(request: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
    const previous = this.sessionId(request);
    if (previous !== undefined) await this.store.deleteSession(previous);
    const id = await this.store.createSession(user.id);
    reply.header('set-cookie', this.#cookie(id, Math.floor(this.store.limits.lifetimeMs / 1000)));
  }

  async signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = this.sessionId(request);
    if (id !== undefined) await this.store.deleteSession(id);
    this.#auth.delete(request);
    reply.header('set-cookie', this.#cookie('', 0));
  }

  /** Grants admin to the configured address when that account is confirmed. */
  async promoteConfiguredAdmin(): Promise<void> {
    if (this.adminEmail === undefined) return;
    const user = await this.store.findByEmail(this.adminEmail);
    if (user !== undefined && user.verified && user.role !== 'admin') await this.store.setRole(user.id, 'admin');
  }

  isManager(request: FastifyRequest): boolean {
    return this.user(request)?.can(CORE_PERMISSIONS.manageUsers) === true;
  }
}
