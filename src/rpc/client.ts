/**
 * A typed client for the node's RPC, used by the CLI and the hub (which may run on another
 * machine). Server errors come back as DcbtError with the server's code; an unreachable node is
 * RPC_UNREACHABLE with a hint.
 */
import { encodeTx } from '../chain/codec.ts';
import type { GenesisFile } from '../chain/genesis.ts';
import { toHex } from '../chain/hash.ts';
import type { ProofBundleJson } from '../chain/light.ts';
import type { Tx } from '../chain/types.ts';
import { DcbtError } from '../errors.ts';
import type { TxStatus } from '../node/node.ts';
import type { BlockJson, EvidenceJson, NameJson, TxJson } from './views.ts';

export const DEFAULT_RPC_URL = 'http://127.0.0.1:8645';
export const RPC_TIMEOUT_MS = 15_000;

export interface StatusJson {
  chainId: string;
  apex: string;
  genesisHash: string;
  height: number;
  hash: string;
  timeMs: number;
  validator: boolean;
  mempoolSize: number;
}

export interface HistoryJson {
  name: string;
  entries: (TxJson & { height: number; index: number; timeMs?: number })[];
}

export class RpcClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string = DEFAULT_RPC_URL, options: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? RPC_TIMEOUT_MS;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new DcbtError('RPC_UNREACHABLE', `cannot reach the node at ${this.baseUrl} (${(error as Error).message}); is \`dcbt start\` running, or is --rpc right?`, { url: this.baseUrl }, { cause: error });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new DcbtError('RPC_BAD_RESPONSE', `the node at ${this.baseUrl} answered ${res.status} with something that is not JSON`, { status: res.status });
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      throw new DcbtError(e?.code ?? 'RPC_ERROR', e?.message ?? `the node answered ${res.status}`, { status: res.status, ...(e?.details ?? {}) });
    }
    return json as T;
  }

  status(): Promise<StatusJson> {
    return this.request('GET', '/v1/status');
  }
  genesis(): Promise<GenesisFile> {
    return this.request('GET', '/v1/genesis');
  }
  submitTx(tx: Tx): Promise<{ txId: string }> {
    return this.request('POST', '/v1/txs', { tx: toHex(encodeTx(tx)) });
  }
  txStatus(id: string): Promise<TxStatus & { txId: string }> {
    return this.request('GET', `/v1/txs/${id}`);
  }
  block(id: number | string): Promise<BlockJson> {
    return this.request('GET', `/v1/blocks/${id}`);
  }
  name(name: string): Promise<NameJson> {
    return this.request('GET', `/v1/names/${encodeURIComponent(name)}`);
  }
  /** The name, or undefined when it is not registered. */
  async nameOrUndefined(name: string): Promise<NameJson | undefined> {
    try {
      return await this.name(name);
    } catch (error) {
      if (error instanceof DcbtError && error.code === 'NAME_NOT_FOUND') return undefined;
      throw error;
    }
  }
  nameProof(name: string): Promise<ProofBundleJson> {
    return this.request('GET', `/v1/names/${encodeURIComponent(name)}/proof`);
  }
  nameHistory(name: string, limit = 100): Promise<HistoryJson> {
    return this.request('GET', `/v1/names/${encodeURIComponent(name)}/history?limit=${limit}`);
  }
  account(publicKey: string): Promise<{ publicKey: string; nonce: number; nextNonce: number }> {
    return this.request('GET', `/v1/accounts/${publicKey}`);
  }
  /** Evidence of equivocation recorded on chain, newest first. */
  evidence(limit = 100): Promise<{ evidence: EvidenceJson[] }> {
    return this.request('GET', `/v1/evidence?limit=${limit}`);
  }
  evidenceByHash(hash: string): Promise<EvidenceJson> {
    return this.request('GET', `/v1/evidence/${hash}`);
  }

  /** The signed zone as an RFC 1035 master file. */
  async zoneText(): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/v1/zone`, { signal: AbortSignal.timeout(this.timeoutMs * 4) });
    } catch (error) {
      throw new DcbtError('RPC_UNREACHABLE', `cannot reach the node at ${this.baseUrl} (${(error as Error).message}); is \`dcbt start\` running, or is --rpc right?`, { url: this.baseUrl }, { cause: error });
    }
    const text = await res.text();
    if (!res.ok) {
      const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      throw new DcbtError(e?.code ?? 'RPC_ERROR', e?.message ?? `the node answered ${res.status}`, { status: res.status });
    }
    return text;
  }

  /** Polls until the transaction is included (or rejected, which throws). */
  async waitForTx(id: string, options: { timeoutMs?: number; intervalMs?: number; onPoll?: (s: TxStatus) => void } = {}): Promise<{ height: number; index: number }> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const s = await this.txStatus(id);
      options.onPoll?.(s);
      if (s.status === 'included') return { height: s.height, index: s.index };
      if (s.status === 'rejected') throw new DcbtError(s.code, s.message, { txId: id });
      if (s.status === 'unknown') throw new DcbtError('TX_LOST', `the node no longer knows transaction ${id} (it may have restarted before including it); send it again`, { txId: id });
      if (Date.now() > deadline) throw new DcbtError('TX_TIMEOUT', `transaction ${id} was not included in time; check \`dcbt status\``, { txId: id });
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
    }
  }
}
