/**
 * The peer penalty book: counts invalid messages and sync responses per peer in a fixed window
 * and bans a peer that reaches the threshold. Pure (time comes in as an argument), so the rules are
 * tested without sockets; `node.ts` does the disconnecting and the refusing.
 *
 * Why not gossipsub's own score alone: its invalid-delivery penalty only graylists (it ignores the
 * peer's RPCs while the peer stays connected and keeps using sync), decays, and needs per-topic
 * weights tuned to traffic rates. A count with a hard threshold is predictable and covers sync too.
 */

export interface PenaltyPolicy {
  readonly invalidMessagesMax: number;
  readonly invalidWindowMs: number;
  readonly banDurationMs: number;
  readonly penaltyPeersTrackedMax: number;
}

interface Tally {
  windowStartMs: number;
  count: number;
}

export type PenaltyOutcome = 'counted' | 'banned' | 'already-banned';

export class PeerPenalties {
  private readonly policy: PenaltyPolicy;
  // Both maps are in least-recently-touched order, so the first key is the one to forget.
  private readonly tallies = new Map<string, Tally>();
  private readonly bans = new Map<string, number>();

  constructor(policy: PenaltyPolicy) {
    this.policy = policy;
  }

  /** Counts one invalid message; 'banned' when this one reaches the threshold. */
  recordInvalid(peer: string, nowMs: number): PenaltyOutcome {
    if (this.isBanned(peer, nowMs)) return 'already-banned';
    let tally = this.tallies.get(peer);
    this.tallies.delete(peer);
    if (!tally || nowMs - tally.windowStartMs >= this.policy.invalidWindowMs) tally = { windowStartMs: nowMs, count: 0 };
    tally.count++;
    if (tally.count >= this.policy.invalidMessagesMax) {
      this.ban(peer, nowMs);
      return 'banned';
    }
    remember(this.tallies, peer, tally, this.policy.penaltyPeersTrackedMax);
    return 'counted';
  }

  ban(peer: string, nowMs: number, durationMs = this.policy.banDurationMs): void {
    this.tallies.delete(peer);
    this.bans.delete(peer);
    remember(this.bans, peer, nowMs + durationMs, this.policy.penaltyPeersTrackedMax);
  }

  unban(peer: string): void {
    this.bans.delete(peer);
  }

  isBanned(peer: string, nowMs: number): boolean {
    const until = this.bans.get(peer);
    if (until === undefined) return false;
    if (nowMs < until) return true;
    this.bans.delete(peer);
    return false;
  }

  /** When the ban on `peer` ends, or undefined if it is not banned. */
  bannedUntilMs(peer: string, nowMs: number): number | undefined {
    return this.isBanned(peer, nowMs) ? this.bans.get(peer) : undefined;
  }

  /** Invalid messages counted for `peer` in its current window. */
  invalidCount(peer: string, nowMs: number): number {
    const tally = this.tallies.get(peer);
    if (!tally || nowMs - tally.windowStartMs >= this.policy.invalidWindowMs) return 0;
    return tally.count;
  }

  bannedPeers(nowMs: number): string[] {
    return [...this.bans.keys()].filter((peer) => this.isBanned(peer, nowMs));
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, entriesMax: number): void {
  map.set(key, value);
  while (map.size > entriesMax) map.delete(map.keys().next().value!);
}
