/**
 * Counts the bytes that response bodies delivered in fresh memory (the chunks of a body that is
 * not a byte stream, as Bun's `fetch` gives them: one new buffer per read, garbage as soon as it
 * is copied into a block) and runs a collection after every `every` such bytes. Where the runtime
 * offers no collection to programs (`src/runtime/collect_garbage.ts`), nothing is called; where
 * bodies are byte streams (Deno), reads land in reused memory and are not counted at all.
 *
 * @module
 */
import { fullCollection } from "../runtime/collect_garbage.ts";

/**
 * Fresh bytes between two collections by default: at most this much dead chunk memory waits for
 * the collector, and at most one collection (~10 ms of the receiving thread on Bun) per this many
 * bytes. Chosen by measurement (bench/README.md, "Many objects"): on workload A, 16 collections
 * (~160 ms, 3-4% of Bun's CPU there) for a peak of 205-235 MiB; every 128 MiB or 256 MiB left
 * 15-40 MiB more of the peak, every 32 MiB no less. The runtime's collection also skips itself
 * while the process is small.
 */
export const COLLECT_EVERY_BYTES = 64 * 1024 * 1024;

/**
 * Runs `collect` once per `every` bytes counted. A collector that declines (returns `false`: the
 * process is small, see `src/runtime/collect_garbage.ts`) is asked again a quarter step later,
 * so a process that grows fast is not left a whole step of garbage above the collector's floor.
 *
 * @example
 * ```ts
 * import { FreshMemoryMeter } from "./fresh_memory_meter.ts";
 * let collections = 0;
 * const meter = new FreshMemoryMeter(1024, () => (collections++, true));
 * meter.add(1000);
 * meter.add(100); // 1,100 bytes: one collection
 * console.log(collections); // 1
 * ```
 */
export class FreshMemoryMeter {
  /** Bytes between two collections. */
  readonly every: number;
  #collect: (() => boolean) | null;
  #since = 0;

  /**
   * @param every bytes between two collections (> 0)
   * @param collect runs a collection and says whether it did; `null`: count only
   */
  constructor(every: number, collect: (() => boolean) | null) {
    if (!Number.isSafeInteger(every) || every <= 0) {
      throw new RangeError(`every must be a positive integer, got ${every}`);
    }
    this.every = every;
    this.#collect = collect;
  }

  /** Count `bytes` received in fresh memory; collect when `every` bytes have been counted. */
  add(bytes: number): void {
    this.#since += bytes;
    if (this.#since < this.every) return;
    const collected = this.#collect?.() ?? true;
    this.#since = collected ? 0 : this.every - Math.ceil(this.every / 4);
  }
}

let shared: FreshMemoryMeter | null = null;

/**
 * The meter of this process (every body read counts into one): {@linkcode COLLECT_EVERY_BYTES}
 * and the runtime's full collection (none on Deno and Node).
 *
 * @example
 * ```ts
 * import { processMeter } from "./fresh_memory_meter.ts";
 * processMeter().add(4096);
 * ```
 */
export function processMeter(): FreshMemoryMeter {
  shared ??= new FreshMemoryMeter(COLLECT_EVERY_BYTES, fullCollection());
  return shared;
}

/**
 * A meter that counts and never collects, for reads whose memory is bounded otherwise: a stream
 * download (`get SOURCE -`) holds its window of parts whatever the collector does, and there the
 * collections cost Bun 10-15% of its speed and 0.2-0.3 CPU s per GiB for 20-40 MiB of peak
 * (bench/README.md, "Stdout mode").
 *
 * @example
 * ```ts
 * import { countingMeter } from "./fresh_memory_meter.ts";
 * countingMeter().add(1 << 30); // no collection, ever
 * ```
 */
export function countingMeter(): FreshMemoryMeter {
  return new FreshMemoryMeter(COLLECT_EVERY_BYTES, null);
}
