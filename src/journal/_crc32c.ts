/**
 * CRC-32C (Castagnoli, reflected polynomial `0x82F63B78`), the frame checksum of the checkpoint
 * journal. Private to `src/journal/`: small, synchronous and dependency-free, so that replay needs
 * no WebAssembly and every record is checked cheaply. Check value: `crc32c("123456789")` is
 * `0xE3069283`.
 *
 * @module
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32C of `data[start, end)` as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import { crc32c } from "./_crc32c.ts";
 * crc32c(new TextEncoder().encode("123456789")); // 0xe3069283
 * ```
 */
export function crc32c(data: Uint8Array, start = 0, end: number = data.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
