/**
 * The error of a credentials source that cannot be used: a malformed file (named with its line), a
 * profile that is missing or of an unsupported mode, a credentials endpoint or the ECS metadata
 * service that fails. Messages never contain a secret: they name files, lines, keys and modes only.
 *
 * @module
 */
import { OssdlError } from "../errors.ts";

/**
 * Credentials were asked for (or found) but cannot be used.
 *
 * @example
 * ```ts
 * import { CredentialsError } from "./credentials_error.ts";
 * const e = new CredentialsError("/home/me/.ossutilconfig line 3: expected key = value");
 * console.log(e.code); // CREDENTIALS_ERROR
 * ```
 */
export class CredentialsError extends OssdlError {
  /**
   * Make the error.
   *
   * @param message what is wrong (a file and line, a profile, a mode; never a secret)
   * @param hint what to do next
   * @param options the underlying cause, if any
   */
  constructor(
    message: string,
    hint = "fix the credentials source named above, or pass credentials another way (see --help)",
    options?: { cause?: unknown },
  ) {
    super("CREDENTIALS_ERROR", message, hint, options);
    this.name = "CredentialsError";
  }
}
