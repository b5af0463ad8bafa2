/**
 * Shards of a prefix download (`--shard K/N`): N machines (or processes) each download the keys of
 * one shard, and together they download every key exactly once, without talking to each other.
 * A key's shard depends only on the key's bytes, through {@linkcode shardHash}.
 *
 * @module
 */

/**
 * One shard out of `count`: `index` is from 0 to `count - 1`.
 *
 * @example
 * ```ts
 * import type { Shard } from "./shard.ts";
 * const second: Shard = { index: 1, count: 4 };
 * ```
 */
export interface Shard {
  /** This shard, from 0 to `count - 1`. */
  index: number;
  /** How many shards there are, at least 1. */
  count: number;
}

/** Most shards allowed (2^32). */
export const MAX_SHARDS = 2 ** 32;

/**
 * Parses `K/N` (decimal, no spaces or signs, no leading zeros): shard `K` of `N`. Throws a
 * `TypeError` when the text does not have that form and a `RangeError` when `N` is 0 or above
 * {@linkcode MAX_SHARDS} or `K` is not below `N`.
 *
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * parseShard("0/4"); // { index: 0, count: 4 }
 * parseShard("3/4"); // { index: 3, count: 4 }
 * // parseShard("4/4") throws a RangeError: K must be from 0 to N-1
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^(0|[1-9][0-9]*)\/(0|[1-9][0-9]*)$/.exec(text);
  if (m === null) {
    throw new TypeError(
      `invalid shard ${JSON.stringify(text)}: expected K/N, e.g. 0/4 (shard K of N, K from 0)`,
    );
  }
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) {
    throw new RangeError(
      `invalid shard ${JSON.stringify(text)}: N must be from 1 to ${MAX_SHARDS}`,
    );
  }
  if (index >= count) {
    throw new RangeError(
      `invalid shard ${JSON.stringify(text)}: K must be from 0 to ${count - 1} (N-1)`,
    );
  }
  return { index, count };
}

const encoder = new TextEncoder();
const M64 = (1n << 64n) - 1n;

/**
 * The 64-bit hash that assigns keys to shards: FNV-1a 64 over the key's UTF-8 bytes (offset basis
 * `0xcbf29ce484222325`, prime `0x100000001b3`), then the finalizer of MurmurHash3 (`fmix64`), so
 * that every bit of the result depends on every byte (plain FNV's low bits do not: its lowest bit
 * is the parity of the bytes' lowest bits).
 *
 * **Stable forever**: the same key gives the same hash on every runtime, platform and version, so
 * that machines running different builds agree on the partition. Changing this function
 * re-partitions every sharded download (a key could then be downloaded by two shards or by none
 * while machines run different versions); the golden values in the tests guard it.
 *
 * @example
 * ```ts
 * import { shardHash } from "./shard.ts";
 * shardHash(""); // 17280346270528514342n (fmix64 of the FNV-1a offset basis)
 * ```
 */
export function shardHash(key: string): bigint {
  const bytes = encoder.encode(key);
  // FNV-1a 64 on two 32-bit halves: h * 0x100000001b3 = (h << 40) + h * 0x1b3 (mod 2^64).
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo ^= bytes[i];
    const loProduct = (lo >>> 0) * 0x1b3; // < 2^41: exact
    const carry = Math.floor(loProduct / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = loProduct >>> 0;
  }
  let h = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  // MurmurHash3 fmix64.
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  h ^= h >> 33n;
  return h;
}

/**
 * Whether `key` belongs to `shard`: `shardHash(key) mod count === index`. For a fixed `count`,
 * every key belongs to exactly one shard, and shards get shares equal within statistical noise.
 * Throws a `RangeError` for a shard that {@linkcode parseShard} would refuse.
 *
 * @example
 * ```ts
 * import { inShard, parseShard } from "./shard.ts";
 * const shard = parseShard("1/3");
 * const mine = ["a.bin", "b.bin", "c.bin"].filter((key) => inShard(key, shard));
 * ```
 */
export function inShard(key: string, shard: Shard): boolean {
  const { index, count } = shard;
  if (
    !Number.isInteger(count) || count < 1 || count > MAX_SHARDS || !Number.isInteger(index) ||
    index < 0 || index >= count
  ) {
    throw new RangeError(`invalid shard ${index}/${count}: K must be from 0 to N-1, N >= 1`);
  }
  if (count === 1) return true;
  return shardHash(key) % BigInt(count) === BigInt(index);
}
