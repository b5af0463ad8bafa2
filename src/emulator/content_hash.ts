/**
 * The ETag (content MD5, `hash-wasm`) and CRC-64/XZ (the project's `createCrc64`) of an object,
 * computed in one streaming pass. Used by the emulator's stores.
 *
 * @module
 */
import { createMD5, type IHasher } from "hash-wasm";
import { type Crc64Hasher, createCrc64 } from "../crc64/crc64.ts";

/** The hashes the emulator serves for an object. */
export interface ContentHashes {
  /** The ETag: quoted uppercase hex MD5, e.g. `"D41D8CD98F00B204E9800998ECF8427E"`. */
  etag: string;
  /** CRC-64/XZ of the content (`x-oss-hash-crc64ecma`). */
  crc64: bigint;
}

/**
 * Hash a stream of chunks (never holds more than one chunk).
 *
 * @example
 * ```ts
 * import { hashChunks } from "./content_hash.ts";
 * const h = await hashChunks([new TextEncoder().encode("123456789")]);
 * console.log(h.crc64); // 11051210869376104954n
 * ```
 */
export async function hashChunks(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<ContentHashes> {
  const md5 = await createMD5();
  const crc = await createCrc64();
  md5.init();
  for await (const chunk of chunks) {
    md5.update(chunk);
    crc.update(chunk);
  }
  return {
    etag: `"${md5.digest("hex").toUpperCase()}"`,
    crc64: crc.digest(),
  };
}

/**
 * One MD5 and one CRC-64 hasher reused by every {@linkcode hashBytes} call: creating a wasm hasher
 * per object made a million small `put`s take minutes.
 */
let shared: Promise<{ md5: IHasher; crc: Crc64Hasher }> | null = null;

/**
 * Hash bytes held in memory.
 *
 * @example
 * ```ts
 * import { hashBytes } from "./content_hash.ts";
 * console.log((await hashBytes(new Uint8Array())).etag); // "D41D8CD98F00B204E9800998ECF8427E"
 * ```
 */
export async function hashBytes(bytes: Uint8Array): Promise<ContentHashes> {
  shared ??= (async () => ({ md5: await createMD5(), crc: await createCrc64() }))();
  let hashers;
  try {
    hashers = await shared;
  } catch (e) {
    shared = null;
    throw e;
  }
  // From here on nothing awaits, so concurrent callers cannot interleave on the shared hashers.
  const { md5, crc } = hashers;
  md5.init();
  md5.update(bytes);
  crc.reset();
  crc.update(bytes);
  return { etag: `"${md5.digest("hex").toUpperCase()}"`, crc64: crc.digest() };
}
