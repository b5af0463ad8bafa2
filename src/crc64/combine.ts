/**
 * CRC-64/XZ combine: the CRC of `A ‖ B` from `CRC(A)`, `CRC(B)` and `|B|`, without the data. The
 * GF(2) matrix method of zlib's `crc32_combine`, as the OSS SDKs use it (oss-protocol.md §4.2).
 *
 * An operator that appends 2^k zero bytes to the CRC register is a 64×64 matrix over GF(2), stored
 * as 64 columns; they are computed once (by repeated squaring) and cached, so a combine costs at
 * most one matrix-vector product per set bit of `|B|`.
 *
 * @module
 */

const MASK = (1n << 64n) - 1n;
/** The reflected CRC-64/XZ polynomial. */
const POLY_REFLECTED = 0xC96C5795D7870F42n;

type Matrix = bigint[];

function times(matrix: Matrix, vector: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vector !== 0n; i++, vector >>= 1n) {
    if (vector & 1n) sum ^= matrix[i];
  }
  return sum;
}

function square(matrix: Matrix): Matrix {
  return matrix.map((column) => times(matrix, column));
}

/** ZERO_BYTES[k] appends 2^k zero bytes. Filled lazily. */
const ZERO_BYTES: Matrix[] = [];

function zeroBytesOperator(k: number): Matrix {
  if (ZERO_BYTES.length === 0) {
    // One zero bit: r -> (r >> 1) ^ (r & 1 ? poly : 0).
    let op: Matrix = [POLY_REFLECTED];
    for (let i = 1; i < 64; i++) op.push(1n << BigInt(i - 1));
    for (let i = 0; i < 3; i++) op = square(op); // 8 bits = 1 byte
    ZERO_BYTES.push(op);
  }
  while (ZERO_BYTES.length <= k) ZERO_BYTES.push(square(ZERO_BYTES[ZERO_BYTES.length - 1]));
  return ZERO_BYTES[k];
}

/**
 * The CRC-64/XZ of the concatenation `A ‖ B`.
 *
 * @param crcA the CRC-64 of A
 * @param crcB the CRC-64 of B
 * @param lengthB the length of B in bytes (a safe integer, ≥ 0)
 * @returns CRC-64 of A followed by B
 *
 * @example
 * ```ts
 * import { combineCrc64 } from "./combine.ts";
 * // CRC("12345") and CRC("67890") combine to CRC("1234567890").
 * const crc = combineCrc64(6748440630437108969n, 6285347597771850461n, 5);
 * console.log(crc === 12811388247244714686n); // true
 * ```
 */
export function combineCrc64(crcA: bigint, crcB: bigint, lengthB: number): bigint {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) {
    throw new RangeError(`lengthB must be a non-negative safe integer, got ${lengthB}`);
  }
  let crc = crcA & MASK;
  for (let k = 0, n = lengthB; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) crc = times(zeroBytesOperator(k), crc);
  }
  return crc ^ (crcB & MASK);
}
