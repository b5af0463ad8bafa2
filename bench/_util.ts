/**
 * Small helpers shared by the bench scripts: seeded pseudo-random bytes, size parsing, the
 * runtime's name. Bench-only; not part of the published package.
 *
 * @module
 */
import process from "node:process";

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
 * Parse a byte size: `8388608`, `8M`, `8MiB`, `256K`, `1G`.
 *
 * @example
 * ```ts
 * import { parseSize } from "./_util.ts";
 * parseSize("256K"); // 262144
 * ```
 */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*([kKmMgG]?)(i?B)?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a size: ${text}`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
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

/**
 * Options parsed from `--name value` pairs; the other arguments are positional.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./_util.ts";
 * parseArgs(["a", "--size", "8"]); // { positional: ["a"], flags: { size: "8" } }
 * ```
 */
export function parseArgs(
  args: readonly string[],
): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < args.length && !args[i + 1].startsWith("--")) flags[a.slice(2)] = args[++i];
      else flags[a.slice(2)] = "true";
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

/** Command-line arguments after the script. */
export const ARGS: readonly string[] = process.argv.slice(2);
