/**
 * A stand-in for `src/crc64/crc64.ts` that hashes nothing, swapped in by bench/run.sh (an import
 * map on Deno, a resolver plugin on Bun) to time the engine with verification off. Its digests are
 * always 0, so the engine's final check fails on purpose: the time until that failure is the time
 * of the whole download without hashing.
 *
 * @module
 */

/** Same shape as the real hasher. */
export interface Crc64Hasher {
  /** Ignores the bytes. */
  update(data: Uint8Array): void;
  /** Always 0. */
  digest(): bigint;
  /** Does nothing. */
  reset(): void;
}

/**
 * A hasher that does no work.
 *
 * @example
 * ```ts
 * import { createCrc64 } from "./_no_crc64.ts";
 * (await createCrc64()).digest(); // 0n
 * ```
 */
export function createCrc64(): Promise<Crc64Hasher> {
  return Promise.resolve({ update() {}, digest: () => 0n, reset() {} });
}

/**
 * Always 0.
 *
 * @example
 * ```ts
 * import { crc64 } from "./_no_crc64.ts";
 * await crc64(new Uint8Array(1)); // 0n
 * ```
 */
export function crc64(_data: Uint8Array): Promise<bigint> {
  return Promise.resolve(0n);
}

/** A synchronous hash that always gives 0 (as `crc64Of` in src/crc64/crc64.ts). */
export function crc64Of(): Promise<(data: Uint8Array) => bigint> {
  return Promise.resolve(() => 0n);
}
