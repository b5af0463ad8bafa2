/**
 * The {@linkcode FileSystem} port on Deno's own file APIs.
 *
 * `Deno.FsFile` has no positional write: it has a cursor (`seek`) and `write` at the cursor. So every
 * handle owns a lock, and a positional `write` is `seek(offset, Start)` followed by a loop of
 * `write` until every byte is written, both under the lock; `read` likewise. No other operation on
 * the handle can move the cursor between the seek and the write, so concurrent writes at different
 * offsets land exactly where they were asked to. `datasync` waits for the operations issued before
 * it and then calls `syncData()`, without holding up later writes.
 *
 * @module
 */

import { FileSystemError } from "../errors.ts";
import type { FileInfo, FileSystem, OpenOptions, PositionalFile } from "./file_system.ts";
import { checkOpenOptions, checkPosition, closedError } from "./_check.ts";
import { toFileSystemError } from "./_map_error.ts";

/**
 * The file system of Deno.
 *
 * @example
 * ```ts
 * import { DenoFileSystem } from "./deno_file_system.ts";
 * const fs = new DenoFileSystem();
 * const dir = await Deno.makeTempDir();
 * const f = await fs.open(`${dir}/example.bin`, { create: true, truncate: true });
 * await f.write(new TextEncoder().encode("hello"), 0);
 * await f.datasync();
 * await f.close();
 * await fs.syncDir(dir);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DenoFileSystem implements FileSystem {
  /** Open a file for positional I/O. */
  async open(path: string, options: OpenOptions = {}): Promise<PositionalFile> {
    checkOpenOptions(options);
    const write = !options.readOnly;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, {
        read: true,
        write,
        create: write && !!options.create,
        createNew: write && !!options.exclusive,
        truncate: write && !!options.truncate,
      });
    } catch (e) {
      throw toFileSystemError(e, "open", path);
    }
    try {
      if ((await file.stat()).isDirectory) {
        throw new FileSystemError("FS_NOT_DIRECTORY", "open", path, {
          cause: new Error("the path is a directory"),
        });
      }
    } catch (e) {
      file.close();
      throw toFileSystemError(e, "open", path);
    }
    return new DenoPositionalFile(file, path);
  }

  /** Read a whole (small) file. */
  async readFile(path: string): Promise<Uint8Array> {
    try {
      return await Deno.readFile(path);
    } catch (e) {
      throw toFileSystemError(e, "read", path);
    }
  }

  /** Information about a path, or `null` when nothing is there. */
  async stat(path: string): Promise<FileInfo | null> {
    try {
      const s = await Deno.stat(path);
      const info: FileInfo = { size: s.size, isFile: s.isFile, isDirectory: s.isDirectory };
      if (s.mtime !== null) info.mtimeMs = Math.floor(s.mtime.getTime());
      return info;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
      throw toFileSystemError(e, "stat", path);
    }
  }

  /** Atomically rename a file, replacing `to` if it exists. */
  async rename(from: string, to: string): Promise<void> {
    try {
      await Deno.rename(from, to);
    } catch (e) {
      throw toFileSystemError(e, "rename", `${from} -> ${to}`);
    }
  }

  /** Give `existing` the second name `newPath` (a hard link); `FS_EXISTS` when it is taken. */
  async link(existing: string, newPath: string): Promise<void> {
    try {
      await Deno.link(existing, newPath);
    } catch (e) {
      throw toFileSystemError(e, "link", `${existing} -> ${newPath}`);
    }
  }

  /** Remove a file; no error when it does not exist. */
  async remove(path: string): Promise<void> {
    try {
      await Deno.remove(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      throw toFileSystemError(e, "remove", path);
    }
  }

  /** Create a directory and its parents; no error when it exists. */
  async mkdir(path: string): Promise<void> {
    try {
      await Deno.mkdir(path, { recursive: true });
    } catch (e) {
      // AlreadyExists from a recursive mkdir: something that is not a directory is in the way.
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new FileSystemError("FS_NOT_DIRECTORY", "mkdir", path, { cause: e });
      }
      throw toFileSystemError(e, "mkdir", path);
    }
  }

  /**
   * fsync a directory, so that creates, renames and removes in it are durable. On Windows, where a
   * directory cannot be opened or synced this way (and NTFS journals metadata), the failure is
   * ignored once the directory is known to exist; everywhere else it is an error.
   */
  async syncDir(path: string): Promise<void> {
    const windows = Deno.build.os === "windows";
    let dir: Deno.FsFile;
    try {
      dir = await Deno.open(path, { read: true });
    } catch (e) {
      if (windows && (await this.stat(path))?.isDirectory) return;
      throw toFileSystemError(e, "syncDir", path);
    }
    try {
      if (!(await dir.stat()).isDirectory) {
        throw new FileSystemError("FS_NOT_DIRECTORY", "syncDir", path, {
          cause: new Error("the path is not a directory"),
        });
      }
      try {
        await dir.sync();
      } catch (e) {
        if (!windows) throw e;
      }
    } catch (e) {
      throw toFileSystemError(e, "syncDir", path);
    } finally {
      dir.close();
    }
  }
}

