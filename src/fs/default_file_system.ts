/**
 * Picks the {@linkcode FileSystem} adapter of the running runtime. The adapter is loaded with a
 * dynamic import, so Bun and Node never evaluate Deno code and Deno never evaluates the
 * `node:fs` adapter.
 *
 * @module
 */

import type { FileSystem } from "./file_system.ts";

/**
 * The file system of the running runtime: `DenoFileSystem` on Deno, `NodeFileSystem` elsewhere
 * (Node, Bun). Callers can always inject another one (for example a `MemoryFileSystem` in tests).
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
    const { DenoFileSystem } = await import("./deno_file_system.ts");
    return new DenoFileSystem();
  }
  const { NodeFileSystem } = await import("./node_file_system.ts");
  return new NodeFileSystem();
}
