/**
 * Security headers and CSRF protection.
 *
 * CSRF: a signed double-submit token. The first page with a form sets a random `hub_csrf`
 * cookie (HttpOnly, SameSite=Lax); the form carries HMAC(secret, cookie) in a hidden `_csrf`
 * field (or the `x-csrf-token` header for scripts). Every POST, PUT, PATCH and DELETE must
 * present a token matching its cookie, and a cross-site Origin is refused outright.
 * Once someone is signed in, tokens are also bound to their session (`bind`), so a token made
 * for one session (or for none) is refused in another. Over HTTPS the cookie is
 * `__Host-hub_csrf`: a sibling subdomain cannot set it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from './html.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function registerSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (options.hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });
}

const COOKIE = 'hub_csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class Csrf {
  readonly #secret: Buffer;
  readonly #secure: boolean;
  readonly #cookie: string;
  readonly #bind: (request: FastifyRequest) => string;

  constructor(secret: Buffer, options: { secureCookie: boolean; bind?: (request: FastifyRequest) => string }) {
    if (secret.length < 32) throw new Error('the CSRF secret must be at least 32 bytes');
    this.#secret = secret;
    this.#secure = options.secureCookie;
    this.#cookie = options.secureCookie ? `__Host-${COOKIE}` : COOKIE;
    this.#bind = options.bind ?? (() => '');
  }

  #sign(request: FastifyRequest, value: string): string {
    const binding = this.#bind(request);
    return createHmac('sha256', this.#secret).update(binding === '' ? `csrf:${value}` : `csrf:${binding}:${value}`).digest('base64url');
  }

  /** The token for this request, setting the cookie when the browser has none yet. */
  token(request: FastifyRequest, reply: FastifyReply): string {
    let value = readCookie(request, this.#cookie);
    if (value === undefined || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(this.#secure ? ['Secure'] : [])];
      reply.header('set-cookie', `${this.#cookie}=${value}; ${attributes.join('; ')}`);
      // Later calls in the same request must see the same value.
      request.headers.cookie = `${request.headers.cookie ?? ''}${request.headers.cookie ? '; ' : ''}${this.#cookie}=${value}`;
    }
    return this.#sign(request, value);
  }

  field(request: FastifyRequest, reply: FastifyReply): SafeHtml {
    return html`<input type="hidden" name="_csrf" value="${this.token(request, reply)}">`;
  }

  /** True when the request is safe or carries a valid token for its cookie. */
  verify(request: FastifyRequest): boolean {
    if (!UNSAFE.has(request.method)) return true;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      const host = request.headers.host;
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        return false;
      }
      if (host === undefined || originHost !== host) return false;
    }
    const cookie = readCookie(request, this.#cookie);
    if (cookie === undefined) return false;
    const body = request.body as Record<string, unknown> | undefined;
    const sent = typeof body?._csrf === 'string' ? body._csrf : request.headers['x-csrf-token'];
    if (typeof sent !== 'string') return false;
    const expected = Buffer.from(this.#sign(request, cookie));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
