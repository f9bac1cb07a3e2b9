/**
 * Keeps this node connected to its bootstrap peers: dials each at start, retries failures with
 * capped exponential backoff, and redials a bootstrap peer whenever its connection drops (a
 * restarted validator comes back under the same key, hence the same peer id). libp2p's own
 * reconnect queue gives up after a few tries; a validator network must keep trying.
 */

/** Wait before retry `attempt` (1 = first retry): min·2^(attempt-1), capped, with 50–100 % jitter. */
export function retryDelayMs(attempt: number, minMs: number, maxMs: number, random01: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  // Jitter spreads the redials of many nodes that lost the same peer at the same moment.
  return Math.round(base * (0.5 + 0.5 * random01));
}

/** The peer id in a multiaddr's /p2p/ component, if it has one. */
export function peerIdOfAddress(address: string): string | undefined {
  const match = /\/p2p\/([^/]+)$/.exec(address);
  return match?.[1];
}

export interface BootstrapperDeps {
  readonly addresses: readonly string[];
  readonly selfPeerId: string;
  /** Own listen addresses, to skip a bootstrap list that names this node without a peer id. */
  readonly selfAddresses: () => readonly string[];
  /** Dials and returns the remote peer id. */
  dial(address: string): Promise<string>;
  isConnected(peer: string): boolean;
  /** When a ban on `peer` ends, if it is banned. */
  bannedUntilMs(peer: string): number | undefined;
  now(): number;
  random(): number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly stableConnectionMs: number;
}

interface Target {
  readonly address: string;
  peer: string | undefined;
  failures: number;
  connectedAtMs: number | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  dialing: boolean;
}

export class Bootstrapper {
  private readonly deps: BootstrapperDeps;
  private readonly targets: Target[];
  private running = false;

  constructor(deps: BootstrapperDeps) {
    this.deps = deps;
    this.targets = deps.addresses.map((address) => ({ address, peer: peerIdOfAddress(address), failures: 0, connectedAtMs: undefined, timer: undefined, dialing: false }));
  }

  start(): void {
    this.running = true;
    for (const t of this.targets) this.schedule(t, 0);
  }

  stop(): void {
    this.running = false;
    for (const t of this.targets) {
      clearTimeout(t.timer);
      t.timer = undefined;
    }
  }

  /** A connection to `peer` closed: redial it if it is a bootstrap peer. */
  peerDisconnected(peer: string): void {
    for (const t of this.targets) {
      if (t.peer !== peer) continue;
      const lastedMs = t.connectedAtMs === undefined ? 0 : this.deps.now() - t.connectedAtMs;
      t.connectedAtMs = undefined;
      if (lastedMs < this.deps.stableConnectionMs) t.failures++;
      else t.failures = 0;
      this.schedule(t, retryDelayMs(Math.max(1, t.failures), this.deps.retryMinMs, this.deps.retryMaxMs, this.deps.random()));
    }
  }

  /** Bootstrap peers and whether each is connected (for status output). */
  status(): { address: string; peer: string | undefined; connected: boolean; failures: number }[] {
    return this.targets.map((t) => ({ address: t.address, peer: t.peer, connected: t.peer !== undefined && this.deps.isConnected(t.peer), failures: t.failures }));
  }

  private isSelf(t: Target): boolean {
    return t.peer === this.deps.selfPeerId || this.deps.selfAddresses().includes(t.address);
  }

  private schedule(t: Target, delayMs: number): void {
    if (!this.running || this.isSelf(t)) return;
    clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void this.attempt(t);
    }, delayMs);
    // The retry loop must never keep a process alive on its own.
    t.timer.unref?.();
  }

  private async attempt(t: Target): Promise<void> {
    if (!this.running || t.dialing) return;
    if (t.peer !== undefined && this.deps.isConnected(t.peer)) return;
    const bannedUntil = t.peer === undefined ? undefined : this.deps.bannedUntilMs(t.peer);
    if (bannedUntil !== undefined) {
      this.schedule(t, Math.max(0, bannedUntil - this.deps.now()) + 1);
      return;
    }
    t.dialing = true;
    try {
      const peer = await this.deps.dial(t.address);
      t.peer = peer;
      // Failures are forgiven only once the connection has lasted (see peerDisconnected).
      t.connectedAtMs = this.deps.now();
      if (peer === this.deps.selfPeerId) this.stopTarget(t);
    } catch {
      t.failures++;
      this.schedule(t, retryDelayMs(t.failures, this.deps.retryMinMs, this.deps.retryMaxMs, this.deps.random()));
    } finally {
      t.dialing = false;
    }
  }

  private stopTarget(t: Target): void {
    clearTimeout(t.timer);
    t.timer = undefined;
  }
}
