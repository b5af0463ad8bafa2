/**
 * The {@linkcode FileSystem} port on `node:fs/promises`, for Node and Bun (it also runs on Deno's
 * Node compatibility layer, where `DenoFileSystem` is preferred). Writes use `pwrite`
 * through `FileHandle.write(buffer, offset, length, position)`, so concurrent writes at different
 * offsets never share a cursor.
 *
 * @module
 */

import { constants } from "node:fs";
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readFile,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { FileSystemError } from "../errors.ts";
import type {
  BlockWriter,
  BlockWriterOptions,
  FileInfo,
  FileSystem,
  OpenOptions,
  PositionalFile,
} from "./file_system.ts";
import { WorkerBlockWriter } from "./worker_block_writer.ts";
import { checkOpenOptions, checkPosition, closedError } from "./_check.ts";
import { toFileSystemError } from "./_map_error.ts";

/**
 * The file system of Node and Bun.
 *
 * @example
 * ```ts
 * import { tmpdir } from "node:os";
 * import { NodeFileSystem } from "./node_file_system.ts";
 * const fs = new NodeFileSystem();
 * const path = `${tmpdir()}/ossdl-node-example.bin`;
 * const f = await fs.open(path, { create: true, truncate: true });
 * await f.write(new TextEncoder().encode("hello"), 0);
 * await f.datasync();
 * await f.close();
 * await fs.remove(path);
 * ```
 */
export class NodeFileSystem implements FileSystem {
  /** Open a file for positional I/O. */
  async open(path: string, options: OpenOptions = {}): Promise<PositionalFile> {
    checkOpenOptions(options);
    let flags = options.readOnly ? constants.O_RDONLY : constants.O_RDWR;
    if (options.create || options.exclusive) flags |= constants.O_CREAT;
    if (options.exclusive) flags |= constants.O_EXCL;
    if (options.truncate) flags |= constants.O_TRUNC;
    let handle: FileHandle;
    try {
      handle = await open(path, flags, 0o666);
    } catch (e) {
      throw toFileSystemError(e, "open", path);
    }
    // Opening a directory for writing already failed (EISDIR); read-only, it succeeds: check.
    if (!options.readOnly) return new NodePositionalFile(handle, path);
    try {
      if ((await handle.stat()).isDirectory()) {
        throw new FileSystemError("FS_NOT_DIRECTORY", "open", path, {
          cause: new Error("the path is a directory"),
        });
      }
    } catch (e) {
      await handle.close().catch(() => {});
      throw toFileSystemError(e, "open", path);
    }
    return new NodePositionalFile(handle, path);
  }

  /**
   * A writer that writes and hashes blocks of `path` on a worker thread (`node:fs` there too), or
   * `null` where workers cannot do that.
   */
  openBlockWriter(path: string, options?: BlockWriterOptions): Promise<BlockWriter | null> {
    return WorkerBlockWriter.open(path, options);
  }

  /** Read a whole (small) file. */
  async readFile(path: string): Promise<Uint8Array> {
    try {
      const b = await readFile(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw toFileSystemError(e, "read", path);
    }
  }

  /** Information about a path, or `null` when nothing is there. */
  async stat(path: string): Promise<FileInfo | null> {
    try {
      const s = await stat(path);
      const mtimeMs = Math.floor(s.mtimeMs);
      return { size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), mtimeMs };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw toFileSystemError(e, "stat", path);
    }
  }

  /** Atomically rename a file, replacing `to` if it exists. */
  async rename(from: string, to: string): Promise<void> {
    try {
      await rename(from, to);
    } catch (e) {
      throw toFileSystemError(e, "rename", `${from} -> ${to}`);
    }
  }

  /** Give `existing` the second name `newPath` (a hard link); `FS_EXISTS` when it is taken. */
  async link(existing: string, newPath: string): Promise<void> {
    try {
      await link(existing, newPath);
    } catch (e) {
      throw toFileSystemError(e, "link", `${existing} -> ${newPath}`);
    }
  }

  /** Remove a file; no error when it does not exist. */
  async remove(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (e) {
      if ((e as { code?: unknown }).code === "ENOENT") return;
      throw toFileSystemError(e, "remove", path);
    }
  }

  /** Create a directory and its parents; no error when it exists. */
  async mkdir(path: string): Promise<void> {
    try {
      await mkdir(path, { recursive: true });
    } catch (e) {
      // EEXIST from a recursive mkdir: something that is not a directory is in the way.
      if ((e as { code?: unknown }).code === "EEXIST") {
        throw new FileSystemError("FS_NOT_DIRECTORY", "mkdir", path, { cause: e });
      }
      throw toFileSystemError(e, "mkdir", path);
    }
  }

  /** fsync a directory, so that creates, renames and removes in it are durable. */
  async syncDir(path: string): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY);
    } catch (e) {
      throw toFileSystemError(e, "syncDir", path);
    }
    try {
      if (!(await handle.stat()).isDirectory()) {
        throw new FileSystemError("FS_NOT_DIRECTORY", "syncDir", path, {
          cause: new Error("the path is not a directory"),
        });
      }
      await handle.sync();
    } catch (e) {
      throw toFileSystemError(e, "syncDir", path);
    } finally {
      await handle.close().catch(() => {});
    }
  }
}

class NodePositionalFile implements PositionalFile {
  #handle: FileHandle;
  #path: string;
  #closed = false;

  constructor(handle: FileHandle, path: string) {
    this.#handle = handle;
    this.#path = path;
  }

  async write(data: Uint8Array, offset: number): Promise<void> {
    checkPosition(offset, "offset");
    if (this.#closed) throw closedError("write", this.#path);
    try {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await this.#handle.write(
          data,
          done,
          data.length - done,
          offset + done,
        );
        if (bytesWritten <= 0) throw new Error("the write made no progress");
        done += bytesWritten;
      }
    } catch (e) {
      throw toFileSystemError(e, "write", this.#path);
    }
  }

  async read(buffer: Uint8Array, offset: number): Promise<number> {
    checkPosition(offset, "offset");
    if (this.#closed) throw closedError("read", this.#path);
    try {
      let done = 0;
      while (done < buffer.length) {
        const { bytesRead } = await this.#handle.read(
          buffer,
          done,
          buffer.length - done,
          offset + done,
        );
        if (bytesRead <= 0) break;
        done += bytesRead;
      }
      return done;
    } catch (e) {
      throw toFileSystemError(e, "read", this.#path);
    }
  }

  async datasync(): Promise<void> {
    if (this.#closed) throw closedError("datasync", this.#path);
    try {
      await this.#handle.datasync();
    } catch (e) {
      throw toFileSystemError(e, "datasync", this.#path);
    }
  }

  async truncate(size: number): Promise<void> {
    checkPosition(size, "size");
    if (this.#closed) throw closedError("truncate", this.#path);
    try {
      await this.#handle.truncate(size);
    } catch (e) {
      throw toFileSystemError(e, "truncate", this.#path);
    }
  }

  async size(): Promise<number> {
    if (this.#closed) throw closedError("size", this.#path);
    try {
      return (await this.#handle.stat()).size;
    } catch (e) {
      throw toFileSystemError(e, "stat", this.#path);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#handle.close();
    } catch (e) {
      throw toFileSystemError(e, "close", this.#path);
    }
  }
}
