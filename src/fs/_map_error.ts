/**
 * Maps operating-system errors (Node's `.code`, Deno's `Deno.errors.*` classes, which also carry a
 * `.code`) to {@linkcode FileSystemError}s. Private to the `fs` folder; it touches no runtime API,
 * it only reads the fields of the error it is given.
 *
 * @module
 */

import { FileSystemError, type FileSystemErrorCode } from "../errors.ts";

const BY_CODE: Record<string, FileSystemErrorCode> = {
  ENOSPC: "FS_NO_SPACE",
  EDQUOT: "FS_NO_SPACE",
  EACCES: "FS_PERMISSION",
  EPERM: "FS_PERMISSION",
  EROFS: "FS_PERMISSION",
  ENOENT: "FS_NOT_FOUND",
  ENOTDIR: "FS_NOT_DIRECTORY",
  EISDIR: "FS_NOT_DIRECTORY",
  EEXIST: "FS_EXISTS",
};

/** Deno's error class names (`Deno.errors.*`), for errors that carry no `.code`. */
const BY_NAME: Record<string, FileSystemErrorCode> = {
  NotFound: "FS_NOT_FOUND",
  PermissionDenied: "FS_PERMISSION",
  NotCapable: "FS_PERMISSION",
  NotADirectory: "FS_NOT_DIRECTORY",
  IsADirectory: "FS_NOT_DIRECTORY",
  AlreadyExists: "FS_EXISTS",
};

/** `(os error N)` numbers that are the same on Linux and macOS. */
const BY_OS_ERROR: Record<string, FileSystemErrorCode> = {
  "1": "FS_PERMISSION", // EPERM
  "2": "FS_NOT_FOUND", // ENOENT
  "13": "FS_PERMISSION", // EACCES
  "20": "FS_NOT_DIRECTORY", // ENOTDIR
  "17": "FS_EXISTS", // EEXIST
  "21": "FS_NOT_DIRECTORY", // EISDIR
  "28": "FS_NO_SPACE", // ENOSPC
  "30": "FS_PERMISSION", // EROFS
};

/**
 * The {@linkcode FileSystemErrorCode} for an error thrown by Node's, Bun's or Deno's file APIs:
 * ENOSPC/EDQUOT → `FS_NO_SPACE`, EACCES/EPERM/EROFS → `FS_PERMISSION`, ENOENT → `FS_NOT_FOUND`,
 * ENOTDIR/EISDIR → `FS_NOT_DIRECTORY`, EEXIST → `FS_EXISTS`, anything else → `FS_ERROR`.
 *
 * @example
 * ```ts
 * import { fileSystemErrorCode } from "./_map_error.ts";
 * const e = Object.assign(new Error("no space"), { code: "ENOSPC" });
 * fileSystemErrorCode(e); // "FS_NO_SPACE"
 * ```
 */
export function fileSystemErrorCode(error: unknown): FileSystemErrorCode {
  if (error instanceof FileSystemError) return error.code as FileSystemErrorCode;
  if (typeof error !== "object" || error === null) return "FS_ERROR";
  const fields = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof fields.code === "string" && fields.code in BY_CODE) return BY_CODE[fields.code];
  if (typeof fields.name === "string" && fields.name in BY_NAME) return BY_NAME[fields.name];
  if (typeof fields.message === "string") {
    const m = /\(os error (\d+)\)/.exec(fields.message);
    if (m && m[1] in BY_OS_ERROR) return BY_OS_ERROR[m[1]];
  }
  return "FS_ERROR";
}

/**
 * Wraps an error thrown by a runtime's file API in a {@linkcode FileSystemError} that keeps the
 * original as `cause`. A `FileSystemError` is returned unchanged.
 *
 * @example
 * ```ts
 * import { toFileSystemError } from "./_map_error.ts";
 * const e = toFileSystemError(Object.assign(new Error("x"), { code: "ENOENT" }), "open", "/a/b");
 * console.log(e.code, e.message); // FS_NOT_FOUND open /a/b: no such file or directory
 * ```
 */
export function toFileSystemError(
  error: unknown,
  operation: string,
  path: string,
): FileSystemError {
  if (error instanceof FileSystemError) return error;
  return new FileSystemError(fileSystemErrorCode(error), operation, path, { cause: error });
}
