/**
 * A {@linkcode FileSystem} that forwards every call to another one except the two that make data
 * durable: `datasync` of its files and `syncDir` return at once without a system call. This is
 * `durability: "none"` (`--no-fsync`): the order of the operations is unchanged, so everything a
 * killed process had handed to the operating system is still there for the next run; only a power
 * cut (or an operating-system crash) may lose or tear what was not yet written back. The engine's
 * content checks do not depend on syncs: kept bytes are read back against the journal before they
 * are trusted, and the result is compared with the server's CRC-64.
 *
 * @module
 */
import type {
  BlockWriter,
  BlockWriterOptions,
  FileInfo,
  FileSystem,
  OpenOptions,
  PositionalFile,
} from "./file_system.ts";

/** A file whose `datasync` does nothing; every other call goes to the wrapped file. */
class NoSyncFile implements PositionalFile {
  #file: PositionalFile;

  constructor(file: PositionalFile) {
    this.#file = file;
  }

  write(data: Uint8Array, offset: number): Promise<void> {
    return this.#file.write(data, offset);
  }

  read(buffer: Uint8Array, offset: number): Promise<number> {
    return this.#file.read(buffer, offset);
  }

  /** No system call: with `durability: "none"` nothing is made durable on purpose. */
  datasync(): Promise<void> {
    return Promise.resolve();
  }

  truncate(size: number): Promise<void> {
    return this.#file.truncate(size);
  }

  size(): Promise<number> {
    return this.#file.size();
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

/**
 * Wraps a file system so that `datasync` and `syncDir` do nothing.
 *
 * @example
 * ```ts
 * import { NoSyncFileSystem } from "./no_sync_file_system.ts";
 * import { MemoryFileSystem } from "./memory_file_system.ts";
 * const memory = new MemoryFileSystem();
 * const fs = NoSyncFileSystem.wrap(memory);
 * const file = await fs.open("/a.bin", { create: true });
 * await file.write(new Uint8Array([1, 2, 3]), 0);
 * await file.datasync(); // nothing happens
 * await fs.syncDir("/"); // nothing happens
 * await file.close();
 * console.log(memory.datasyncCount); // 0
 * ```
 */
export class NoSyncFileSystem implements FileSystem {
  /** The file system every call but the syncs goes to. */
  readonly inner: FileSystem;

  private constructor(inner: FileSystem) {
    this.inner = inner;
    // Only where the wrapped one offers it, so that the engine's choice stays the same.
    if (inner.openBlockWriter) {
      this.openBlockWriter = (path: string, options?: BlockWriterOptions) =>
        inner.openBlockWriter!(path, options);
    }
  }

  /**
   * `fs` without syncs; `fs` itself when it is one already.
   *
   * @example
   * ```ts
   * import { NoSyncFileSystem } from "./no_sync_file_system.ts";
   * import { MemoryFileSystem } from "./memory_file_system.ts";
   * const once = NoSyncFileSystem.wrap(new MemoryFileSystem());
   * console.log(NoSyncFileSystem.wrap(once) === once); // true
   * ```
   */
  static wrap(fs: FileSystem): NoSyncFileSystem {
    return fs instanceof NoSyncFileSystem ? fs : new NoSyncFileSystem(fs);
  }

  /** Writes and hashes blocks off the calling thread (when the wrapped file system can). */
  openBlockWriter?: (path: string, options?: BlockWriterOptions) => Promise<BlockWriter | null>;

  async open(path: string, options?: OpenOptions): Promise<PositionalFile> {
    return new NoSyncFile(await this.inner.open(path, options));
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.inner.readFile(path);
  }

  stat(path: string): Promise<FileInfo | null> {
    return this.inner.stat(path);
  }

  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }

  link(existing: string, newPath: string): Promise<void> {
    return this.inner.link(existing, newPath);
  }

  remove(path: string): Promise<void> {
    return this.inner.remove(path);
  }

  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }

  /** No system call: with `durability: "none"` nothing is made durable on purpose. */
  syncDir(_path: string): Promise<void> {
    return Promise.resolve();
  }
}
