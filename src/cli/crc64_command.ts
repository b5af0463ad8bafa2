/**
 * `ossdl crc64 <file>`: the CRC-64/XZ of a file, in decimal, as OSS writes it in
 * `x-oss-hash-crc64ecma`.
 *
 * @module
 */
import type { FileSystem } from "../fs/file_system.ts";
import { fileCrc64 as hashFile } from "../verify/file_crc64.ts";

/**
 * The CRC-64/XZ of a whole file, read in large chunks (see `fileCrc64` in `src/verify`).
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
  return (await hashFile(path, { fs })).crc64;
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
