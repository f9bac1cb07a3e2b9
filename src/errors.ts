/**
 * Every error DCBT raises on purpose is a DcbtError: a stable machine-readable `code`, typed
 * `details`, and a message that says what was wrong and what to do. RPC and CLI map these to
 * responses without parsing messages.
 */
export class DcbtError<Code extends string = string, Details extends object = Record<string, unknown>> extends Error {
  readonly code: Code;
  readonly details: Details;

  constructor(code: Code, message: string, details: Details = {} as Details, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DcbtError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: Code; message: string; details: Details } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isDcbtError(error: unknown): error is DcbtError {
  return error instanceof DcbtError;
}
