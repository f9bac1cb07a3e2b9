/**
 * `npm run sim -- …`: runs the consensus simulator over many seeds (a campaign, with progress)
 * or replays one seed with a trace. A failure prints its seed and the command that replays it;
 * the exit code is 1 when any run failed.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SIM_OPTIONS, replayCommand, runSimulation, type SimOptions, type SimResult } from './world.ts';

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

interface CliOptions {
  seeds?: number;
  from: number;
  seed?: number;
  validators: number;
  byzantine: string;
  mode: 'equivocate' | 'fork';
  crypto: 'fast' | 'ed25519';
  chaosMs: number;
  liveMs: number;
  faults: boolean;
  trace: boolean;
  traceMessages: boolean;
  json: boolean;
}

function simOptions(o: CliOptions): Partial<SimOptions> {
  const byzantine = o.byzantine === 'random' ? 'random' : integer(0, o.validators)(o.byzantine);
  return {
    validators: o.validators,
    byzantine,
    byzantineMode: o.mode,
    crypto: o.crypto,
    chaosMs: o.chaosMs,
    liveMs: o.liveMs,
    faults: o.faults,
  };
}

function printFailure(r: SimResult, options: Partial<SimOptions>, out: NodeJS.WritableStream): void {
  out.write(`\nseed ${r.seed} FAILED:\n`);
  for (const v of r.violations) out.write(`  ${v.kind} at ${v.atMs - 1_700_000_000_000} ms: ${v.message}\n`);
  out.write(`  replay: ${replayCommand(r.seed, options)}\n`);
}

function replay(seed: number, o: CliOptions): number {
  const options = simOptions(o);
  const trace = o.trace || o.traceMessages ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  const r = runSimulation(seed, { ...options, stopOnViolation: false, ...(trace ? { trace, traceMessages: o.traceMessages } : {}) });
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ seed: r.seed, ok: r.ok, violations: r.violations, stats: r.stats })}\n`);
  } else {
    process.stdout.write(`seed ${seed}: ${r.ok ? 'ok' : 'FAILED'}\n${JSON.stringify(r.stats, null, 2)}\n`);
    if (!r.ok) printFailure(r, options, process.stdout);
  }
  return r.ok ? 0 : 1;
}

function campaign(o: CliOptions): number {
  const options = simOptions(o);
  const count = o.seeds ?? 500;
  const failures: SimResult[] = [];
  const started = performance.now();
  let lastReport = 0;
  let heights = 0;
  let evidence = 0;
  let byzantineRuns = 0;
  let gapMaxMs = 0;
  const interactive = process.stderr.isTTY && !o.json;
  for (let i = 0; i < count; i++) {
    const seed = o.from + i;
    const r = runSimulation(seed, options);
    heights += r.stats.heightMin;
    evidence += r.stats.evidence;
    byzantineRuns += r.stats.byzantine > 0 ? 1 : 0;
    gapMaxMs = Math.max(gapMaxMs, r.stats.blockGapMaxMs, r.stats.firstBlockAfterHealMs);
    if (!r.ok) {
      failures.push(r);
      if (!o.json) printFailure(r, options, process.stderr);
    }
    const now = performance.now();
    if (!o.json && (now - lastReport > (interactive ? 1000 : 10_000) || i === count - 1)) {
      lastReport = now;
      const done = i + 1;
      const perSeed = (now - started) / done;
      const eta = Math.round((perSeed * (count - done)) / 1000);
      const line = `seeds ${done}/${count} · failed ${failures.length} · ${perSeed.toFixed(0)} ms/seed · eta ${eta} s`;
      process.stderr.write(interactive ? `\r${line}   ` : `${line}\n`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const summary = {
    seeds: count,
    from: o.from,
    failed: failures.map((f) => f.seed),
    byzantineRuns,
    evidence,
    meanFinalHeight: Number((heights / count).toFixed(1)),
    longestWaitAfterHealMs: gapMaxMs,
    seconds: Number(seconds.toFixed(1)),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, failures: failures.map((f) => ({ seed: f.seed, violations: f.violations, replay: replayCommand(f.seed, options) })) })}\n`);
  } else {
    if (interactive) process.stderr.write('\n');
    process.stdout.write(
      `${count} seeds from ${o.from} in ${summary.seconds} s: ${failures.length === 0 ? 'all passed' : `${failures.length} FAILED (${summary.failed.join(', ')})`}; ` +
        `${byzantineRuns} with a Byzantine validator, ${evidence} pieces of evidence, mean final height ${summary.meanFinalHeight}, longest wait for a block after the heal ${gapMaxMs} ms\n`,
    );
    for (const f of failures.slice(0, 5)) process.stdout.write(`replay seed ${f.seed}: ${replayCommand(f.seed, options)}\n`);
  }
  return failures.length === 0 ? 0 : 1;
}

export function buildSimProgram(): Command {
  return new Command('sim')
    .description('Runs the consensus engine under a simulated network: many seeds (a campaign) or one seed (a replay)')
    .option('--seeds <n>', 'run this many seeds (default 500)', integer(1))
    .option('--from <seed>', 'first seed of the campaign', integer(0, 0xffffffff), 1)
    .option('--seed <seed>', 'replay one seed and print its statistics', integer(0, 0xffffffff))
    .option('--validators <n>', 'number of validators', integer(1, 64), DEFAULT_SIM_OPTIONS.validators)
    .option('--byzantine <n>', "Byzantine validators: a number, or 'random' (none or one, by the seed)", 'random')
    .addOption(new Option('--mode <mode>', 'what the Byzantine validators do').choices(['equivocate', 'fork']).default('equivocate'))
    .addOption(new Option('--crypto <kind>', "signatures: 'fast' (a hash stand-in) or real 'ed25519'").choices(['fast', 'ed25519']).default('fast'))
    .option('--chaos-ms <ms>', 'simulated time with faults before the network heals', integer(100), DEFAULT_SIM_OPTIONS.chaosMs)
    .option('--live-ms <ms>', 'simulated time after the heal, over which liveness is judged', integer(100), DEFAULT_SIM_OPTIONS.liveMs)
    .option('--no-faults', 'no loss, partitions or crashes (Byzantine validators still act)')
    .option('--trace', 'with --seed: print the run as it goes (decisions, rounds, crashes, partitions)')
    .option('--trace-messages', 'with --seed: also every consensus message sent and received')
    .option('--json', 'print the result as one JSON document')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

export function main(argv: string[]): number {
  const program = buildSimProgram();
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const o = program.opts<CliOptions>();
  try {
    return o.seed !== undefined ? replay(o.seed, o) : campaign(o);
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) process.exitCode = main(process.argv);
