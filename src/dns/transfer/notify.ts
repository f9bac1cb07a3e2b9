/**
 * NOTIFY (RFC 1996): tells secondaries that a new serial is out, so they ask for it (IXFR) at once
 * instead of waiting for their SOA refresh timer. Sent over UDP from an ephemeral socket, TSIG
 * signed when a key is configured, retried with exponential backoff until the secondary answers,
 * at most `notifyAttemptsMax` times. A newer serial cancels the retries for an older one.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';
import { RRType } from '../rdata.ts';
import type { Message, Name, ResourceRecord } from '../wire.ts';
import { decodeMessage, encodeMessage, Opcode, Rcode, RRClass } from '../wire.ts';
import { TransferConfigError } from './errors.ts';
import type { TsigKey } from './tsig.ts';
import { signMessage, verifyMessage } from './tsig.ts';

export interface NotifyTarget {
  /** An IP address (secondaries are configured by address, as in every DNS server). */
  readonly host: string;
  readonly port: number;
}

export interface NotifyLimits {
  /** Wait before the first retry; doubles after each unanswered attempt. */
  readonly notifyRetryMs: number;
  /** Longest wait between attempts. */
  readonly notifyRetryMaxMs: number;
  /** Attempts per target and serial (RFC 1996 §3.6 suggests a handful). */
  readonly notifyAttemptsMax: number;
}

export const DEFAULT_NOTIFY_LIMITS: NotifyLimits = { notifyRetryMs: 1000, notifyRetryMaxMs: 16_000, notifyAttemptsMax: 5 };

export type NotifyOutcome =
  | { readonly kind: 'acked'; readonly target: NotifyTarget; readonly serial: number; readonly attempts: number }
  | { readonly kind: 'failed'; readonly target: NotifyTarget; readonly serial: number; readonly attempts: number; readonly reason: string }
  | { readonly kind: 'cancelled'; readonly target: NotifyTarget; readonly serial: number };

export interface NotifierStats {
  sent: number;
  acked: number;
  failed: number;
}

export function checkNotifyTargets(targets: readonly NotifyTarget[]): void {
  for (const t of targets) {
    if (isIP(t.host) === 0) throw new TransferConfigError('a NOTIFY target must be an IP address', { host: t.host });
    if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new TransferConfigError('a NOTIFY target needs a port in 1..65535', { port: t.port });
  }
}

export function notifyMessage(id: number, apex: Name, soa: ResourceRecord): Uint8Array {
  const m: Message = {
    id,
    qr: false,
    opcode: Opcode.NOTIFY,
    aa: true,
    tc: false,
    rd: false,
    ra: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [{ name: apex, type: RRType.SOA, class: RRClass.IN }],
    answers: [soa],
    authorities: [],
    additionals: [],
  };
  return encodeMessage(m);
}

export interface NotifierOptions {
  readonly apex: Name;
  readonly targets: readonly NotifyTarget[];
  /** Signs NOTIFYs and checks the answers' TSIG. */
  readonly key: TsigKey | undefined;
  readonly limits: NotifyLimits;
  readonly nowMs: () => number;
  readonly onOutcome: (outcome: NotifyOutcome) => void;
}

export class Notifier {
  readonly stats: NotifierStats = { sent: 0, acked: 0, failed: 0 };
  private readonly opts: NotifierOptions;
  private current: AbortController | undefined;
  private readonly running = new Set<Promise<void>>();

  constructor(opts: NotifierOptions) {
    checkNotifyTargets(opts.targets);
    this.opts = opts;
  }

  /** Announces `soa` (a new serial) to every target; cancels the retries of the previous one. */
  notify(soa: ResourceRecord, serial: number): void {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    for (const target of this.opts.targets) {
      const p = this.send(target, soa, serial, controller.signal).then((outcome) => this.opts.onOutcome(outcome));
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    }
  }

  /** Stops all retries and waits for the sockets to close. */
  async close(): Promise<void> {
    this.current?.abort();
    await Promise.all([...this.running]);
  }

  private async send(target: NotifyTarget, soa: ResourceRecord, serial: number, signal: AbortSignal): Promise<NotifyOutcome> {
    const { limits, key, nowMs, apex } = this.opts;
    const id = randomInt(0x10000);
    const unsigned = notifyMessage(id, apex, soa);
    const socket: Socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    let attempts = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.on('error', () => undefined);
      for (let wait = limits.notifyRetryMs; attempts < limits.notifyAttemptsMax; wait = Math.min(wait * 2, limits.notifyRetryMaxMs)) {
        if (signal.aborted) return { kind: 'cancelled', target, serial };
        const signed = key ? signMessage(unsigned, key, { nowSeconds: nowMs() / 1000, chain: { kind: 'request' } }) : undefined;
        attempts++;
        this.stats.sent++;
        socket.send(signed?.wire ?? unsigned, target.port, target.host);
        const reply = await this.awaitReply(socket, target, id, wait, signal);
        if (reply === 'aborted') return { kind: 'cancelled', target, serial };
        if (reply === undefined) continue;
        const verdict = key ? verifyMessage(reply, [key], { kind: 'response', requestMac: signed!.mac }, nowMs() / 1000) : undefined;
        if (key && !verdict?.ok) return this.failed(target, serial, attempts, `the answer's TSIG ${verdict ? `failed (error ${verdict.error})` : 'is missing'}`);
        let m: Message;
        try {
          m = decodeMessage(verdict?.unsigned ?? reply);
        } catch {
          continue;
        }
        if (m.rcode !== Rcode.NOERROR) return this.failed(target, serial, attempts, `answered with RCODE ${m.rcode}`);
        this.stats.acked++;
        return { kind: 'acked', target, serial, attempts };
      }
      return this.failed(target, serial, attempts, `no answer after ${attempts} attempts`);
    } catch (error) {
      return this.failed(target, serial, attempts, String(error));
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  }

  private failed(target: NotifyTarget, serial: number, attempts: number, reason: string): NotifyOutcome {
    this.stats.failed++;
    return { kind: 'failed', target, serial, attempts, reason };
  }

  /** The next answer to our NOTIFY from the target within `timeoutMs`, or undefined. */
  private awaitReply(socket: Socket, target: NotifyTarget, id: number, timeoutMs: number, signal: AbortSignal): Promise<Uint8Array | undefined | 'aborted'> {
    return new Promise((resolve) => {
      const done = (value: Uint8Array | undefined | 'aborted'): void => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onMessage = (msg: Buffer, rinfo: { address: string; port: number }): void => {
        if (rinfo.port !== target.port || msg.length < 12) return;
        const header = new Uint8Array(msg);
        const isAnswer = (header[2]! & 0x80) !== 0 && ((header[2]! >> 3) & 0xf) === Opcode.NOTIFY && ((header[0]! << 8) | header[1]!) === id;
        if (isAnswer) done(header);
      };
      const onAbort = (): void => done('aborted');
      const timer = setTimeout(() => done(undefined), timeoutMs);
      socket.on('message', onMessage);
      signal.addEventListener('abort', onAbort);
    });
  }
}
