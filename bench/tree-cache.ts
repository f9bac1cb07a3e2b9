/**
 * State-tree node cache bench: processor time per key of the node's block pattern (read a set of new
 * keys, then commit values for them) on two trees side by side in one process, one with the
 * decoded-node cache (src/store/tree.ts, TREE_NODE_CACHE_ENTRIES_MAX) and one without it. The
 * two take turns block by block, so drift in the machine's speed falls on both alike.
 *
 *   npx node bench/tree-cache.ts [--keys-before 100000] [--blocks 30] [--block-keys 2000] [--cache-entries 4096] [--json]
 *
 * Both trees are first filled with --keys-before keys (untimed), then each runs --blocks blocks
 * of --block-keys new keys: getMany (what admission does), then commit (fsync included; only
 * processor time is counted). Prints µs per key for each and the ratio, and checks that both
 * trees end at the same root.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, toHex } from '../src/chain/hash.ts';
import { StateTree, TREE_NODE_CACHE_ENTRIES_MAX } from '../src/store/tree.ts';
import { commandLine, simpleOptions } from './cli.ts';

const USAGE = 'usage: npx node bench/tree-cache.ts [--keys-before 100000] [--blocks 30] [--block-keys 2000] [--cache-entries 4096] [--json]';
const opts = commandLine(USAGE, (argv) =>
  simpleOptions(argv, {
    numbers: { '--keys-before': 100_000, '--blocks': 30, '--block-keys': 2000, '--cache-entries': TREE_NODE_CACHE_ENTRIES_MAX },
    integers: ['--keys-before', '--blocks', '--block-keys', '--cache-entries'],
    flags: ['--json'],
  }),
);
const KEYS_BEFORE = opts.numbers['--keys-before'];
const BLOCKS = opts.numbers['--blocks'];
const BLOCK_KEYS = opts.numbers['--block-keys'];
const CACHE_ENTRIES = opts.numbers['--cache-entries'];
const progress = (m: string) => process.stderr.write(`[tree-cache bench] ${m}\n`);

const keyOf = (i: number): Uint8Array => sha256(new TextEncoder().encode(`bench-key-${i}`));
const valueOf = (i: number): Uint8Array => sha256(new TextEncoder().encode(`bench-value-${i}`));

/** One block: read the keys, then commit a value for each. */
async function block(tree: StateTree, from: number, count: number): Promise<void> {
  const keys = Array.from({ length: count }, (_, i) => keyOf(from + i));
  await tree.getMany(keys);
  await tree.commit(new Map(keys.map((k, i) => [toHex(k), valueOf(from + i)])));
}

const dir = await mkdtemp(join(tmpdir(), 'dcbt-tree-cache-bench-'));
try {
  const trees = { uncached: await StateTree.open(join(dir, 'uncached'), { nodeCacheEntriesMax: 0 }), cached: await StateTree.open(join(dir, 'cached'), { nodeCacheEntriesMax: CACHE_ENTRIES }) };
  progress(`filling both trees with ${KEYS_BEFORE} keys`);
  let next = 0;
  for (; next < KEYS_BEFORE; next += BLOCK_KEYS) for (const tree of Object.values(trees)) await block(tree, next, Math.min(BLOCK_KEYS, KEYS_BEFORE - next));
  next = KEYS_BEFORE;
  progress(`${BLOCKS} blocks of ${BLOCK_KEYS} keys each, taking turns`);
  const cpuUs = { uncached: 0, cached: 0 };
  for (let b = 0; b < BLOCKS; b++, next += BLOCK_KEYS) {
    const order = b % 2 === 0 ? (['uncached', 'cached'] as const) : (['cached', 'uncached'] as const);
    for (const which of order) {
      const before = process.cpuUsage();
      await block(trees[which], next, BLOCK_KEYS);
      const used = process.cpuUsage(before);
      cpuUs[which] += used.user + used.system;
    }
  }
  const sameRoot = toHex(trees.cached.rootHash()) === toHex(trees.uncached.rootHash());
  for (const tree of Object.values(trees)) await tree.close();
  if (!sameRoot) throw new Error('the cached and uncached trees ended at different roots');
  const keys = BLOCKS * BLOCK_KEYS;
  const result = {
    keysBefore: KEYS_BEFORE,
    keysTimed: keys,
    cacheEntries: CACHE_ENTRIES,
    uncachedUsPerKey: Math.round((cpuUs.uncached / keys) * 10) / 10,
    cachedUsPerKey: Math.round((cpuUs.cached / keys) * 10) / 10,
    ratio: Math.round((cpuUs.cached / cpuUs.uncached) * 1000) / 1000,
    sameRoot,
  };
  if (opts.flags.has('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      [
        `tree-cache bench: ${KEYS_BEFORE} keys before, then ${BLOCKS} blocks of ${BLOCK_KEYS} new keys (read, then commit)`,
        `no node cache (baseline)             ${result.uncachedUsPerKey} µs of processor time per key`,
        `node cache, ${CACHE_ENTRIES} entries per generation   ${result.cachedUsPerKey} µs per key   ${result.ratio}× baseline`,
        `both trees at the same root: ${sameRoot}`,
      ].join('\n') + '\n',
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
