/**
 * The file-writing adapter of the emulator's {@linkcode WritableDirectoryStore}, on
 * `node:fs/promises` (Node, Deno and Bun): atomic writes (temporary file, `fdatasync`, rename,
 * directory sync) and removals that never follow a symbolic link below the base directory.
 *
 * @module
 */
import { lstat, mkdir, open, rename, rmdir, stat, unlink } from "node:fs/promises";
import type { DirectoryEntryInfo } from "./directory_store.ts";
import { InvalidKeyError } from "./object_store.ts";
import type { DirectoryWriter } from "./writable_directory_store.ts";

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

/** Best effort: a directory's entry changes become durable (not every runtime can open one). */
async function syncDirectory(path: string): Promise<void> {
  try {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Deno and some file systems cannot fsync a directory; the rename is still atomic.
  }
}

/**
 * Walk the directories of `relative` under `base` (all but the last segment), refusing symbolic
 * links on the way. With `create`, missing directories are made and a file on the way is refused;
 * without it, a missing directory or a file on the way gives `null` (the target cannot exist).
 */
async function parentOf(base: string, relative: string, create: boolean): Promise<string | null> {
  const segments = relative.split("/");
  let dir = base;
  if (create) await mkdir(base, { recursive: true });
  for (const segment of segments.slice(0, -1)) {
    dir = `${dir}/${segment}`;
    let info;
    try {
      info = await lstat(dir);
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e;
      if (!create) return null;
      try {
        await mkdir(dir);
      } catch (m) {
        if (codeOf(m) !== "EEXIST") throw m;
      }
      info = await lstat(dir);
    }
    if (info.isSymbolicLink()) {
      throw new InvalidKeyError(relative, `${JSON.stringify(segment)} is a symbolic link`);
    }
    if (!info.isDirectory()) {
      if (!create) return null; // a file where a directory would be: the target cannot exist
      throw new InvalidKeyError(relative, `${JSON.stringify(segment)} is a file, not a directory`);
    }
  }
  return dir;
}

async function targetIsDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (e) {
    if (codeOf(e) === "ENOENT") return false;
    throw e;
  }
}

async function writeTemp(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, "wx", 0o644);
  try {
    let at = 0;
    while (at < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.length - at, at);
      at += bytesWritten;
    }
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

function tempName(): string {
  return `.ossdl-tmp-${crypto.randomUUID()}`;
}

/**
 * Writes files with `node:fs/promises`.
 *
 * @example
 * ```ts ignore
 * import { NodeDirectoryWriter } from "./directory_store_node_writer.ts";
 * const w = new NodeDirectoryWriter();
 * await w.writeFile("/srv/oss/bucket", "dir/a.txt", new TextEncoder().encode("hi"), "/srv/oss/.tmp");
 * ```
 */
export class NodeDirectoryWriter implements DirectoryWriter {
  /** Write `<base>/<relative>` atomically through a temporary file in `tempDirectory`. */
  async writeFile(
    base: string,
    relative: string,
    bytes: Uint8Array,
    tempDirectory: string,
  ): Promise<DirectoryEntryInfo> {
    const parent = (await parentOf(base, relative, true))!;
    const target = `${base}/${relative}`;
    if (await targetIsDirectory(target)) {
      throw new InvalidKeyError(relative, "a directory of that name exists");
    }
    await mkdir(tempDirectory, { recursive: true });
    let temp = `${tempDirectory}/${tempName()}`;
    try {
      await writeTemp(temp, bytes);
      try {
        await rename(temp, target);
      } catch (e) {
        if (codeOf(e) !== "EXDEV") throw e;
        // The bucket lives on another file system: go through a temporary file beside the target.
        await unlink(temp).catch(() => {});
        temp = `${parent}/${tempName()}`;
        await writeTemp(temp, bytes);
        await rename(temp, target);
      }
    } catch (e) {
      await unlink(temp).catch(() => {});
      if (codeOf(e) === "ENAMETOOLONG") throw new InvalidKeyError(relative, "a name is too long");
      throw e;
    }
    await syncDirectory(parent);
    const s = await stat(target);
    return { size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile(), isDirectory: s.isDirectory() };
  }

  /** Remove `<base>/<relative>` and the directories of `relative` it leaves empty. */
  async removeFile(base: string, relative: string): Promise<void> {
    const parent = await parentOf(base, relative, false);
    if (parent === null) return;
    const target = `${base}/${relative}`;
    if (await targetIsDirectory(target)) return; // a directory is no object: nothing to remove
    try {
      await unlink(target);
    } catch (e) {
      if (codeOf(e) === "ENOENT") return;
      throw e;
    }
    await syncDirectory(parent);
    const segments = relative.split("/").slice(0, -1);
    while (segments.length > 0) {
      try {
        await rmdir(`${base}/${segments.join("/")}`);
      } catch {
        return; // not empty (or gone): stop
      }
      segments.pop();
    }
  }
}
