/**
 * The CRC-64/XZ of a whole local file (as OSS writes it in `x-oss-hash-crc64ecma`), read through
 * the {@linkcode FileSystem} port in large chunks. Web standards only.
 *
 * @module
 */
import { createCrc64 } from "../crc64/crc64.ts";
import { AbortedError, FileSystemError } from "../errors.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { FileSystem } from "../fs/file_system.ts";

/** Options of {@linkcode fileCrc64}. */
export interface FileCrc64Options {
  /** The file system. @default defaultFileSystem() */
  fs?: FileSystem;
  /** Stops hashing between chunks (an `AbortedError` is thrown). */
  signal?: AbortSignal;
  /** Bytes read at a time. @default 8388608 (8 MiB) */
  chunkSize?: number;
}

/** The CRC-64 of a file and how many bytes it covers. */
export interface FileCrc64 {
  /** CRC-64/XZ of the bytes read. */
  crc64: bigint;
  /** Bytes read (the file's size, unless it changed while being read). */
  bytes: number;
}

/** The default read size of {@linkcode fileCrc64}. */
export const FILE_CRC64_CHUNK = 8 * 1024 * 1024;

/**
 * Hashes a whole file with CRC-64/XZ, reading `chunkSize` bytes at a time from offset 0 until the
 * end. Memory stays at one chunk whatever the file's size.
 *
 * @param path the file
 * @param options file system, signal, chunk size
 * @throws {FileSystemError} `FS_NOT_FOUND` for a missing file, `FS_ERROR` for a directory, or
 *   whatever the file system reports
 * @throws {AbortedError} when `signal` aborts
 *
 * @example
 * ```ts
 * import { fileCrc64 } from "./file_crc64.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * fs.writeDurable("/a.txt", new TextEncoder().encode("123456789"));
 * const { crc64, bytes } = await fileCrc64("/a.txt", { fs });
 * console.log(crc64, bytes); // 11051210869376104954n 9
 * ```
 */
export async function fileCrc64(path: string, options: FileCrc64Options = {}): Promise<FileCrc64> {
  const chunkSize = options.chunkSize ?? FILE_CRC64_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  const fs = options.fs ?? await defaultFileSystem();
  const signal = options.signal;
  if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
  const info = await fs.stat(path);
  if (info === null) throw new FileSystemError("FS_NOT_FOUND", "read", path);
  if (info.isDirectory) throw new FileSystemError("FS_ERROR", "read (a directory)", path);
  const file = await fs.open(path, { readOnly: true });
  try {
    const hasher = await createCrc64();
    const buffer = new Uint8Array(Math.min(chunkSize, Math.max(info.size, 1)));
    let offset = 0;
    for (;;) {
      if (signal?.aborted) throw new AbortedError({ cause: signal.reason });
      const n = await file.read(buffer, offset);
      if (n === 0) break;
      hasher.update(buffer.subarray(0, n));
      offset += n;
    }
    return { crc64: hasher.digest(), bytes: offset };
  } finally {
    await file.close();
  }
}
