/**
 * Percent-encoding as OSS signs and addresses it: every UTF-8 byte except `A-Z a-z 0-9 - . _ ~`
 * (and optionally `/`) becomes `%XX` with uppercase hex. Space is `%20`, never `+`.
 *
 * @module
 */

const HEX = "0123456789ABCDEF";
const ENCODER = new TextEncoder();

function isUnreserved(b: number, keepSlash: boolean): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e || (keepSlash && b === 0x2f);
}

/**
 * Percent-encodes `value` with the OSS unreserved set (`A-Z a-z 0-9 - . _ ~`, plus `/` when
 * `keepSlash` is true).
 *
 * @param value the raw (decoded) text
 * @param keepSlash keep `/` as is (object keys in paths); @default false
 * @returns the encoded text
 *
 * @example
 * ```ts
 * import { uriEncode } from "./uri_encode.ts";
 * uriEncode("dir/a b+c~!.txt", true); // "dir/a%20b%2Bc~%21.txt"
 * uriEncode("ak/20231217"); // "ak%2F20231217"
 * ```
 */
export function uriEncode(value: string, keepSlash = false): string {
  let out = "";
  for (const b of ENCODER.encode(value)) {
    out += isUnreserved(b, keepSlash) ? String.fromCharCode(b) : "%" + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * Escapes an object key for the URL path: keeps `A-Za-z0-9-._~/`, percent-encodes every other
 * UTF-8 byte.
 *
 * @param key the raw object key
 * @returns the escaped path part
 *
 * @example
 * ```ts
 * import { escapeKey } from "./uri_encode.ts";
 * escapeKey("photos/été 1+1.jpg"); // "photos/%C3%A9t%C3%A9%201%2B1.jpg"
 * ```
 */
export function escapeKey(key: string): string {
  return uriEncode(key, true);
}

/**
 * Renders query pairs as `k=v&k2` (encoded with {@linkcode uriEncode}, empty values without `=`),
 * sorted by decoded key (then value), as the Go SDK renders presigned URLs.
 *
 * @param pairs decoded query pairs
 * @returns the query string without the leading `?` (empty when there are no pairs)
 *
 * @example
 * ```ts
 * import { encodeQuery } from "./uri_encode.ts";
 * encodeQuery([["versionId", "a/b"], ["acl", ""]]); // "acl&versionId=a%2Fb"
 * ```
 */
export function encodeQuery(pairs: readonly (readonly [string, string])[]): string {
  return [...pairs]
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))
    .map(([k, v]) => (v === "" ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(v)}`))
    .join("&");
}

/**
 * Byte-order-ish comparison of two strings (UTF-16 code units; equal to byte order for ASCII).
 *
 * @example
 * ```ts
 * import { compare } from "./uri_encode.ts";
 * ["b", "B", "a"].sort(compare); // ["B", "a", "b"]
 * ```
 */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
