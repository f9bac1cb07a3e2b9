/**
 * The contract between the hub's core and its modules. A module is a folder under
 * src/hub/modules/<id>/ whose manifest.ts default-exports a HubModule. Modules import the
 * core (this file, html.ts, i18n, content, db) but never each other.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { ContentCheckResult, ContentKind, ContentStore } from '../content/index.ts';
import type { HubDb } from '../db/index.ts';
import type { Migration } from '../db/migrate.ts';
import type { CurrentUser, Role } from '../accounts/index.ts';

export type { CurrentUser, Role } from '../accounts/index.ts';
import type { SafeHtml } from '../html.ts';
import type { Catalogue, I18n, Locale, Translator } from '../i18n/index.ts';

export interface NavEntry {
  /** Catalogue key of the label. */
  labelKey: string;
  /** Path below the locale, starting with "/": "/learn" is served at "/en/learn", "/fr/learn", … */
  path: string;
  /** Catalogue key of a one-sentence description (shown on the home page). */
  descriptionKey?: string;
}

/** One searchable item, in one locale. */
export interface SearchDoc {
  /** Stable within the module, e.g. "glossary:block". */
  ref: string;
  /** Catalogue key naming the kind of item ("Glossary term"). */
  kindKey: string;
  /** The locale whose readers see this document. */
  locale: Locale;
  /** The language the title and text are actually written in (English when not translated). */
  lang: Locale;
  title: string;
  text: string;
  /** Path below the locale, like NavEntry.path, or an absolute https URL for an external item. */
  path: string;
}

export interface HubModule {
  /** Lower-case ASCII; prefixes the module's catalogue keys, permissions and table names. */
  id: string;
  nav?: NavEntry;
  /** The module's interface strings; keys start with "<id>.". English is required. */
  messages: Readonly<Partial<Record<Locale, Catalogue>>> & { en: Catalogue };
  /** Registers routes on a scope mounted at "/:locale" (the locale is already validated). */
  routes(app: FastifyInstance, ctx: ModuleContext): void | Promise<void>;
  /** Database migrations, applied in order after the core's. Table names start with "<id>_". */
  migrations: readonly Migration[];
  /** Permissions the module defines ("<id>.<action>"). An admin holds them all. */
  permissions: readonly string[];
  /** Which of the module's permissions each other role holds, e.g. `{ editor: ['learn.edit'] }`. */
  grants?: Readonly<Partial<Record<Role, readonly string[]>>>;
  /** Content kinds read from the content folder at start-up. */
  contentSchemas?: readonly ContentKind<{ id: string }>[];
  /** Cross-file checks run after every kind has loaded (dangling references, …). */
  contentCheck?(content: ContentStore): ContentCheckResult;
  /** Inserts initial rows into a freshly migrated database. Must be idempotent. */
  seed?(db: HubDb): Promise<void>;
  /** Documents for the site search, for every locale in `locales`. */
  search?(content: ContentStore, locales: readonly Locale[]): SearchDoc[];
}

export interface Crumb {
  label: string | SafeHtml;
  /** Path below the locale; omitted for the current page. */
  path?: string;
}

export interface PageSpec {
  /** Plain-text page title (the <title> gets " — site name" appended). */
  title: string;
  /** The h1; defaults to the title. Every page has exactly one. */
  heading?: SafeHtml;
  /** Plain-text summary for <meta name="description">. */
  description?: string;
  breadcrumbs?: readonly Crumb[];
  body: SafeHtml;
  status?: number;
  /**
   * Page scripts by asset name ("demo-chain.js" for src/hub/client/pages/demo-chain.ts), loaded
   * as `<script type="module">`. They only enhance: the page must work without them.
   */
  scripts?: readonly string[];
  /** Extra stylesheets by asset name in src/hub/public ("demos.css"), after the main one. */
  styles?: readonly string[];
}

/** What a request handler needs to know about the request's locale. */
export interface RequestView {
  locale: Locale;
  t: Translator;
  /** "/learn/glossary" → "/fr/learn/glossary" */
  href(path: string, query?: Record<string, string | number | undefined>): string;
}

export interface ModuleContext {
  readonly db: HubDb;
  readonly content: ContentStore;
  readonly i18n: I18n;
  readonly rpcUrl: string | undefined;
  /** The node's DNS server, when the hub knows it (dig commands on pages). */
  readonly dnsServer: { host: string; port: number } | undefined;
  view(request: FastifyRequest): RequestView;
  /** Renders a page in the layout and sends it. */
  page(request: FastifyRequest, reply: FastifyReply, spec: PageSpec): FastifyReply;
  /** Sends the localised 404 page. */
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /**
   * Validates the query string with a zod schema. On failure sends the localised 400 page and
   * returns undefined (the handler should then return the reply).
   */
  query<T>(schema: z.ZodType<T>, request: FastifyRequest, reply: FastifyReply): T | undefined;
  /** A hidden input with the request's CSRF token, for every POST form. */
  csrfField(request: FastifyRequest, reply: FastifyReply): SafeHtml;
  /** The signed-in user, or undefined. Resolved before the handler runs (no await needed). */
  user(request: FastifyRequest): CurrentUser | undefined;
  /** True when someone is signed in and their role holds `permission`. */
  can(request: FastifyRequest, permission: string): boolean;
  /**
   * The signed-in user; otherwise sends a 303 redirect to the sign-in page (which comes back
   * here afterwards for a GET) and returns undefined — the handler should then return the reply.
   */
  requireUser(request: FastifyRequest, reply: FastifyReply): CurrentUser | undefined;
  /**
   * The signed-in user when their role holds `permission`; otherwise redirects to sign-in (not
   * signed in) or sends the localised 403 page, and returns undefined. Throws for a permission
   * no module declares (a typing mistake should fail loudly, not deny quietly).
   */
  requirePermission(request: FastifyRequest, reply: FastifyReply, permission: string): CurrentUser | undefined;
  /** Display names of users by id (for "changed by …"); unknown ids are left out. */
  userNames(ids: readonly string[]): Promise<Map<string, string>>;
  /**
   * The "History" link of an item of an editable kind (and "Edit" for users who may propose
   * changes), for the item's page; empty for kinds without `editing`.
   */
  contentLinks(request: FastifyRequest, kind: ContentKind<{ id: string }>, id: string): SafeHtml;
}
