/**
 * Test helpers for the accounts code: a hub with a probe module, cheap password hashing, a
 * clock the test moves, an in-memory outbox, and a cookie-keeping client over inject().
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildHub, createI18n, loadHubContent, type HubAccountOptions } from '../app.ts';
import type { Database } from '../db/index.ts';
import { Mailer } from '../mail/index.ts';
import type { HubModule } from '../modules/types.ts';
import { DEFAULT_CONTENT_DIR } from '../server.ts';
import { openTestDatabase } from '../testing.ts';
import { TEST_SCRYPT } from './passwords.ts';

/** A module with one page per kind of guard, to test what modules get. */
export const probe: HubModule = {
  id: 'probe',
  messages: { en: {} },
  migrations: [],
  permissions: ['probe.edit', 'probe.publish'],
  grants: { editor: ['probe.edit', 'probe.publish'], lead: ['probe.edit'] },
  routes(app, ctx) {
    app.get('/probe/me', async (request) => ({ user: ctx.user(request) ?? null, canEdit: ctx.can(request, 'probe.edit') }));
    app.get('/probe/edit', async (request, reply) => {
      const user = ctx.requirePermission(request, reply, 'probe.edit');
      if (user === undefined) return reply;
      return { editing: user.name };
    });
    app.post('/probe/publish', async (request, reply) => {
      const user = ctx.requirePermission(request, reply, 'probe.publish');
      if (user === undefined) return reply;
      return { published: user.id };
    });
    app.get('/probe/typo', async (request, reply) => ctx.requirePermission(request, reply, 'probe.eddit') ?? reply);
    app.get('/probe/names', async (request) => Object.fromEntries(await ctx.userNames([ctx.user(request)?.id ?? 'none'])));
  },
};

function withoutHubOptions<T extends { https?: boolean; database?: Database }>(options: T): Omit<T, 'https' | 'database'> {
  const { https: _https, database: _database, ...rest } = options;
  return rest;
}

export interface TestClock {
  now: number;
  advance(ms: number): void;
}

export interface AccountsHub {
  app: FastifyInstance;
  mailer: Mailer;
  clock: TestClock;
  close(): Promise<void>;
}

export async function accountsHub(options: Partial<HubAccountOptions> & { https?: boolean; database?: Database } = {}): Promise<AccountsHub> {
  const clock: TestClock = {
    now: Date.parse('2026-06-01T12:00:00Z'),
    advance(ms) {
      this.now += ms;
    },
  };
  const mailer = options.mailer ?? new Mailer({ transport: { kind: 'memory' }, from: 'DCBT Hub <hub@hub.test>' });
  const database = options.database ?? (await openTestDatabase());
  const modules = [probe];
  const app = await buildHub({
    db: database.db,
    content: loadHubContent(DEFAULT_CONTENT_DIR, modules),
    i18n: createI18n(modules),
    modules,
    rateLimitPerMinute: false,
    https: options.https === true,
    accounts: { publicUrl: 'https://hub.test', scrypt: TEST_SCRYPT, now: () => clock.now, ...withoutHubOptions(options), mailer },
  });
  if (options.database === undefined) {
    app.addHook('onClose', async () => {
      await database.close();
    });
  }
  return { app, mailer, clock, close: () => app.close() };
}

/** A browser over inject(): keeps cookies, finds the CSRF field of the last page. */
export class Client {
  readonly #app: FastifyInstance;
  readonly cookies = new Map<string, string>();
  readonly headers: Record<string, string>;
  last: LightMyRequestResponse | undefined;
  /** The CSRF token of the last page that had one (a redirect or error page has none). */
  lastCsrf = '';

  constructor(app: FastifyInstance, headers: Record<string, string> = {}) {
    this.#app = app;
    this.headers = headers;
  }

  #keep(res: LightMyRequestResponse): LightMyRequestResponse {
    const set = res.headers['set-cookie'];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    this.last = res;
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token !== undefined) this.lastCsrf = token;
    return res;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.#keep(await this.#app.inject({ method: 'GET', url, headers: { ...this.headers, cookie: this.cookieHeader() } }));
  }

  /** The `_csrf` value of the last page's first form (or of the form posting to `action`). */
  csrf(action?: string): string {
    const body = this.last?.body ?? '';
    const start = action === undefined ? 0 : body.indexOf(`action="${action}"`);
    const m = /name="_csrf" value="([^"]+)"/.exec(body.slice(Math.max(0, start)));
    return m?.[1] ?? this.lastCsrf;
  }

  /** Posts a form; `_csrf` is taken from the last page unless given. */
  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const form = { _csrf: this.csrf(url.split('?')[0]), ...fields };
    return this.#keep(
      await this.#app.inject({
        method: 'POST',
        url,
        headers: { ...this.headers, cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      }),
    );
  }
}

/** The first link in the newest outbox message to `to` whose path contains `path`. */
export async function linkIn(mailer: Mailer, to: string, path: string): Promise<string> {
  await mailer.idle();
  const entry = mailer.outbox?.list(1000).find((e) => e.to === to && e.text.includes(path));
  const url = entry?.text.match(/https:\/\/hub\.test\/\S+/g)?.find((u) => u.includes(path));
  if (url === undefined) throw new Error(`no message to ${to} with a link to ${path}`);
  return url.replace('https://hub.test', '');
}
