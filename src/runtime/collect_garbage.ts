/**
 * A full, synchronous garbage collection, where the runtime offers one to programs: Bun's
 * `Bun.gc(true)`. Deno and Node expose none without a flag, and need none here: Deno's `fetch`
 * bodies are byte streams read into reused memory (see `src/download/body_reader.ts`). This
 * adapter is the only file that touches `Bun.gc`.
 *
 * Why a download asks for collections at all (bench/README.md, "Many objects"): Bun's `fetch`
 * hands every body chunk over in fresh memory, and its collector does not run often enough for
 * the rate at which a fast download turns that memory into garbage. On 2,000 x 256 KiB + 4 x 256
 * MiB from a local nginx, dead chunks (and the allocator pages behind them) were most of a peak
 * of ~290 MiB; `Bun.gc(false)` (asynchronous) and an eden collection (`bun:jsc`) left it as it
 * was, a full collection brought it back to what is alive.
 *
 * @module
 */

interface BunGcGlobal {
  Bun?: { gc?: (force: boolean) => void };
}

/**
 * A function that runs a full collection now, or `null` where the runtime has none to offer.
 *
 * @example
 * ```ts
 * import { fullCollection } from "./collect_garbage.ts";
 * const collect = fullCollection();
 * collect?.(); // on Bun: Bun.gc(true); elsewhere there is nothing to call
 * ```
 */
export function fullCollection(): (() => void) | null {
  const gc = (globalThis as BunGcGlobal).Bun?.gc;
  if (typeof gc !== "function") return null;
  return () => gc(true);
}
