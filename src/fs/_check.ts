/**
 * Argument checks shared by the file-system adapters, so that every adapter rejects the same bad
 * arguments with the same built-in errors. Private to the `fs` folder.
 *
 * @module
 */

import { FileSystemError } from "../errors.ts";
import type { OpenOptions } from "./file_system.ts";

/**
 * Throws a `TypeError` for contradictory open options (read-only together with create or
 * truncate).
 *
 * @example
 * ```ts
 * import { checkOpenOptions } from "./_check.ts";
 * checkOpenOptions({ create: true }); // fine
 * ```
 */
export function checkOpenOptions(options: OpenOptions): void {
  if (options.readOnly && (options.create || options.truncate || options.exclusive)) {
    throw new TypeError("a file opened read-only cannot be created or truncated");
  }
}

/**
 * Throws a `RangeError` unless `value` is a non-negative safe integer (an offset or a size).
 *
 * @example
 * ```ts
 * import { checkPosition } from "./_check.ts";
 * checkPosition(42, "offset"); // fine
 * ```
 */
export function checkPosition(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
}

/**
 * The error for an operation on a closed handle.
 *
 * @example
 * ```ts
 * import { closedError } from "./_check.ts";
 * console.log(closedError("write", "/tmp/x").code); // FS_ERROR
 * ```
 */
export function closedError(operation: string, path: string): FileSystemError {
  return new FileSystemError("FS_ERROR", operation, path, {
    cause: new Error("the file handle is closed"),
  });
}
