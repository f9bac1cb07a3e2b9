/**
 * Outgoing e-mail. Messages are built with nodemailer and go out through SMTP when it is
 * configured, otherwise into an outbox: `.eml` files under `<dataDir>/outbox/` (or memory in
 * tests) that an admin can read on the hub. Sending is queued and never blocks a request, so a
 * response takes as long whether or not a message was sent (no account enumeration by timing).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { DcbtError } from '../../errors.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** BCP 47 language of the message (Content-Language). */
  lang: string;
}

export interface OutboxEntry {
  /** File-name-safe id, sortable by time. */
  id: string;
  to: string;
  subject: string;
  date: string;
  text: string;
}

export interface Outbox {
  /** The newest `limit` messages, newest first. */
  list(limit: number): OutboxEntry[];
  get(id: string): OutboxEntry | undefined;
}

export const SmtpConfig = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(587),
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure: z.boolean().optional(),
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTls: z.boolean().default(false),
  user: z.string().optional(),
  pass: z.string().optional(),
});
export type SmtpConfig = z.input<typeof SmtpConfig>;

export type MailTransportConfig = { kind: 'smtp'; smtp: SmtpConfig } | { kind: 'outbox'; dir: string } | { kind: 'memory' };

export interface MailerOptions {
  transport: MailTransportConfig;
  /** The From header, e.g. `DCBT Hub <hub@example.org>`. */
  from: string;
  /** Messages waiting to be sent; further ones are dropped and logged. */
  queueLengthMax?: number;
  /** SMTP connection, greeting and socket timeouts. */
  smtpTimeoutMs?: number;
  /** Messages kept by the memory outbox. */
  memoryMessagesMax?: number;
  /** Called when a message cannot be sent (it is then dropped). Never given the message body. */
  onError?: (error: unknown, info: { to: string; subject: string }) => void;
}

export const DEFAULT_FROM = 'DCBT Hub <hub@localhost>';
export const MAIL_QUEUE_LENGTH_MAX = 1000;
export const SMTP_TIMEOUT_MS = 30_000;
export const OUTBOX_ID_PATTERN = /^[0-9TZ-]{20,40}-[0-9a-f]{8}$/;

export class MailConfigError extends DcbtError<'MAIL_CONFIG'> {
  constructor(message: string) {
    super('MAIL_CONFIG', message);
  }
}

/** ISO time without separators that file systems dislike, then a random suffix: sorts by time. */
function newOutboxId(now: Date): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
}