class DenoPositionalFile implements PositionalFile {
  #file: Deno.FsFile;
  #path: string;
  #closed = false;
  /** Settles when every operation issued so far has finished (the lock's queue). */
  #tail: Promise<unknown> = Promise.resolve();
  /** Operations running outside the lock (`datasync`, `size`); `close` waits for them. */
  #outside = new Set<Promise<unknown>>();

  constructor(file: Deno.FsFile, path: string) {
    this.#file = file;
    this.#path = path;
  }

  /** Runs `task` after every operation issued before it, one at a time. */
  #locked<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => {});
    return run;
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    checkPosition(offset, "offset");
    if (this.#closed) throw closedError("write", this.#path);
    return await this.#locked(async () => {
      try {
        await this.#file.seek(offset, Deno.SeekMode.Start);
        let done = 0;
        while (done < data.length) {
          const n = await this.#file.write(data.subarray(done));
          if (n <= 0) throw new Error("the write made no progress");
          done += n;
        }
      } catch (e) {
        throw toFileSystemError(e, "write", this.#path);
      }
    });
  }

  async read(buffer: Uint8Array, offset: number): Promise<number> {
    checkPosition(offset, "offset");
    if (this.#closed) throw closedError("read", this.#path);
    return await this.#locked(async () => {
      try {
        await this.#file.seek(offset, Deno.SeekMode.Start);
        let done = 0;
        while (done < buffer.length) {
          const n = await this.#file.read(buffer.subarray(done));
          if (n === null || n === 0) break;
          done += n;
        }
        return done;
      } catch (e) {
        throw toFileSystemError(e, "read", this.#path);
      }
    });
  }

  async datasync(): Promise<void> {
    if (this.#closed) throw closedError("datasync", this.#path);
    // Cover every write issued before this call, without holding the lock during the sync.
    await this.#tail;
    return this.#beside("datasync", () => this.#file.syncData());
  }

  async truncate(size: number): Promise<void> {
    checkPosition(size, "size");
    if (this.#closed) throw closedError("truncate", this.#path);
    return await this.#locked(async () => {
      try {
        await this.#file.truncate(size);
      } catch (e) {
        throw toFileSystemError(e, "truncate", this.#path);
      }
    });
  }

  async size(): Promise<number> {
    if (this.#closed) throw closedError("size", this.#path);
    await this.#tail;
    return this.#beside("stat", async () => (await this.#file.stat()).size);
  }

  /** Runs `task` outside the lock (it does not use the cursor); `close` waits for it. */
  async #beside<T>(operation: string, task: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedError(operation, this.#path);
    const run = task();
    this.#outside.add(run);
    try {
      return await run;
    } catch (e) {
      throw toFileSystemError(e, operation, this.#path);
    } finally {
      this.#outside.delete(run);
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    // Operations already issued finish first; the handle is closed after them.
    return this.#locked(async () => {
      await Promise.allSettled([...this.#outside]);
      try {
        this.#file.close();
      } catch (e) {
        throw toFileSystemError(e, "close", this.#path);
      }
    });
  }
}
