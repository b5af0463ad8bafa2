/**
 * `mkdir -p` whose result survives a power cut: the directories it had to create are made durable
 * in their parents (a directory entry is durable only once its parent directory is synced, and a
 * file in a directory that vanishes vanishes with it).
 *
 * @module
 */
import { dirname } from "../path.ts";
import type { FileSystem } from "./file_system.ts";

/**
 * Create `path` and its missing parents, then sync the parent of each directory created, top
 * down. Nothing is synced when `path` already exists.
 *
 * @example
 * ```ts
 * import { ensureDirectory } from "./ensure_directory.ts";
 * import { MemoryFileSystem } from "./memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * await ensureDirectory(fs, "/a/b/c");
 * fs.crash({ unsynced: "lost" });
 * console.log((await fs.stat("/a/b/c"))?.isDirectory); // true
 * ```
 */
export async function ensureDirectory(fs: FileSystem, path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = path; p !== dirname(p); p = dirname(p)) {
    if ((await fs.stat(p)) !== null) break; // a file there makes mkdir fail with a clear error
    missing.push(p);
  }
  if (missing.length === 0) return;
  await fs.mkdir(path);
  for (const created of missing.reverse()) await fs.syncDir(dirname(created));
}
