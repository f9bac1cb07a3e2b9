/**
 * A long fuzzing campaign against the DNS handler chain (CI runs the same property on ~100k
 * packets in src/dns/fuzz.test.ts):
 *
 *   npm run fuzz:dns -- --packets 10000000 [--seed N] [--chunk 100000]
 *   npx node bench/dns-fuzz.ts --write-corpus     # regenerate the hand-made corpus
 *
 * Packets: corpus mutations, structured queries, random bytes and oversized packets, each through
 * `handleQuery` with the UDP and the TCP rules, against the signed fixture zone. The run goes in
 * chunks, chunk i with seed `seed + i`; progress goes to stderr. On the first failure it prints the
 * seed, fast-check's path and the shrunk packet, saves the packet into src/dns/fuzz-corpus/ (so
 * the CI test replays it from then on) and exits 1.
 */
import fc from 'fast-check';
import { fixtureApex, fixtureKeys, fixtureView } from '../src/dns/fixtures.ts';
import { chainProperty, corpusDir, loadCorpus, oversizedArb, packetArb, saveCrash, writeSeedCorpus } from '../src/dns/fuzz.ts';
import { createDnsEnv } from '../src/dns/server.ts';
import { commandLine, UsageError } from './cli.ts';

interface Options {
  packets: number;
  seed: number;
  chunk: number;
  writeCorpus: boolean;
}

const usage = 'usage: bench/dns-fuzz.ts [--packets N] [--seed N] [--chunk N] | --write-corpus';

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { packets: 1_000_000, seed: Math.floor(Math.random() * 0x7fffffff), chunk: 100_000, writeCorpus: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new UsageError(`${arg} needs a non-negative integer`);
      return v;
    };
    if (arg === '--packets') opts.packets = num();
    else if (arg === '--seed') opts.seed = num();
    else if (arg === '--chunk') opts.chunk = Math.max(1, num());
    else if (arg === '--write-corpus') opts.writeCorpus = true;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = commandLine(usage, parseArgs);
  if (opts.writeCorpus) {
    process.stdout.write(`wrote ${writeSeedCorpus()} packets to ${corpusDir}\n`);
    return;
  }
  const corpus = loadCorpus().map((c) => c.bytes);
  const env = createDnsEnv({ view: () => fixtureView(), apex: fixtureApex(), keys: fixtureKeys() });
  const arbitrary = fc.oneof({ weight: 200, arbitrary: packetArb(corpus) }, { weight: 1, arbitrary: oversizedArb });
  process.stderr.write(`fuzzing handleQuery: ${opts.packets} packets, seed ${opts.seed}, ${corpus.length} corpus packets\n`);
  const started = performance.now();
  let done = 0;
  for (let chunkIndex = 0; done < opts.packets; chunkIndex++) {
    const numRuns = Math.min(opts.chunk, opts.packets - done);
    const seed = opts.seed + chunkIndex;
    const details = await fc.check(chainProperty(env, arbitrary), { seed, numRuns });
    if (details.failed) {
      const packet = details.counterexample?.[0];
      process.stderr.write(`\nFAILED in chunk ${chunkIndex}: seed ${seed}, path ${details.counterexamplePath ?? '?'}\n${String(details.errorInstance)}\n`);
      if (packet) process.stderr.write(`packet saved as ${saveCrash(packet)}\n`);
      process.exit(1);
    }
    done += numRuns;
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`${done}/${opts.packets} packets, ${Math.round(done / seconds)} packets/s, RCODEs ${JSON.stringify(env.stats.rcodes)}, no reply ${env.stats.dropped}\n`);
  }
  process.stdout.write(`${done} packets, seed ${opts.seed}: no failure\n`);
}

await main();
