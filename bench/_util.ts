/**
 * Small helpers shared by the bench scripts: seeded pseudo-random bytes, the runtime's name, the
 * arguments. Sizes are parsed with the CLI's `parseSize`, options with `node:util` `parseArgs`.
 * Bench-only; not part of the published package.
 *
 * @module
 */
import { open } from "node:fs/promises";
import process from "node:process";
import type { Crc64Hasher } from "../src/crc64/crc64.ts";

/**
 * Fill `target` with pseudo-random bytes from a xorshift128 state, advancing the state.
 *
 * @example
 * ```ts
 * import { fillRandom } from "./_util.ts";
 * const state = new Uint32Array([1, 2, 3, 4]);
 * const bytes = new Uint8Array(1024);
 * fillRandom(bytes, state);
 * ```
 */
export function fillRandom(target: Uint8Array, state: Uint32Array): void {
  const words = new Uint32Array(target.buffer, target.byteOffset, target.byteLength >>> 2);
  let x = state[0], y = state[1], z = state[2], w = state[3];
  for (let i = 0; i < words.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    words[i] = w;
  }
  for (let i = words.length * 4; i < target.length; i++) target[i] = (w >>> (i & 3) * 8) & 0xff;
  state[0] = x;
  state[1] = y;
  state[2] = z;
  state[3] = w;
}

/**
 * A fresh xorshift128 state from a seed (never all zero).
 *
 * @example
 * ```ts
 * import { seedState } from "./_util.ts";
 * const state = seedState(42);
 * ```
 */
export function seedState(seed: number): Uint32Array {
  return new Uint32Array([seed >>> 0 || 1, 0x9e3779b9, 0x243f6a88, 0xb7e15162]);
}

/**
 * The runtime running this script and its version, e.g. `deno 2.1.0`.
 *
 * @example
 * ```ts
 * import { runtimeName } from "./_util.ts";
 * console.log(runtimeName());
 * ```
 */
export function runtimeName(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun) return `bun ${v.bun}`;
  if (v.deno) return `deno ${v.deno}`;
  return `node ${v.node}`;
}

/** Command-line arguments after the script. */
export const ARGS: readonly string[] = process.argv.slice(2);

/**
 * Write `bytes` pseudo-random bytes from `state` to a new file at `path`, `block` at a time, and
 * feed them to `hasher` (which is not reset).
 *
 * @example
 * ```ts ignore
 * import { createCrc64 } from "../src/crc64/crc64.ts";
 * import { seedState, writeSeededFile } from "./_util.ts";
 * const hasher = await createCrc64();
 * await writeSeededFile("/tmp/x.bin", 1024, seedState(1), hasher, new Uint8Array(4096));
 * console.log(hasher.digest());
 * ```
 */
export async function writeSeededFile(
  path: string,
  bytes: number,
  state: Uint32Array,
  hasher: Crc64Hasher,
  block: Uint8Array,
): Promise<void> {
  const file = await open(path, "w");
  try {
    for (let done = 0; done < bytes;) {
      const n = Math.min(block.length, bytes - done);
      const view = block.subarray(0, n);
      fillRandom(view, state);
      hasher.update(view);
      let off = 0;
      while (off < n) {
        const { bytesWritten } = await file.write(view, off, n - off, done + off);
        off += bytesWritten;
      }
      done += n;
    }
  } finally {
    await file.close();
  }
}
