/**
 * The bytes of a small WebAssembly module that computes CRC-64/XZ by slicing-by-16, built here
 * instruction by instruction (no compiler, no binary blob in the repository: what runs is what this
 * file says).
 *
 * Memory layout (one 64 KiB page for the tables, then a 256 KiB input area):
 * - `[0, 32768)`: sixteen 256-entry tables of 64-bit words; table `k` at `k * 2048`
 *   (filled by the caller, see {@linkcode slicing16Tables}).
 * - `[INPUT_OFFSET, INPUT_OFFSET + INPUT_BYTES)`: where the caller copies the bytes to hash.
 *
 * Exports: `memory`, `update(ptr, len)` (folds `len` bytes at `ptr` into the register), `hi()` and
 * `lo()` (the register's halves, already complemented as CRC-64/XZ's final XOR asks), and
 * `set(hi, lo)` (load a CRC value, un-complemented, so hashing continues after it).
 *
 * @module
 */

/** Where the input area starts in the module's memory. */
export const INPUT_OFFSET = 65536;
/** How many bytes the input area holds (the caller copies at most this much per `update`). */
export const INPUT_BYTES = 1 << 18;

/** The reflected CRC-64/XZ (ECMA-182) polynomial. */
const POLY = 0xC96C5795D7870F42n;

/**
 * The sixteen slicing tables, `T[k][b]` at index `k * 256 + b`: `T[0]` is the classic byte table,
 * `T[k][b]` the register after `b` is followed by `k` zero bytes.
 *
 * @example
 * ```ts
 * import { slicing16Tables } from "./slicing16_module.ts";
 * const t = slicing16Tables();
 * console.log(t.length, t[1] === 0xB32E4CBE03A75F6Fn); // 4096 true
 * ```
 */
export function slicing16Tables(): BigUint64Array {
  const t = new BigUint64Array(16 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ POLY : crc >> 1n;
    t[b] = crc;
  }
  for (let k = 1; k < 16; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = t[(k - 1) * 256 + b];
      t[k * 256 + b] = (prev >> 8n) ^ t[Number(prev & 0xFFn)];
    }
  }
  return t;
}

// Opcodes used (WebAssembly core spec, binary format).
const BLOCK = 0x02, LOOP = 0x03, END = 0x0B, BR = 0x0C, BR_IF = 0x0D, VOID = 0x40;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, GLOBAL_GET = 0x23, GLOBAL_SET = 0x24;
const I32_LOAD = 0x28, I64_LOAD = 0x29, I32_LOAD8_U = 0x2D;
const I32_CONST = 0x41, I64_CONST = 0x42;
const I32_EQZ = 0x45, I32_LT_U = 0x49;
const I32_ADD = 0x6A, I32_AND = 0x71, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76;
const I64_OR = 0x84, I64_XOR = 0x85, I64_SHL = 0x86, I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xA7, I64_EXTEND_I32_U = 0xAD;
const I32 = 0x7F, I64 = 0x7E;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7F;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = Number(n & 0x7Fn);
    n >>= 7n;
    const signClear = (byte & 0x40) === 0;
    if ((n === 0n && signClear) || (n === -1n && !signClear)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function i32(n: number): number[] {
  return [I32_CONST, ...sleb(BigInt(n | 0))];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** A load of table `table`'s entry whose byte offset (`index * 8`) is on the stack. */
function tableLoad(table: number): number[] {
  return [I64_LOAD, 3, ...uleb(table * 2048)];
}

/** Locals of `update`: params then declared locals. */
const PTR = 0, LEN = 1, CRC = 2, LO = 3, HI = 4, END_PTR = 5;

/**
 * The byte offset into a table of byte `j` (0 = lowest) of the 32-bit local `local`.
 */
function byteIndex(local: number, j: number): number[] {
  const shifted = j === 0
    ? [LOCAL_GET, local, ...i32(3), I32_SHL]
    : [LOCAL_GET, local, ...i32(8 * j - 3), I32_SHR_U];
  return [...shifted, ...i32(0x7F8), I32_AND];
}

/** One 16-byte step: `crc = XOR of T[15 - i][byte i of (crc ^ block)]`. */
function step(): number[] {
  const code: number[] = [];
  // x = crc ^ load64(ptr); LO/HI = its halves.
  code.push(LOCAL_GET, CRC, LOCAL_GET, PTR, I64_LOAD, 3, 0, I64_XOR, LOCAL_SET, CRC);
  code.push(LOCAL_GET, CRC, I32_WRAP_I64, LOCAL_SET, LO);
  code.push(LOCAL_GET, CRC, I64_CONST, ...sleb(32n), I64_SHR_U, I32_WRAP_I64, LOCAL_SET, HI);
  const lookups: number[][] = [];
  for (let j = 0; j < 4; j++) lookups.push([...byteIndex(LO, j), ...tableLoad(15 - j)]);
  for (let j = 0; j < 4; j++) lookups.push([...byteIndex(HI, j), ...tableLoad(11 - j)]);
  // The second eight bytes go straight from memory into the tables.
  const second: number[] = [];
  second.push(LOCAL_GET, PTR, I32_LOAD, 2, 8, LOCAL_SET, LO);
  second.push(LOCAL_GET, PTR, I32_LOAD, 2, 12, LOCAL_SET, HI);
  for (let j = 0; j < 4; j++) lookups.push([...byteIndex(LO, j), ...tableLoad(7 - j)]);
  for (let j = 0; j < 4; j++) lookups.push([...byteIndex(HI, j), ...tableLoad(3 - j)]);
  // Pair the XORs as a tree so the lookups do not wait on each other.
  const first8 = xorTree(lookups.slice(0, 8));
  code.push(...first8, ...second, ...xorTree(lookups.slice(8)), I64_XOR, LOCAL_SET, CRC);
  code.push(LOCAL_GET, PTR, ...i32(16), I32_ADD, LOCAL_SET, PTR);
  return code;
}

function xorTree(items: number[][]): number[] {
  if (items.length === 1) return items[0];
  const half = items.length / 2;
  return [...xorTree(items.slice(0, half)), ...xorTree(items.slice(half)), I64_XOR];
}

function updateBody(): number[] {
  const code: number[] = [];
  code.push(GLOBAL_GET, 0, LOCAL_SET, CRC);
  // END_PTR = ptr + (len & ~31): the part done 32 bytes per turn.
  code.push(LOCAL_GET, PTR, LOCAL_GET, LEN, ...i32(~31), I32_AND, I32_ADD, LOCAL_SET, END_PTR);
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, PTR, LOCAL_GET, END_PTR, I32_LT_U, I32_EQZ, BR_IF, 1);
  code.push(...step(), ...step(), BR, 0, END, END);
  // The rest, a byte at a time: crc = T0[(crc ^ b) & 0xFF] ^ (crc >> 8).
  code.push(LOCAL_GET, PTR, LOCAL_GET, LEN, ...i32(31), I32_AND, I32_ADD, LOCAL_SET, END_PTR);
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, PTR, LOCAL_GET, END_PTR, I32_LT_U, I32_EQZ, BR_IF, 1);
  code.push(LOCAL_GET, CRC, I32_WRAP_I64, LOCAL_GET, PTR, I32_LOAD8_U, 0, 0, I32_XOR);
  code.push(...i32(0xFF), I32_AND, ...i32(3), I32_SHL, ...tableLoad(0));
  code.push(LOCAL_GET, CRC, I64_CONST, ...sleb(8n), I64_SHR_U, I64_XOR, LOCAL_SET, CRC);
  code.push(LOCAL_GET, PTR, ...i32(1), I32_ADD, LOCAL_SET, PTR, BR, 0, END, END);
  code.push(LOCAL_GET, CRC, GLOBAL_SET, 0, END);
  const locals = vector([[1, I64], [3, I32]]);
  return [...locals, ...code];
}

