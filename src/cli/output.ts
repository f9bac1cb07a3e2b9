/**
 * How every command speaks: human text by default, one JSON document with --json; progress on
 * stderr (never mixed into JSON on stdout); errors as "error [CODE]: message" and exit code 1.
 */
import { isDcbtError } from '../errors.ts';

export interface OutputOptions {
  json?: boolean;
}

export class Output {
  readonly json: boolean;
  constructor(options: OutputOptions) {
    this.json = Boolean(options.json);
  }

  /** A step of long work, for people: stderr, so stdout stays machine-readable. */
  progress(message: string): void {
    if (!this.json) process.stderr.write(`${message}\n`);
  }

  /** The command's result: `human` for people, `data` for --json. */
  result(data: unknown, human: string | (() => string)): void {
    if (this.json) process.stdout.write(`${JSON.stringify(data)}\n`);
    else process.stdout.write(`${typeof human === 'function' ? human() : human}\n`);
  }
}

export function reportError(error: unknown, json: boolean): number {
  if (isDcbtError(error)) {
    if (json) process.stdout.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    process.stderr.write(`error [${error.code}]: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: 'INTERNAL', message, details: {} } })}\n`);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.DCBT_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}
