/**
 * Reads object metadata from response headers: size, ETag, Last-Modified, CRC-64, object type and
 * version id.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";
import type { ObjectMeta } from "./object_source.ts";

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Parses an `x-oss-hash-crc64ecma` value (decimal unsigned 64-bit integer).
 *
 * @returns the CRC, or `null` when the header is absent
 * @throws {ProtocolError} when the value is not a decimal uint64
 *
 * @example
 * ```ts
 * import { parseCrc64 } from "./response_meta.ts";
 * parseCrc64("11051210869376104954"); // 11051210869376104954n
 * parseCrc64(null); // null
 * ```
 */
export function parseCrc64(value: string | null): bigint | null {
  if (value === null) return null;
  const text = value.trim();
  if (!/^\d{1,20}$/.test(text)) {
    throw new ProtocolError(`bad x-oss-hash-crc64ecma: ${JSON.stringify(text.slice(0, 40))}`);
  }
  const n = BigInt(text);
  if (n > UINT64_MAX) throw new ProtocolError(`x-oss-hash-crc64ecma out of range: ${text}`);
  return n;
}

/**
 * Parses `Content-Length` strictly.
 *
 * @returns the length, or `null` when absent
 * @throws {ProtocolError} when it is not a non-negative safe integer
 *
 * @example
 * ```ts
 * import { parseContentLength } from "./response_meta.ts";
 * parseContentLength(new Headers({ "content-length": "1000" })); // 1000
 * ```
 */
export function parseContentLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  if (value === null) return null;
  const text = value.trim();
  const n = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(n)) {
    throw new ProtocolError(`bad Content-Length: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return n;
}

/**
 * Builds {@linkcode ObjectMeta} from response headers and a size the caller determined (from
 * `Content-Length` of a HEAD, or the total of a `Content-Range`).
 *
 * @example
 * ```ts
 * import { objectMetaFromHeaders } from "./response_meta.ts";
 * const meta = objectMetaFromHeaders(
 *   new Headers({ etag: '"A1"', "x-oss-hash-crc64ecma": "42", "x-oss-object-type": "Normal" }),
 *   1000,
 *   true,
 * );
 * meta.crc64; // 42n
 * ```
 */
export function objectMetaFromHeaders(
  headers: Headers,
  size: number,
  acceptsRanges: boolean,
): ObjectMeta {
  return {
    size,
    etag: headers.get("etag"),
    lastModified: headers.get("last-modified"),
    crc64: parseCrc64(headers.get("x-oss-hash-crc64ecma")),
    objectType: headers.get("x-oss-object-type"),
    versionId: headers.get("x-oss-version-id"),
    acceptsRanges,
  };
}
