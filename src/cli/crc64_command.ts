/**
 * `ossdl crc64 <file>`: the CRC-64/XZ of a file, in decimal, as OSS writes it in
 * `x-oss-hash-crc64ecma`.
 *
 * @module
 */
import { createCrc64 } from "../crc64/crc64.ts";
import { FileSystemError } from "../errors.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { FileSystem } from "../fs/file_system.ts";

const CHUNK = 4 * 1024 * 1024;

/**
 * The CRC-64/XZ of a whole file, read in 4 MiB chunks.
 *
 * @throws {FileSystemError} when the file cannot be read (or is a directory)
 *
 * @example
 * ```ts ignore
 * import { fileCrc64 } from "./crc64_command.ts";
 * console.log((await fileCrc64("./big.bin")).toString());
 * ```
 */
export async function fileCrc64(path: string, fs?: FileSystem): Promise<bigint> {
  const files = fs ?? await defaultFileSystem();
  const info = await files.stat(path);
  if (info === null) throw new FileSystemError("FS_NOT_FOUND", "read", path);
  if (info.isDirectory) throw new FileSystemError("FS_ERROR", "read (a directory)", path);
  const file = await files.open(path, { readOnly: true });
  try {
    const hasher = await createCrc64();
    const buffer = new Uint8Array(CHUNK);
    for (let offset = 0;;) {
      const n = await file.read(buffer, offset);
      if (n === 0) break;
      hasher.update(buffer.subarray(0, n));
      offset += n;
    }
    return hasher.digest();
  } finally {
    await file.close();
  }
}

/**
 * Prints the CRC-64 of `path` on stdout; returns the exit code (errors are thrown).
 *
 * @example
 * ```ts ignore
 * import { runCrc64 } from "./crc64_command.ts";
 * await runCrc64("./big.bin", (t) => console.log(t.trim()));
 * ```
 */
export async function runCrc64(path: string, writeOut: (text: string) => void): Promise<number> {
  writeOut(`${await fileCrc64(path)}\n`);
  return 0;
}
