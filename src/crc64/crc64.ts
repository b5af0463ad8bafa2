/**
 * CRC-64/XZ (the "ECMA" CRC-64 that OSS returns in `x-oss-hash-crc64ecma`), streaming, computed by
 * slicing-by-16 in a WebAssembly module this project builds itself (`slicing16_module.ts`):
 * 1.4x hash-wasm's slicing-by-8 on Deno and Bun (bench/README.md, "CRC-64 kernel").
 *
 * @module
 */
import {
  INPUT_BYTES,
  INPUT_OFFSET,
  slicing16ModuleBytes,
  slicing16Tables,
} from "./slicing16_module.ts";

/** The exports of the slicing-by-16 module. */
interface Kernel {
  memory: WebAssembly.Memory;
  update(ptr: number, len: number): void;
  hi(): number;
  lo(): number;
  set(hi: number, lo: number): void;
}

/**
 * One instance per thread, shared by every hasher: a hasher is just its two 32-bit halves, loaded
 * into the module for each `update` (which runs start to end without yielding, so hashers cannot
 * interleave). Memory: 320 KiB per thread however many hashers exist.
 */
let kernel: Promise<{ exports: Kernel; input: Uint8Array }> | null = null;

function loadKernel(): Promise<{ exports: Kernel; input: Uint8Array }> {
  kernel ??= (async () => {
    const { instance } = await WebAssembly.instantiate(slicing16ModuleBytes());
    const exports = instance.exports as unknown as Kernel;
    new BigUint64Array(exports.memory.buffer, 0, 16 * 256).set(slicing16Tables());
    return { exports, input: new Uint8Array(exports.memory.buffer, INPUT_OFFSET, INPUT_BYTES) };
  })();
  return kernel;
}

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
  #kernel: Kernel;
  #input: Uint8Array;
  /** The CRC so far (final form), as unsigned 32-bit halves. */
  #hi = 0;
  #lo = 0;

  constructor(kernel: Kernel, input: Uint8Array) {
    this.#kernel = kernel;
    this.#input = input;
  }

  update(data: Uint8Array): void {
    if (data.length === 0) return;
    const k = this.#kernel;
    k.set(this.#hi, this.#lo);
    for (let at = 0; at < data.length; at += INPUT_BYTES) {
      const piece = data.subarray(at, Math.min(at + INPUT_BYTES, data.length));
      this.#input.set(piece);
      k.update(INPUT_OFFSET, piece.length);
    }
    this.#hi = k.hi() >>> 0;
    this.#lo = k.lo() >>> 0;
  }

  digest(): bigint {
    return (BigInt(this.#hi) << 32n) | BigInt(this.#lo);
  }

  reset(): void {
    this.#hi = 0;
    this.#lo = 0;
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
  const { exports, input } = await loadKernel();
  return new WasmCrc64Hasher(exports, input);
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
