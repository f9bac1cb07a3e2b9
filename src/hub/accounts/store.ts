/**
 * Users, sessions and one-time tokens in the hub's database (SQLite or PostgreSQL). Times are
 * ISO-8601 UTC strings of one fixed width, so they compare correctly as text on both.
 * Session ids and tokens are stored as SHA-256 hashes (tokens.ts).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { HubDb } from '../db/index.ts';
import type { Migration } from '../db/migrate.ts';
import type { Locale } from '../i18n/index.ts';
import { isRole, type Role } from './roles.ts';
import { hashToken, newToken } from './tokens.ts';

export type AccountTables = {
  hub_users: {
    id: string;
    email: string;
    name: string;
    password_hash: string;
    role: string;
    locale: string;
    email_verified_at: string | null;
    created_at: string;
    password_changed_at: string;
  };
  hub_sessions: {
    id_hash: string;
    user_id: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
  };
  hub_tokens: {
    token_hash: string;
    user_id: string;
    purpose: string;
    created_at: string;
    expires_at: string;
    used_at: string | null;
  };
};

export const accountMigrations: readonly Migration[] = [
  {
    id: '0001-users-sessions-tokens',
    async up(db) {
      await db.schema
        .createTable('hub_users')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('email', 'varchar(254)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
        .addColumn('role', 'varchar(20)', (c) => c.notNull().defaultTo('member'))
        .addColumn('locale', 'varchar(10)', (c) => c.notNull())
        .addColumn('email_verified_at', 'varchar(30)')
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('password_changed_at', 'varchar(30)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('hub_users_email').unique().on('hub_users').column('email').execute();
      await db.schema
        .createTable('hub_sessions')
        .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('hub_users.id').onDelete('cascade'))
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('last_seen_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('hub_sessions_user').on('hub_sessions').column('user_id').execute();
      await db.schema.createIndex('hub_sessions_expires').on('hub_sessions').column('expires_at').execute();
      await db.schema
        .createTable('hub_tokens')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('hub_users.id').onDelete('cascade'))
        .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('used_at', 'varchar(30)')
        .execute();
      await db.schema.createIndex('hub_tokens_user').on('hub_tokens').columns(['user_id', 'purpose']).execute();
    },
  },
];

export type TokenPurpose = 'confirm' | 'reset';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: Locale;
  verified: boolean;
  createdAt: string;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

export interface SessionLimits {
  /** A session ends this long after sign-in, however active. */
  lifetimeMs: number;
  /** A session ends after this long without a request. */
  idleTimeoutMs: number;
  /** last_seen_at is written at most this often per session (saves a write per request). */
  touchIntervalMs: number;
}

export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = {
  lifetimeMs: 30 * 24 * 3600_000,
  idleTimeoutMs: 7 * 24 * 3600_000,
  touchIntervalMs: 60_000,
};

export type TokenCheck = { ok: true; user: User } | { ok: false; reason: 'unknown' | 'expired' | 'used' };

type Row = AccountTables['hub_users'];

function toUser(row: Row): UserWithHash {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: isRole(row.role) ? row.role : 'member',
    locale: row.locale as Locale,
    verified: row.email_verified_at !== null,
    createdAt: row.created_at,
    passwordHash: row.password_hash,
  };
}

function withoutHash(user: UserWithHash): User {
  const { passwordHash: _passwordHash, ...rest } = user;
  return rest;
}

