/**
 * What a UDP socket does with a packet before the handler chain, the same on the main thread and
 * in a worker (`udp-worker.ts`): response rate limiting, then a cached reply.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { AnswerCache, CacheView } from './answercache.ts';
import type { ResponseRateLimiter } from './rrl.ts';

export interface UdpFastPathCounters {
  rrlDropped: number;
  rrlSlipped: number;
  udpSendErrors: number;
}

/** The reusable buffer for cached replies; a larger reply (none is, over UDP) gets its own. */
const HIT_REPLY_BYTES_MAX = 65_535;

/** The packet was answered (or dropped) here. */
export const ANSWERED = 'answered';

export class UdpFastPath {
  // Cache hits are copied into one reusable buffer, used again once its send has completed
  // (almost always before the next datagram is read). A new buffer per reply, from Node's 8 KB
  // pool, turned over external memory fast enough to force a full garbage collection every two
  // seconds at 20k q/s, and its 8–16 ms pause was the server's p99 latency (docs/PERFORMANCE.md).
  private readonly hitReply = Buffer.allocUnsafeSlow(HIT_REPLY_BYTES_MAX);
  private hitReplyBusy = false;
  private readonly socket: Socket;
  private readonly rrl: ResponseRateLimiter | undefined;
  private readonly cache: AnswerCache | undefined;
  private readonly counters: UdpFastPathCounters;
  private readonly hitReplySent = (error: Error | null): void => {
    this.hitReplyBusy = false;
    if (error) this.counters.udpSendErrors++;
  };
  readonly sent = (error: Error | null): void => {
    if (error) this.counters.udpSendErrors++;
  };

  constructor(socket: Socket, rrl: ResponseRateLimiter | undefined, cache: AnswerCache | undefined, counters: UdpFastPathCounters) {
    this.socket = socket;
    this.rrl = rrl;
    this.cache = cache;
    this.counters = counters;
  }

  /**
   * Rate limits `msg` and answers it from the cache when it can: ANSWERED. Otherwise the packet
   * needs the handler chain, and the result is its cache key (the miss is counted) or undefined
   * when the cache does not serve it. With `readCache` false (a worker behind the main thread's
   * view) every cacheable packet is a miss.
   */
  serve(msg: Buffer, rinfo: RemoteInfo, currentView: () => CacheView, readCache = true): typeof ANSWERED | number | undefined {
    const limited = this.rrl?.check(msg, rinfo.address);
    if (limited !== undefined) {
      if (limited === null) this.counters.rrlDropped++;
      else {
        this.counters.rrlSlipped++;
        this.socket.send(limited, rinfo.port, rinfo.address, this.sent);
      }
      return ANSWERED;
    }
    const key = this.cache?.key(msg);
    if (key === undefined) return undefined;
    const view = currentView();
    const cached = readCache ? this.cache!.hit(key, msg, view, this.hitReplyBusy ? undefined : this.hitReply) : undefined;
    if (cached) {
      if (cached.buffer === this.hitReply.buffer) {
        this.hitReplyBusy = true;
        this.socket.send(cached, rinfo.port, rinfo.address, this.hitReplySent);
      } else this.socket.send(cached, rinfo.port, rinfo.address, this.sent);
      return ANSWERED;
    }
    this.cache!.countMiss(view);
    return key;
  }
}
