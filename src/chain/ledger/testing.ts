/**
 * Helpers for ledger tests: a genesis with easy hashcash, keyed accounts, transaction builders
 * and an in-memory state that blocks can be applied to.
 */
import { commitmentHash, txRoot, validatorsHash } from '../codec.ts';
import { keyPairFromSecret, type KeyPair } from '../crypto.ts';
import { devnetGenesis, genesisHash } from '../genesis.ts';
import { buildTx } from '../tx.ts';
import { TxType, type Block, type Bytes, type DnsRecord, type Genesis, type Tx, type TxPayload } from '../types.ts';
import { applyBlock } from './apply.ts';
import { MapState, type LedgerState } from './state.ts';

export const T0 = 1_700_000_000_000;

export function testKey(seed: number): KeyPair {
  return keyPairFromSecret(new Uint8Array(32).fill(seed));
}

export function testGenesis(overrides: Partial<Genesis['params']> = {}): { genesis: Genesis; validator: KeyPair } {
  const validator = testKey(200);
  const g = devnetGenesis({ validators: [validator.publicKey], timeMs: T0, powBits: 4 });
  return { genesis: { ...g, params: { ...g.params, ...overrides } }, validator };
}

export function aRecord(ip: number[], host = ''): DnsRecord {
  return { host, type: 1, rdata: Uint8Array.from(ip) };
}

/** A chain in memory: applies blocks through the real transition, keeps every state entry. */
export class TestChain {
  state: LedgerState;
  readonly entries = new Map<string, Bytes | undefined>();
  readonly validator: KeyPair;
  private readonly nonces = new Map<string, number>();

  constructor(genesis: Genesis, validator: KeyPair) {
    this.validator = validator;
    this.state = { genesis, tip: { height: 0, hash: genesisHash(genesis), timeMs: genesis.timeMs }, kv: new MapState(this.entries) };
  }

  get genesis(): Genesis {
    return this.state.genesis;
  }

  tx(key: KeyPair, payload: TxPayload, nonce?: number): Tx {
    const id = Buffer.from(key.publicKey).toString('hex');
    const n = nonce ?? this.nonces.get(id) ?? 0;
    this.nonces.set(id, n + 1);
    return buildTx({ chainId: this.genesis.chainId, account: key.publicKey, nonce: n, payload }, key, this.genesis.params.powBits);
  }

  block(txs: Tx[], options: { timeMs?: number } = {}): Block {
    const { tip } = this.state;
    return {
      header: {
        chainId: this.genesis.chainId,
        height: tip.height + 1,
        timeMs: options.timeMs ?? tip.timeMs + 1000,
        prevHash: tip.hash,
        txRoot: txRoot(txs),
        stateRoot: new Uint8Array(32),
        validatorsHash: validatorsHash(this.genesis.validators),
        proposer: this.validator.publicKey,
      },
      txs,
    };
  }

  /** Applies a block of `txs`; on success the chain moves on, on failure it stays put and throws. */
  apply(txs: Tx[], options: { timeMs?: number } = {}): Block {
    const block = this.block(txs, options);
    const applied = applyBlock(this.state, block);
    for (const [k, v] of applied.writes) this.entries.set(k, v);
    this.state = { ...applied.state, kv: new MapState(this.entries) };
    return block;
  }

  /** Resets the nonce counter, for tests that send a transaction that fails. */
  setNonce(key: KeyPair, nonce: number): void {
    this.nonces.set(Buffer.from(key.publicKey).toString('hex'), nonce);
  }

  /** COMMIT then REGISTER `name` for `key` in two blocks. */
  register(key: KeyPair, name: string, records: DnsRecord[] = [], salt = new Uint8Array(32).fill(9)): void {
    this.apply([this.tx(key, { type: TxType.COMMIT, commitment: commitmentHash(name, key.publicKey, salt) })]);
    this.apply([this.tx(key, { type: TxType.REGISTER, name, salt, records })]);
  }
}

