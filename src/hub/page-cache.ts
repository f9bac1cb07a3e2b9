/**
 * A short-lived cache of rendered pages for visitors without cookies (micro-caching).
 *
 * Rendering a page costs about a millisecond of CPU (the glossary index: sorting with a
 * collator, escaping, encoding 20 KB; a search: FTS5 ranking and snippets), so at 200 concurrent
 * connections a two-core machine queues requests for hundreds of milliseconds. The same URL
 * rendered for anonymous visitors is the same bytes, so for `ttlMs` the first rendering is sent
 * again.
 *
 * Only what cannot differ between visitors is kept: GET requests without a Cookie or
 * Authorization header (a session or a CSRF cookie changes the page), answered 200 with HTML as
 * a string or buffer, without Set-Cookie (pages with forms set the CSRF cookie), without Vary
 * and without `no-store`/`private`. Everything else passes through untouched. Pages may thus be
 * up to `ttlMs` old for anonymous visitors; signed-in editors always see the current state.
 * Bounded by entries and bytes, least recently used first out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface PageCacheOptions {
  /** How long a rendered page is served again. */
  ttlMs: number;
  entriesMax: number;
  /** Sum of the cached bodies. */
  sizeBytesMax: number;
  /** Longer URLs are not cached (bounds key size). */
  urlLengthMax?: number;
  now?: () => number;
}

export const DEFAULT_PAGE_CACHE: Readonly<PageCacheOptions> = {
  ttlMs: 2_000,
  entriesMax: 2_000,
  sizeBytesMax: 64 * 1024 * 1024,
  urlLengthMax: 1_000,
};

interface Entry {
  expiresAt: number;
  headers: Record<string, string>;
  body: Buffer;
  size: number;
}

/** Headers that describe one response on the wire, not the page. */
const NOT_KEPT = new Set(['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'set-cookie']);

export class PageCache {
  readonly #options: Required<PageCacheOptions>;
  readonly #entries = new Map<string, Entry>();
  #size = 0;
  hits = 0;
  misses = 0;

  constructor(options: PageCacheOptions) {
    this.#options = { urlLengthMax: DEFAULT_PAGE_CACHE.urlLengthMax!, now: Date.now, ...options };
  }

  get entries(): number {
    return this.#entries.size;
  }

  get sizeBytes(): number {
    return this.#size;
  }

  /** The cache key of a request, or undefined when its page may differ per visitor. */
  key(request: FastifyRequest): string | undefined {
    if (request.method !== 'GET') return undefined;
    if (request.headers.cookie !== undefined || request.headers.authorization !== undefined) return undefined;
    if (request.url.length > this.#options.urlLengthMax) return undefined;
    return request.url;
  }

  get(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#options.now()) {
      this.#delete(key, entry);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, headers: Record<string, string>, page: string | Buffer): void {
    // Kept encoded: a hit then writes bytes, with no UTF-8 encoding of the page per request.
    const body = typeof page === 'string' ? Buffer.from(page) : page;
    const size = body.length;
    if (size > this.#options.sizeBytesMax) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old);
    this.#entries.set(key, { expiresAt: this.#options.now() + this.#options.ttlMs, headers, body, size });
    this.#size += size;
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= this.#options.entriesMax && this.#size <= this.#options.sizeBytesMax) break;
      this.#delete(k, e);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#size = 0;
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#size -= entry.size;
  }
}

/** Serves cached pages before routing, and keeps the pages that qualify (see the file comment). */
export function registerPageCache(app: FastifyInstance, options: PageCacheOptions): PageCache {
  const cache = new PageCache(options);
  const served = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const key = cache.key(request);
    if (key === undefined) return;
    const entry = cache.get(key);
    if (entry === undefined) {
      cache.misses++;
      return;
    }
    cache.hits++;
    served.add(request);
    return reply.code(200).headers(entry.headers).send(entry.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (served.has(request) || reply.statusCode !== 200) return payload;
    const key = cache.key(request);
    if (key === undefined || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    const headers = reply.getHeaders();
    const type = String(headers['content-type'] ?? '');
    const control = String(headers['cache-control'] ?? '');
    if (!type.startsWith('text/html') || headers['set-cookie'] !== undefined || headers.vary !== undefined || /no-store|private/.test(control)) return payload;
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && !NOT_KEPT.has(name)) kept[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    cache.set(key, kept, payload);
    return payload;
  });

  return cache;
}
