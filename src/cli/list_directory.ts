/**
 * The names in a directory, for `status <directory>` (the `FileSystem` port has no listing; the
 * CLI may use `node:fs`, which Deno and Bun both provide).
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { FileSystemError } from "../errors.ts";

/**
 * The names of the entries directly inside `path` (not sorted, no `.` or `..`).
 *
 * @throws {FileSystemError} when the directory cannot be read
 *
 * @example
 * ```ts ignore
 * import { listDirectory } from "./list_directory.ts";
 * console.log(await listDirectory("./downloads"));
 * ```
 */
export async function listDirectory(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const kind = code === "ENOENT"
      ? "FS_NOT_FOUND"
      : code === "ENOTDIR"
      ? "FS_NOT_DIRECTORY"
      : code === "EACCES" || code === "EPERM"
      ? "FS_PERMISSION"
      : "FS_ERROR";
    throw new FileSystemError(kind, "list", path, { cause: error });
  }
}
