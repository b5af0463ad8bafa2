/**
 * A small seeded pseudo-random generator, for deterministic faults and crashes.
 *
 * @module
 */

/**
 * A small seeded PRNG (mulberry32) returning numbers in `[0, 1)`.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./seeded_random.ts";
 * const r = seededRandom(42);
 * console.log(r() === seededRandom(42)()); // true
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
