/**
 * The error the command line raises for bad arguments: it exits with status 2 and a usage hint.
 *
 * @module
 */

/**
 * Bad command-line arguments (unknown option, missing source, bad size, ...). The CLI prints the
 * message and `hint` and exits with status 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * const e = new UsageError("unknown option --bogus");
 * console.log(e.message, e.hint);
 * ```
 */
export class UsageError extends Error {
  /** What to do instead, in one sentence. */
  readonly hint: string;

  /**
   * @param message what is wrong with the arguments
   * @param hint what to do instead
   */
  constructor(message: string, hint = "run with --help to see the usage") {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }
}