/** `hi()` / `lo()`: a half of `~crc`. */
function halfBody(high: boolean): number[] {
  const code = [GLOBAL_GET, 0, I64_CONST, ...sleb(-1n), I64_XOR];
  if (high) code.push(I64_CONST, ...sleb(32n), I64_SHR_U);
  code.push(I32_WRAP_I64, END);
  return [0, ...code];
}

/** `set(hi, lo)`: crc = ~((hi << 32) | lo). */
function setBody(): number[] {
  const code = [
    LOCAL_GET,
    0,
    I64_EXTEND_I32_U,
    I64_CONST,
    ...sleb(32n),
    I64_SHL,
    LOCAL_GET,
    1,
    I64_EXTEND_I32_U,
    I64_OR,
    I64_CONST,
    ...sleb(-1n),
    I64_XOR,
    GLOBAL_SET,
    0,
    END,
  ];
  return [0, ...code];
}

/**
 * The module's bytes.
 *
 * @example
 * ```ts
 * import { slicing16ModuleBytes } from "./slicing16_module.ts";
 * const module = new WebAssembly.Module(slicing16ModuleBytes());
 * console.log(WebAssembly.Module.exports(module).map((e) => e.name));
 * // ["memory", "update", "hi", "lo", "set"]
 * ```
 */
export function slicing16ModuleBytes(): Uint8Array<ArrayBuffer> {
  const types = vector([
    [0x60, ...vector([[I32], [I32]]), ...vector([])], // (i32, i32) -> ()
    [0x60, ...vector([]), ...vector([[I32]])], // () -> i32
  ]);
  const functions = vector([[0], [1], [1], [0]]);
  const pages = (INPUT_OFFSET + INPUT_BYTES) / 65536;
  const memory = vector([[0x00, ...uleb(pages)]]);
  const globals = vector([[I64, 0x01, I64_CONST, ...sleb(-1n), END]]);
  const exports = vector([
    [...name("memory"), 0x02, 0],
    [...name("update"), 0x00, 0],
    [...name("hi"), 0x00, 1],
    [...name("lo"), 0x00, 2],
    [...name("set"), 0x00, 3],
  ]);
  const bodies = [updateBody(), halfBody(true), halfBody(false), setBody()];
  const code = vector(bodies.map((body) => [...uleb(body.length), ...body]));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6D,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(3, functions),
    ...section(5, memory),
    ...section(6, globals),
    ...section(7, exports),
    ...section(10, code),
  ]);
}