class FileOutbox implements Outbox {
  readonly #dir: string;
  constructor(dir: string) {
    this.#dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  write(entry: OutboxEntry, raw: Buffer): void {
    // The .eml is the message as it would have gone out; the .json beside it is for listing.
    writeFileSync(join(this.#dir, `${entry.id}.eml`), raw, { mode: 0o600 });
    writeFileSync(join(this.#dir, `${entry.id}.json`), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  list(limit: number): OutboxEntry[] {
    const ids = readdirSync(this.#dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((id) => OUTBOX_ID_PATTERN.test(id))
      .sort()
      .reverse()
      .slice(0, limit);
    return ids.flatMap((id) => this.get(id) ?? []);
  }

  get(id: string): OutboxEntry | undefined {
    if (!OUTBOX_ID_PATTERN.test(id)) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.#dir, `${id}.json`), 'utf8')) as OutboxEntry;
    } catch {
      return undefined;
    }
  }
}

class MemoryOutbox implements Outbox {
  readonly #entries: { entry: OutboxEntry; raw: Buffer }[] = [];
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }

  write(entry: OutboxEntry, raw: Buffer): void {
    this.#entries.push({ entry, raw });
    if (this.#entries.length > this.#max) this.#entries.shift();
  }

  list(limit: number): OutboxEntry[] {
    return this.#entries.map((e) => e.entry).reverse().slice(0, limit);
  }

  get(id: string): OutboxEntry | undefined {
    return this.#entries.find((e) => e.entry.id === id)?.entry;
  }

  /** The raw messages, oldest first (tests parse them). */
  raw(): Buffer[] {
    return this.#entries.map((e) => e.raw);
  }
}

export class Mailer {
  readonly from: string;
  /** Where messages go, for the admin page: "smtp://host:port", "outbox" or "memory". */
  readonly destination: string;
  readonly outbox: (Outbox & { raw?(): Buffer[] }) | undefined;
  readonly #transporter: Transporter;
  readonly #write: ((entry: OutboxEntry, raw: Buffer) => void) | undefined;
  readonly #queueLengthMax: number;
  readonly #onError: NonNullable<MailerOptions['onError']>;
  #pending = 0;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: MailerOptions) {
    this.from = options.from;
    this.#queueLengthMax = options.queueLengthMax ?? MAIL_QUEUE_LENGTH_MAX;
    this.#onError = options.onError ?? (() => {});
    const t = options.transport;
    if (t.kind === 'smtp') {
      const parsed = SmtpConfig.safeParse(t.smtp);
      if (!parsed.success) throw new MailConfigError(`SMTP settings are not valid (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); check the DCBT_HUB_SMTP_* variables`);
      const smtp = parsed.data;
      const timeout = options.smtpTimeoutMs ?? SMTP_TIMEOUT_MS;
      this.#transporter = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure ?? smtp.port === 465,
        requireTLS: smtp.requireTls,
        ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.pass ?? '' } }),
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      });
      this.destination = `smtp://${smtp.host}:${smtp.port}`;
      this.outbox = undefined;
    } else {
      // Builds the MIME message exactly as SMTP would send it, without sending it.
      this.#transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const outbox = t.kind === 'outbox' ? new FileOutbox(t.dir) : new MemoryOutbox(options.memoryMessagesMax ?? 200);
      this.outbox = outbox;
      this.#write = (entry, raw) => outbox.write(entry, raw);
      this.destination = t.kind;
    }
  }

  /** Queues a message; returns false (and reports an error) when the queue is full or closed. */
  send(message: MailMessage): boolean {
    const info = { to: message.to, subject: message.subject };
    if (this.#closed || this.#pending >= this.#queueLengthMax) {
      this.#onError(new DcbtError('MAIL_QUEUE_FULL', `the mail queue is ${this.#closed ? 'closed' : `full (${this.#queueLengthMax} messages)`}; the message was dropped`), info);
      return false;
    }
    this.#pending += 1;
    this.#tail = this.#tail.then(async () => {
      try {
        await this.#deliver(message);
      } catch (error) {
        this.#onError(error, info);
      } finally {
        this.#pending -= 1;
      }
    });
    return true;
  }

  async #deliver(message: MailMessage): Promise<void> {
    const now = new Date();
    const result = await this.#transporter.sendMail({
      from: this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      date: now,
      headers: { 'Content-Language': message.lang, 'Auto-Submitted': 'auto-generated' },
    });
    if (this.#write !== undefined) {
      const raw = (result as { message?: unknown }).message;
      const entry: OutboxEntry = { id: newOutboxId(now), to: message.to, subject: message.subject, date: now.toISOString(), text: message.text };
      this.#write(entry, Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    }
  }

  /** Resolves when every queued message has been handled. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
    this.#transporter.close();
  }
}

/**
 * The mail transport from the environment: SMTP when DCBT_HUB_SMTP_HOST is set, otherwise the
 * outbox folder under the data dir.
 */
export function mailTransportFromEnv(env: NodeJS.ProcessEnv, dataDir: string): MailTransportConfig {
  const host = env.DCBT_HUB_SMTP_HOST;
  if (host === undefined || host === '') return { kind: 'outbox', dir: join(dataDir, 'outbox') };
  const flag = (name: string): boolean | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new MailConfigError(`${name} must be true or false, not "${v}"`);
  };
  const secure = flag('DCBT_HUB_SMTP_SECURE');
  const requireTls = flag('DCBT_HUB_SMTP_REQUIRE_TLS');
  return {
    kind: 'smtp',
    smtp: {
      host,
      port: env.DCBT_HUB_SMTP_PORT === undefined || env.DCBT_HUB_SMTP_PORT === '' ? 587 : Number(env.DCBT_HUB_SMTP_PORT),
      ...(secure === undefined ? {} : { secure }),
      ...(requireTls === undefined ? {} : { requireTls }),
      ...(env.DCBT_HUB_SMTP_USER ? { user: env.DCBT_HUB_SMTP_USER } : {}),
      ...(env.DCBT_HUB_SMTP_PASS ? { pass: env.DCBT_HUB_SMTP_PASS } : {}),
    },
  };
}
