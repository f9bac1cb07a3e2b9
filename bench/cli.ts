/**
 * The benches' command lines: `--help` prints the usage and exits 0; a bad argument prints what
 * was wrong and the usage, without a stack trace, and exits 2.
 */

/** A command-line mistake: the message says which argument and why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses `argv` with `parse`, handling --help and UsageError as above. */
export function commandLine<T>(usage: string, parse: (argv: readonly string[]) => T, argv: readonly string[] = process.argv.slice(2)): T {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${usage}\n`);
    process.exit(2);
  }
}

export interface SimpleOptions<N extends string, S extends string> {
  readonly numbers: Record<N, number>;
  readonly strings: Partial<Record<S, string>>;
  readonly flags: ReadonlySet<string>;
}

/**
 * Options of the form `--name <positive number>`, `--name <string>` and bare `--flag`s; anything
 * else is a UsageError. `numbers` gives each numeric option's default; those named in `integers`
 * (counts) must be whole numbers.
 */
export function simpleOptions<N extends string, S extends string = never>(
  argv: readonly string[],
  spec: { readonly numbers: Record<N, number>; readonly integers?: readonly NoInfer<N>[]; readonly strings?: readonly S[]; readonly flags?: readonly string[] },
): SimpleOptions<N, S> {
  const numbers = { ...spec.numbers };
  const strings: Partial<Record<S, string>> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (spec.flags?.includes(arg)) {
      flags.add(arg);
      continue;
    }
    const value = argv[i + 1];
    if (Object.hasOwn(numbers, arg)) {
      const v = Number(value);
      if (value === undefined || !Number.isFinite(v) || v <= 0) throw new UsageError(`${arg} needs a positive number`);
      if (spec.integers?.includes(arg as N) === true && !Number.isInteger(v)) throw new UsageError(`${arg} needs a whole number, not ${value}`);
      numbers[arg as N] = v;
    } else if ((spec.strings as readonly string[] | undefined)?.includes(arg)) {
      // A value may start with dashes: --node-flags takes node's own options.
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      strings[arg as S] = value;
    } else {
      throw new UsageError(`unknown argument ${arg}`);
    }
    i++;
  }
  return { numbers, strings, flags };
}
