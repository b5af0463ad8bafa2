/**
 * Tiny path helpers for the core (which must not import `node:path`). They understand `/` and, on
 * Windows-style paths, `\`.
 *
 * @module
 */

/**
 * The directory part of a path (`"."` when there is none).
 *
 * @example
 * ```ts
 * import { dirname } from "./path.ts";
 * dirname("/data/file.bin"); // "/data"
 * dirname("file.bin"); // "."
 * ```
 */
export function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return ".";
  if (i === 0) return path[0];
  return path.slice(0, i);
}

/**
 * The last part of a path.
 *
 * @example
 * ```ts
 * import { basename } from "./path.ts";
 * basename("/data/file.bin"); // "file.bin"
 * ```
 */
export function basename(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.slice(i + 1);
}
