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
 * was, a full collection brought it back to what is alive. A full collection costs 5-15 ms of the
 * thread that receives, so it runs only while the process is big enough for it to matter.
 *
 * @module
 */
import process from "node:process";

interface BunGcGlobal {
  Bun?: { gc?: (force: boolean) => void };
}

/**
 * Resident memory under which {@linkcode fullCollection}'s function does nothing: one download
 * of a big object stays below it on Bun (130-170 MiB), a prefix download with two big objects and
 * the buffers of its small ones does not.
 */
export const COLLECT_ABOVE_RSS_BYTES = 160 * 1024 * 1024;

/** What {@linkcode fullCollection} may be told. */
export interface FullCollectionOptions {
  /** Collect only while the resident memory is at least this. @default COLLECT_ABOVE_RSS_BYTES */
  aboveRss?: number;
  /** The resident memory now, in bytes. @default process.memoryUsage.rss */
  rss?: () => number;
}

/**
 * A function that runs a full collection now when the process holds at least `aboveRss` bytes
 * (and says whether it did), or `null` where the runtime has no collection to offer.
 *
 * @example
 * ```ts
 * import { fullCollection } from "./collect_garbage.ts";
 * const collect = fullCollection();
 * collect?.(); // on Bun: Bun.gc(true) if the process is big; elsewhere there is nothing to call
 * ```
 */
export function fullCollection(options: FullCollectionOptions = {}): (() => boolean) | null {
  const gc = (globalThis as BunGcGlobal).Bun?.gc;
  if (typeof gc !== "function") return null;
  const aboveRss = options.aboveRss ?? COLLECT_ABOVE_RSS_BYTES;
  const rss = options.rss ?? (() => process.memoryUsage.rss());
  return () => {
    if (rss() < aboveRss) return false;
    gc(true);
    return true;
  };
}
