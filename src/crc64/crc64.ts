/**
 * CRC-64/XZ (the "ECMA" CRC-64 that OSS returns in `x-oss-hash-crc64ecma`), streaming, computed in
 * WebAssembly by `hash-wasm`.
 *
 * @module
 */
import type { IHasher } from "hash-wasm";

/**
 * `hash-wasm`, loaded on first use: a download that hashes on its block-writer worker never loads
 * it on the main thread (on Deno, loading it costs ~10 MiB of resident memory per thread).
 */
let library: Promise<typeof import("hash-wasm")> | null = null;

/**
 * A streaming CRC-64/XZ hasher.
 *
 * @example
 * ```ts
 * import { createCrc64 } from "./crc64.ts";
 * const h = await createCrc64();
 * h.update(new TextEncoder().encode("12345"));
 * h.update(new TextEncoder().encode("6789"));
 * console.log(h.digest()); // 11051210869376104954n
 * ```
 */
export interface Crc64Hasher {
  /** Feed more bytes. */
  update(data: Uint8Array): void;
  /** The CRC-64 of everything fed since creation or the last `reset()`. Does not reset. */
  digest(): bigint;
  /** Start over with no bytes. */
  reset(): void;
}

class WasmCrc64Hasher implements Crc64Hasher {
  #hasher: IHasher;
  #state: Uint8Array | null = null;

  constructor(hasher: IHasher) {
    this.#hasher = hasher;
    this.#hasher.init();
  }

  update(data: Uint8Array): void {
    this.#hasher.update(data);
  }

  digest(): bigint {
    // hash-wasm's digest finalises the state; save and restore it so hashing can go on.
    this.#state = this.#hasher.save();
    const hex = this.#hasher.digest("hex");
    this.#hasher.load(this.#state);
    return BigInt("0x" + hex);
  }

  reset(): void {
    this.#hasher.init();
  }
}

/**
 * Create a streaming CRC-64/XZ hasher.
 *
 * @example
 * ```ts
 * import { createCrc64 } from "./crc64.ts";
 * const h = await createCrc64();
 * h.update(new Uint8Array([1, 2, 3]));
 * const crc: bigint = h.digest();
 * ```
 */
export async function createCrc64(): Promise<Crc64Hasher> {
  library ??= import("hash-wasm");
  const { createCRC64 } = await library;
  return new WasmCrc64Hasher(await createCRC64());
}

/**
 * The CRC-64/XZ of some bytes (0 for none).
 *
 * @example
 * ```ts
 * import { crc64 } from "./crc64.ts";
 * console.log(await crc64(new TextEncoder().encode("123456789"))); // 11051210869376104954n
 * ```
 */
export async function crc64(data: Uint8Array): Promise<bigint> {
  return (await crc64Of())(data);
}

let shared: Promise<Crc64Hasher> | null = null;

/**
 * A function that returns the CRC-64 of one buffer, synchronously, on one WebAssembly instance
 * shared by the whole module (instantiating one per use costs more than hashing a small object).
 * Safe to share because each call runs start to end without yielding.
 *
 * @example
 * ```ts
 * import { crc64Of } from "./crc64.ts";
 * const hash = await crc64Of();
 * console.log(hash(new TextEncoder().encode("123456789"))); // 11051210869376104954n
 * ```
 */
export async function crc64Of(): Promise<(data: Uint8Array) => bigint> {
  shared ??= createCrc64();
  const hasher = await shared;
  return (data) => {
    hasher.reset();
    hasher.update(data);
    return hasher.digest();
  };
}