/** Lower-cases and trims: addresses are compared case-insensitively, as people expect. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class AccountStore {
  readonly #db: Kysely<AccountTables>;
  readonly #now: () => number;
  readonly limits: SessionLimits;

  constructor(db: HubDb, options: { now?: () => number; sessionLimits?: SessionLimits } = {}) {
    this.#db = db.withTables<AccountTables>();
    this.#now = options.now ?? Date.now;
    this.limits = options.sessionLimits ?? DEFAULT_SESSION_LIMITS;
  }

  // Users

  async findByEmail(email: string): Promise<UserWithHash | undefined> {
    const row = await this.#db.selectFrom('hub_users').selectAll().where('email', '=', normaliseEmail(email)).executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  }

  async findById(id: string): Promise<UserWithHash | undefined> {
    const row = await this.#db.selectFrom('hub_users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  }

  async createUser(input: { email: string; name: string; passwordHash: string; locale: Locale; role?: Role; verified?: boolean }): Promise<User> {
    const now = iso(this.#now());
    const row: Row = {
      id: randomUUID(),
      email: normaliseEmail(input.email),
      name: input.name,
      password_hash: input.passwordHash,
      role: input.role ?? 'member',
      locale: input.locale,
      email_verified_at: input.verified === true ? now : null,
      created_at: now,
      password_changed_at: now,
    };
    await this.#db.insertInto('hub_users').values(row).execute();
    return withoutHash(toUser(row));
  }

  /** Replaces the name, password and locale of an account whose address is not confirmed yet. */
  async replacePending(id: string, input: { name: string; passwordHash: string; locale: Locale }): Promise<void> {
    await this.#db
      .updateTable('hub_users')
      .set({ name: input.name, password_hash: input.passwordHash, locale: input.locale, password_changed_at: iso(this.#now()) })
      .where('id', '=', id)
      .where('email_verified_at', 'is', null)
      .execute();
  }

  async markVerified(id: string): Promise<void> {
    await this.#db.updateTable('hub_users').set({ email_verified_at: iso(this.#now()) }).where('id', '=', id).where('email_verified_at', 'is', null).execute();
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.#db.updateTable('hub_users').set({ password_hash: passwordHash, password_changed_at: iso(this.#now()) }).where('id', '=', id).execute();
  }

  async setRole(id: string, role: Role): Promise<void> {
    await this.#db.updateTable('hub_users').set({ role }).where('id', '=', id).execute();
  }

  async countAdmins(): Promise<number> {
    const row = await this.#db.selectFrom('hub_users').select((eb) => eb.fn.countAll<number | string>().as('n')).where('role', '=', 'admin').executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** A page of users ordered by e-mail address, optionally those whose address or name contains `search`. */
  async listUsers(options: { search?: string; limit: number; offset: number }): Promise<{ total: number; users: User[] }> {
    let query = this.#db.selectFrom('hub_users');
    const search = options.search?.trim().toLowerCase() ?? '';
    if (search !== '') {
      // LIKE wildcards in the input are escaped: a search for "a_b" matches those three characters.
      const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // SQLite has no default LIKE escape character, so it is named; PostgreSQL accepts the same clause.
      query = query.where(sql<boolean>`(email like ${pattern} escape '\\' or lower(name) like ${pattern} escape '\\')`);
    }
    const total = Number((await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await query.selectAll().orderBy('email').limit(options.limit).offset(options.offset).execute();
    return { total, users: rows.map((r) => withoutHash(toUser(r))) };
  }

  async names(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db.selectFrom('hub_users').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  // One-time tokens

  /** A new token for `purpose`; earlier unused tokens of the same purpose stop working. */
  async issueToken(userId: string, purpose: TokenPurpose, lifetimeMs: number): Promise<string> {
    const token = newToken();
    const now = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('hub_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
      await trx
        .insertInto('hub_tokens')
        .values({ token_hash: hashToken(token), user_id: userId, purpose, created_at: iso(now), expires_at: iso(now + lifetimeMs), used_at: null })
        .execute();
    });
    return token;
  }

  /** Looks a token up without using it (for the page that asks the user to act on it). */
  async checkToken(token: string, purpose: TokenPurpose): Promise<TokenCheck> {
    const row = await this.#db.selectFrom('hub_tokens').selectAll().where('token_hash', '=', hashToken(token)).where('purpose', '=', purpose).executeTakeFirst();
    if (row === undefined) return { ok: false, reason: 'unknown' };
    if (row.used_at !== null) return { ok: false, reason: 'used' };
    if (row.expires_at <= iso(this.#now())) return { ok: false, reason: 'expired' };
    const user = await this.findById(row.user_id);
    return user === undefined ? { ok: false, reason: 'unknown' } : { ok: true, user: withoutHash(user) };
  }

  /**
   * Uses a token once: the conditional update succeeds for exactly one caller, even when two
   * requests race with the same link.
   */
  async consumeToken(token: string, purpose: TokenPurpose): Promise<TokenCheck> {
    const check = await this.checkToken(token, purpose);
    if (!check.ok) return check;
    const now = iso(this.#now());
    const result = await this.#db
      .updateTable('hub_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? check : { ok: false, reason: 'used' };
  }

  async deleteTokens(userId: string, purpose: TokenPurpose): Promise<void> {
    await this.#db.deleteFrom('hub_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
  }

  // Sessions

  /** Starts a session; returns the id for the cookie (only its hash is stored). */
  async createSession(userId: string): Promise<string> {
    const id = newToken();
    const now = this.#now();
    await this.#db
      .insertInto('hub_sessions')
      .values({ id_hash: hashToken(id), user_id: userId, created_at: iso(now), last_seen_at: iso(now), expires_at: iso(now + this.limits.lifetimeMs) })
      .execute();
    return id;
  }

  /** The signed-in user of a session id, or undefined when unknown, expired or idle too long. */
  async resolveSession(id: string): Promise<{ user: User; sessionHash: string } | undefined> {
    const idHash = hashToken(id);
    const row = await this.#db
      .selectFrom('hub_sessions')
      .innerJoin('hub_users', 'hub_users.id', 'hub_sessions.user_id')
      .selectAll('hub_users')
      .select(['hub_sessions.last_seen_at', 'hub_sessions.expires_at'])
      .where('hub_sessions.id_hash', '=', idHash)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const now = this.#now();
    if (row.expires_at <= iso(now) || Date.parse(row.last_seen_at) + this.limits.idleTimeoutMs <= now || row.email_verified_at === null) {
      await this.#db.deleteFrom('hub_sessions').where('id_hash', '=', idHash).execute();
      return undefined;
    }
    if (now - Date.parse(row.last_seen_at) >= this.limits.touchIntervalMs) {
      await this.#db.updateTable('hub_sessions').set({ last_seen_at: iso(now) }).where('id_hash', '=', idHash).execute();
    }
    return { user: withoutHash(toUser(row)), sessionHash: idHash };
  }

  async deleteSession(id: string): Promise<void> {
    await this.#db.deleteFrom('hub_sessions').where('id_hash', '=', hashToken(id)).execute();
  }

  /** Ends every session of a user, except the one whose hash is `keepHash`. */
  async deleteSessions(userId: string, keepHash?: string): Promise<void> {
    let query = this.#db.deleteFrom('hub_sessions').where('user_id', '=', userId);
    if (keepHash !== undefined) query = query.where('id_hash', '!=', keepHash);
    await query.execute();
  }

  async countSessions(userId: string): Promise<number> {
    const row = await this.#db.selectFrom('hub_sessions').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deletes expired sessions and tokens (run now and then; lookups check expiry anyway). */
  async prune(): Promise<void> {
    const now = this.#now();
    await this.#db.deleteFrom('hub_sessions').where((eb) => eb.or([eb('expires_at', '<=', iso(now)), eb('last_seen_at', '<=', iso(now - this.limits.idleTimeoutMs))])).execute();
    await this.#db.deleteFrom('hub_tokens').where('expires_at', '<=', iso(now)).execute();
  }
}
