/**
 * Fixed-window counters for the sign-in, sign-up and reset forms, keyed by client address and by
 * account (the e-mail address typed). The global @fastify/rate-limit hook runs one limiter per
 * request and before the body is parsed, so it cannot count per account; this small one can.
 * Counters live in the process: behind a load balancer with n hub processes an address gets up
 * to n times the limit, which still stops online guessing at scale.
 */

export interface WindowLimit {
  max: number;
  windowMs: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After), 0 when allowed. */
  retryAfterSeconds: number;
}

export class FixedWindowLimiter {
  readonly #limit: WindowLimit;
  readonly #keysMax: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: WindowLimit, options: { keysMax?: number; now?: () => number } = {}) {
    this.#limit = limit;
    this.#keysMax = options.keysMax ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Counts one attempt for `key`. */
  hit(key: string): LimitResult {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (window === undefined || now - window.start >= this.#limit.windowMs) {
      window = { start: now, count: 0 };
      this.#windows.delete(key);
      // Map iteration order is insertion order: evict the oldest windows first.
      while (this.#windows.size >= this.#keysMax) {
        const oldest = this.#windows.keys().next().value;
        if (oldest === undefined) break;
        this.#windows.delete(oldest);
      }
      this.#windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.#limit.max) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.#limit.windowMs - now) / 1000)) };
  }

  get size(): number {
    return this.#windows.size;
  }
}
