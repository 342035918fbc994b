// The one error type commands throw: a single clear line for the user and the exit code to leave with.
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: 0 done, 1 the operation failed (refused, resume failed, not found), 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}
