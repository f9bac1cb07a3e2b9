/**
 * The node's state: the authenticated tree maps each key to sha256(value), and LevelDB keeps the
 * values by that hash. Urkel caps a leaf value at 1023 bytes, a name record may reach several KiB;
 * hashing also keeps every proof small, and the value travels beside the proof.
 */
import { ClassicLevel } from 'classic-level';
import { sha256, toHex, utf8 } from '../chain/hash.ts';
import type { Bytes } from '../chain/types.ts';
import type { StateReader, WriteSet } from '../chain/ledger/state.ts';
import { StateTree } from '../store/tree.ts';
import { DcbtError } from '../errors.ts';
import { verifyStateProof } from '../chain/proof.ts';

const VALUE_PREFIX = utf8('v/');
const valueKey = (hash: Bytes) => Uint8Array.from([...VALUE_PREFIX, ...hash]);

/** Loaded entries kept between blocks; cleared when it grows past this. */
export const STATE_CACHE_ENTRIES_MAX = 200_000;

export class StateStore {
  readonly tree: StateTree;
  private readonly values: ClassicLevel<Bytes, Bytes>;
  /** hex key → value (undefined = known absent) at the current root. */
  private readonly cache = new Map<string, Bytes | undefined>();

  private constructor(tree: StateTree, values: ClassicLevel<Bytes, Bytes>) {
    this.tree = tree;
    this.values = values;
  }

  static async open(dir: string): Promise<StateStore> {
    const tree = await StateTree.open(`${dir}/tree`);
    const values = new ClassicLevel<Bytes, Bytes>(`${dir}/values`, { keyEncoding: 'view', valueEncoding: 'view' });
    await values.open();
    return new StateStore(tree, values);
  }

  async close(): Promise<void> {
    await this.tree.close();
    await this.values.close();
  }

  root(): Bytes {
    return this.tree.rootHash();
  }

  private async valueOf(hash: Bytes | undefined): Promise<Bytes | undefined> {
    if (!hash) return undefined;
    const v = await this.values.get(valueKey(hash));
    if (!v) throw new DcbtError('STATE_VALUE_MISSING', `state value ${toHex(hash)} is missing from the value store; the data dir is damaged — resync the node`, { hash: toHex(hash) });
    return v;
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    return this.valueOf(await this.tree.get(key));
  }

  /** Makes `keys` readable through the returned synchronous reader. */
  async load(keys: readonly Bytes[]): Promise<StateReader> {
    const missing = keys.filter((k) => !this.cache.has(toHex(k)));
    if (missing.length > 0) {
      if (this.cache.size + missing.length > STATE_CACHE_ENTRIES_MAX) this.cache.clear();
      const hashes = await this.tree.getMany(missing);
      for (const [hex, hash] of hashes) this.cache.set(hex, await this.valueOf(hash));
    }
    const cache = this.cache;
    return {
      get(key: Bytes): Bytes | undefined {
        const hex = toHex(key);
        if (!cache.has(hex)) throw new DcbtError('STATE_KEY_NOT_LOADED', `state key ${hex} was read without being loaded first`, { key: hex });
        return cache.get(hex);
      },
    };
  }

  private hashed(writes: WriteSet): Map<string, Bytes | undefined> {
    const out = new Map<string, Bytes | undefined>();
    for (const [k, v] of writes) out.set(k, v && sha256(v));
    return out;
  }

  async computeRoot(writes: WriteSet): Promise<Bytes> {
    return this.tree.computeRoot(this.hashed(writes));
  }

  /** Values first (content-addressed, harmless if orphaned by a crash), then the tree. */
  async commit(writes: WriteSet): Promise<Bytes> {
    const hashed = this.hashed(writes);
    const ops = [];
    for (const [k, v] of writes) if (v) ops.push({ type: 'put' as const, key: valueKey(hashed.get(k)!), value: v });
    if (ops.length > 0) await this.values.batch(ops, { sync: true });
    const root = await this.tree.commit(hashed);
    for (const [k, v] of writes) this.cache.set(k, v);
    return root;
  }

  async resetTo(root: Bytes): Promise<void> {
    this.cache.clear();
    await this.tree.resetTo(root);
  }

  /** A proof for `key` against `root` and the value it commits to. */
  async prove(key: Bytes, root: Bytes): Promise<{ proof: Bytes; value: Bytes | undefined }> {
    const proof = await this.tree.prove(key, root);
    const result = verifyStateProof(root, key, proof);
    return { proof, value: result.exists ? await this.valueOf(result.value) : undefined };
  }
}

