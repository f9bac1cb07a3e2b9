/**
 * The first administrator, made from the command line: creates the account (or promotes an
 * existing one), marks its address as confirmed, and returns a one-time link on which to choose
 * the password. No password ever passes through a shell, a log or an environment variable.
 */
import { DcbtError } from '../../errors.ts';
import type { HubDb } from '../db/index.ts';
import { coreMigrations, migrate } from '../db/migrate.ts';
import type { Locale } from '../i18n/index.ts';
import { DEFAULT_TOKEN_LIFETIMES } from './index.ts';
import { AccountStore, accountMigrations, normaliseEmail } from './store.ts';

export interface CreatedAdmin {
  email: string;
  created: boolean;
  /** Path below the site root, e.g. /en/account/reset?token=… */
  setPasswordPath: string;
  expiresInMs: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

export class AdminSetupError extends DcbtError<'ADMIN_SETUP'> {
  constructor(message: string) {
    super('ADMIN_SETUP', message);
  }
}

export async function createAdmin(db: HubDb, input: { email: string; name?: string; locale?: Locale; lifetimeMs?: number }): Promise<CreatedAdmin> {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254) throw new AdminSetupError(`"${input.email}" is not an e-mail address; give the new admin's address, e.g. --create-admin alice@example.org`);
  await migrate(db, [
    { module: 'core', migrations: coreMigrations },
    { module: 'accounts', migrations: accountMigrations },
  ]);
  const store = new AccountStore(db);
  const lifetimeMs = input.lifetimeMs ?? DEFAULT_TOKEN_LIFETIMES.adminSetupMs;
  let user = await store.findByEmail(email);
  const created = user === undefined;
  if (user === undefined) {
    // "!" is no valid hash: nobody can sign in until the password is chosen on the link.
    await store.createUser({ email, name: input.name ?? email.split('@')[0] ?? email, passwordHash: '!', locale: input.locale ?? 'en', role: 'admin', verified: true });
    user = await store.findByEmail(email);
  } else {
    await store.setRole(user.id, 'admin');
    await store.markVerified(user.id);
  }
  if (user === undefined) throw new AdminSetupError(`the account ${email} could not be created`);
  const token = await store.issueToken(user.id, 'reset', lifetimeMs);
  return { email, created, setPasswordPath: `/${user.locale}/account/reset?token=${token}`, expiresInMs: lifetimeMs };
}
