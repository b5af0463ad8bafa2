/**
 * The FileSystem port: everything the engine and the journal need from the operating system.
 * Adapters (`deno_file_system.ts`, `node_file_system.ts`, `memory_file_system.ts`) are the only
 * files that touch `Deno.*` or `node:*`. All failures are {@linkcode FileSystemError}s.
 *
 * @module
 */

/**
 * A file opened for positional reads and writes. No mmap; many concurrent `write`s at different
 * offsets land exactly at their offsets.
 *
 * @example
 * ```ts
 * import type { PositionalFile } from "./file_system.ts";
 * async function writeTwice(f: PositionalFile) {
 *   await Promise.all([f.write(new Uint8Array([1]), 0), f.write(new Uint8Array([2]), 1)]);
 *   await f.datasync();
 * }
 * ```
 */
export interface PositionalFile {
  /** Write all of `data` at byte `offset` (not at a cursor). */
  write(data: Uint8Array, offset: number): Promise<void>;
  /** Read up to `buffer.length` bytes at `offset`; returns how many were read (0 at the end). */
  read(buffer: Uint8Array, offset: number): Promise<number>;
  /** Make the written data durable (fdatasync). */
  datasync(): Promise<void>;
  /** Set the file's size (grow with zeros or shrink). */
  truncate(size: number): Promise<void>;
  /** The file's current size. */
  size(): Promise<number>;
  /** Close the handle. Idempotent. */
  close(): Promise<void>;
}

/** A block written by a {@linkcode BlockWriter}: its CRC-64 and the memory, handed back. */
export interface WrittenBlock {
  /** CRC-64/XZ of the bytes written. */
  crc64: bigint;
  /** The block's memory (the same bytes; possibly a new view after a transfer between threads). */
  block: Uint8Array;
}

/**
 * Writes whole blocks of one file and computes each block's CRC-64, typically on another thread so
 * that the thread driving the downloads only receives. A block is durable after a later
 * `datasync` of any handle of the same file, once its `write` has resolved.
 *
 * @example
 * ```ts
 * import type { BlockWriter } from "./file_system.ts";
 * async function put(writer: BlockWriter, block: Uint8Array, offset: number) {
 *   const { crc64, block: memory } = await writer.write(block, block.length, offset);
 *   return { crc64, memory }; // `memory` can be filled again
 * }
 * ```
 */
export interface BlockWriter {
  /**
   * Write `block[0, length)` at file `offset` and hash those bytes. The writer owns `block` until
   * the promise settles (it may move to another thread); use the returned `block` afterwards.
   */
  write(block: Uint8Array, length: number, offset: number): Promise<WrittenBlock>;
  /** Wait for pending writes, then release the file and the thread. Idempotent. */
  close(): Promise<void>;
}

/** How to open a {@linkcode BlockWriter}. */
export interface BlockWriterOptions {
  /** Largest single write system call, in bytes. @default 16384 */
  maxWriteBytes?: number;
}

/** What `stat` tells. */
export interface FileInfo {
  /** Size in bytes. */
  size: number;
  /** A regular file. */
  isFile: boolean;
  /** A directory. */
  isDirectory: boolean;
  /**
   * Last modification time in whole milliseconds since the epoch (fractions dropped, so that every
   * adapter reports the same number for the same file), when the adapter knows it. The memory
   * adapter reports a logical clock that advances at every write and truncate.
   */
  mtimeMs?: number;
}

/** How to open a file. */
export interface OpenOptions {
  /** Create the file when it does not exist. @default false */
  create?: boolean;
  /** Create the file, failing with `FS_EXISTS` when it is already there (O_EXCL). @default false */
  exclusive?: boolean;
  /** Empty the file on open. @default false */
  truncate?: boolean;
  /** Open read-only. @default false */
  readOnly?: boolean;
}

/**
 * The file-system port.
 *
 * @example
 * ```ts
 * import type { FileSystem } from "./file_system.ts";
 * async function publish(fs: FileSystem, tmp: string, dest: string, dir: string) {
 *   await fs.rename(tmp, dest);
 *   await fs.syncDir(dir); // the rename is durable now
 * }
 * ```
 */
export interface FileSystem {
  /** Open a file for positional I/O. */
  open(path: string, options?: OpenOptions): Promise<PositionalFile>;
  /** Read a whole (small) file, e.g. a journal. */
  readFile(path: string): Promise<Uint8Array>;
  /** Information about a path, or `null` when nothing is there. */
  stat(path: string): Promise<FileInfo | null>;
  /** Atomically rename a file, replacing `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Give the file `existing` a second name `newPath` (a hard link): both names then show the same
   * file. Never replaces anything: fails with `FS_EXISTS` when `newPath` exists, so that a file
   * written completely under a private name can be published exclusively, content and all (the
   * download lock does this). Like a create, the new name is durable after `syncDir` of its
   * directory. File systems without hard links (FAT, exFAT, some network shares) fail with another
   * code (typically `FS_PERMISSION` or `FS_ERROR`).
   *
   * @example
   * ```ts
   * import type { FileSystem } from "./file_system.ts";
   * async function publishOnce(fs: FileSystem, complete: string, name: string): Promise<boolean> {
   *   try {
   *     await fs.link(complete, name);
   *     return true;
   *   } catch (e) {
   *     if ((e as { code?: string }).code === "FS_EXISTS") return false; // someone was first
   *     throw e;
   *   } finally {
   *     await fs.remove(complete);
   *   }
   * }
   * ```
   */
  link(existing: string, newPath: string): Promise<void>;
  /** Remove a file; no error when it does not exist. */
  remove(path: string): Promise<void>;
  /** Create a directory and its parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** fsync a directory, so that creates, renames and removes in it are durable. */
  syncDir(path: string): Promise<void>;
  /**
   * Optional: a writer that writes and hashes blocks of an existing file off the calling thread;
   * `null` when that is not possible here (no workers, no permission). Without it, the engine
   * writes through {@linkcode PositionalFile.write} and hashes on its own thread.
   */
  openBlockWriter?(path: string, options?: BlockWriterOptions): Promise<BlockWriter | null>;
}
