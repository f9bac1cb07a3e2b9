/**
 * Test collaborators for the network layer: a chain of real encoded blocks with valid commit
 * certificates (built with the chain's codec and keys, so `verifyCommit` accepts them), and an
 * in-memory BlockSource serving them. State roots are stand-ins: sync tests check transport and
 * certificates, not the state transition. And `TestNodes`, which starts real nodes for a test file.
 */
import { blockHash, encodeBlock, encodeCommit, txRoot, validatorsHash, voteSigningBytes, VoteStep } from '../chain/codec.ts';
import { keyPairFromSecret, sign, type KeyPair } from '../chain/crypto.ts';
import { devnetGenesis } from '../chain/genesis.ts';
import { compareBytes, sha256, utf8 } from '../chain/hash.ts';
import { buildTx } from '../chain/tx.ts';
import { TxType, type Block, type Bytes, type CommitCertificate, type DnsRecord, type Genesis, type Tx, type TxPayload } from '../chain/types.ts';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { libp2pKeyFromNodeKey } from './identity.ts';
import { createP2PNode, type P2PNode, type P2PNodeOptions } from './node.ts';
import type { BlockSource, StoredBlock } from './sync.ts';

/** Deterministic 32-byte secret for test key `i` of a named set. */
export function testSecret(label: string, i: number): Bytes {
  return sha256(utf8(`dcbt/p2p/test-key\0${label}\0${i}`));
}

export interface TestChain {
  readonly genesis: Genesis;
  readonly validators: readonly KeyPair[];
  readonly blocks: readonly { block: Block; commit: CommitCertificate; blockBytes: Bytes; commitBytes: Bytes }[];
}

export interface TestChainOptions {
  readonly blocks: number;
  readonly chainId?: string;
  readonly validators?: number;
  /** Every Nth block carries `txsPerBlock` signed COMMIT transactions (0 = none). */
  readonly txEveryBlocks?: number;
  readonly txsPerBlock?: number;
  /** Make each transaction a REGISTER carrying this many bytes of record data (for large blocks). */
  readonly txRecordBytes?: number;
  readonly genesisTimeMs?: number;
}

/** Precommits from the first ⌊2n/3⌋+1 validators, sorted by key as the codec requires. */
export function signCommit(genesis: Genesis, validators: readonly KeyPair[], block: Block, round = 0): CommitCertificate {
  const hash = blockHash(block.header);
  const message = voteSigningBytes(genesis.chainId, VoteStep.PRECOMMIT, block.header.height, round, hash);
  const quorum = Math.floor((2 * validators.length) / 3) + 1;
  const signatures = validators
    .slice(0, quorum)
    .map((key) => ({ validator: key.publicKey, signature: sign(key.secretKey, message) }))
    .sort((a, b) => compareBytes(a.validator, b.validator));
  return { height: block.header.height, round, blockHash: hash, signatures };
}

export function buildTestChain(options: TestChainOptions): TestChain {
  const count = options.validators ?? 4;
  const validators = Array.from({ length: count }, (_, i) => keyPairFromSecret(testSecret('validator', i)));
  const genesisTimeMs = options.genesisTimeMs ?? 1_700_000_000_000;
  const genesis = devnetGenesis({ validators: validators.map((v) => v.publicKey), timeMs: genesisTimeMs, chainId: options.chainId ?? 'dcbt-p2p-test', powBits: 2 });
  const account = keyPairFromSecret(testSecret('account', 0));
  const vHash = validatorsHash(genesis.validators);
  const blocks: TestChain['blocks'][number][] = [];
  let prevHash = sha256(utf8('dcbt/p2p/test-genesis'));
  let nonce = 0;
  for (let height = 1; height <= options.blocks; height++) {
    const txs: Tx[] = [];
    if (options.txEveryBlocks && height % options.txEveryBlocks === 0) {
      for (let i = 0; i < (options.txsPerBlock ?? 1); i++) {
        const payload: TxPayload = options.txRecordBytes
          ? { type: TxType.REGISTER, name: `n${height}x${i}`, salt: sha256(utf8(`s${height}/${i}`)), records: paddingRecords(options.txRecordBytes) }
          : { type: TxType.COMMIT, commitment: sha256(utf8(`c${height}/${i}`)) };
        txs.push(buildTx({ chainId: genesis.chainId, account: account.publicKey, nonce: nonce++, payload }, account, genesis.params.powBits));
      }
    }
    const block: Block = {
      header: {
        chainId: genesis.chainId,
        height,
        timeMs: genesisTimeMs + height * 1000,
        prevHash,
        txRoot: txRoot(txs),
        stateRoot: sha256(utf8(`state/${height}`)),
        validatorsHash: vHash,
        proposer: validators[height % count]!.publicKey,
      },
      txs,
    };
    const commit = signCommit(genesis, validators, block);
    blocks.push({ block, commit, blockBytes: encodeBlock(block), commitBytes: encodeCommit(commit) });
    prevHash = blockHash(block.header);
  }
  return { genesis, validators, blocks };
}

/** TXT records totalling about `bytes` of RDATA (the codec does not apply record rules). */
function paddingRecords(bytes: number): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (let left = bytes; left > 0; left -= 255) records.push({ host: '', type: 16, rdata: new Uint8Array(Math.min(255, left)).fill(0x61) });
  return records;
}

/** Serves a TestChain's first `tip` blocks; `tip` can be raised to model a growing chain. */
export class MemoryBlockSource implements BlockSource {
  private readonly chain: TestChain;
  tip: number;
  reads = 0;

  constructor(chain: TestChain, tip = chain.blocks.length) {
    this.chain = chain;
    this.tip = tip;
  }

  tipHeight(): number {
    return this.tip;
  }

  getBlock(height: number): StoredBlock | undefined {
    this.reads++;
    if (height < 1 || height > this.tip) return undefined;
    const b = this.chain.blocks[height - 1]!;
    return { block: b.blockBytes, commit: b.commitBytes };
  }
}

/** Fast heartbeats and short retries keep each network test within a few seconds. */
export const FAST_TEST_LIMITS = { gossipHeartbeatIntervalMs: 100, bootstrapRetryMinMs: 50, bootstrapRetryMaxMs: 300, requestTimeoutMs: 3000, dialTimeoutMs: 2000 };

/**
 * Real nodes on 127.0.0.1 for one test file, each with its own deterministic key, all stopped
 * by `stopAll()` (call it from afterEach) together with anything handed to `defer`.
 */
export class TestNodes {
  private readonly stops: (() => Promise<void>)[] = [];
  private count = 0;
  readonly chainId: string;
  readonly label: string;

  constructor(chainId: string, label: string) {
    this.chainId = chainId;
    this.label = label;
  }

  /** The next node's secret, for a test that creates or restarts a node itself. */
  nextSecret(): Bytes {
    return testSecret(this.label, this.count++);
  }

  async start(options: Partial<P2PNodeOptions> = {}): Promise<P2PNode> {
    const node = await createP2PNode({ chainId: this.chainId, privateKey: this.nextSecret(), ...options, limits: { ...FAST_TEST_LIMITS, ...options.limits } });
    await node.start();
    this.defer(() => node.stop());
    return node;
  }

  /** A bare libp2p node (TCP, Noise, Yamux, nothing else), for playing a peer that breaks a protocol. */
  async startRaw(): Promise<Libp2p> {
    const raw = await createLibp2p({
      privateKey: await libp2pKeyFromNodeKey(this.nextSecret()),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    this.defer(async () => {
      await raw.stop();
    });
    return raw;
  }

  defer(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.stops.splice(0).map((stop) => stop()));
  }
}
