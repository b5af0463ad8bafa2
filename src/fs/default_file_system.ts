/**
 * Picks the default {@linkcode FileSystem} adapter. The adapter is loaded with a dynamic import.
 *
 * Measured (bench/README.md): on Deno, the `node:fs` adapter (`pwrite`, no lock) writes a parallel
 * download about twice as fast as `DenoFileSystem`, whose `FsFile` has no positional write and
 * must serialise seek + write per handle. Both pass the same conformance suite on Deno (including
 * thousands of concurrent positional writes). So files are opened through `node:fs` on every
 * runtime; on Deno the namespace operations (stat, rename, ...) go through Deno's own APIs, which
 * cost half the CPU of its `node:fs` layer (`DenoMixedFileSystem`). `DenoFileSystem` stays
 * available for callers who want Deno's APIs only.
 *
 * @module
 */

import type { FileSystem } from "./file_system.ts";

/**
 * The default file system: `DenoMixedFileSystem` on Deno, `NodeFileSystem` (`node:fs/promises`) on
 * Bun and Node. Callers can always inject another one (`DenoFileSystem`, or a `MemoryFileSystem`
 * in tests).
 *
 * @example
 * ```ts
 * import { defaultFileSystem } from "./default_file_system.ts";
 * const fs = await defaultFileSystem();
 * console.log(await fs.stat("."));
 * ```
 */
export async function defaultFileSystem(): Promise<FileSystem> {
  if ("Deno" in globalThis) {
    const { DenoMixedFileSystem } = await import("./deno_mixed_file_system.ts");
    return new DenoMixedFileSystem();
  }
  const { NodeFileSystem } = await import("./node_file_system.ts");
  return new NodeFileSystem();
}
