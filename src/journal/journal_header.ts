/**
 * The first record of a checkpoint journal: what is being downloaded. Also the checks that keep a
 * header self-consistent ({@linkcode checkJournalHeader}), free of secrets
 * ({@linkcode assertNoSecrets}), and the comparison the engine uses to tell a foreign journal from
 * its own ({@linkcode describeHeaderMismatch}).
 *
 * @module
 */

/** The journal format version this code writes and reads. */
export const JOURNAL_FORMAT = 1;

/**
 * What a journal describes: the object, the byte range being downloaded and the part layout.
 *
 * @example
 * ```ts
 * import type { JournalHeader } from "./journal_header.ts";
 * const header: JournalHeader = {
 *   format: 1, identity: "oss://bucket/key", size: 100, etag: '"A"', lastModified: null,
 *   crc64: "123", versionId: null, rangeStart: 0, rangeEnd: 100, partSize: 50,
 *   parts: [[0, 50], [50, 100]], createdAt: new Date(0).toISOString(),
 * };
 * ```
 */
export interface JournalHeader {
  /** Format version, currently 1. */
  format: number;
  /** Source identity (endpoint, bucket, key, version; a URL without its signature). No secrets. */
  identity: string;
  /** Object size in bytes. */
  size: number;
  /** ETag as the server sent it, or `null`. */
  etag: string | null;
  /** `Last-Modified` as the server sent it, or `null`. */
  lastModified: string | null;
  /** The server's CRC-64 as a decimal string, or `null`. */
  crc64: string | null;
  /** `x-oss-version-id`, or `null`. */
  versionId: string | null;
  /** First byte of the downloaded range `[rangeStart, rangeEnd)` of the object. */
  rangeStart: number;
  /** End (exclusive) of the downloaded range. */
  rangeEnd: number;
  /** The part size the layout was planned with. */
  partSize: number;
  /** The initial part layout, `[start, end)` object offsets, tiling `[rangeStart, rangeEnd)`. */
  parts: Array<[number, number]>;
  /** When the journal was created (ISO 8601). */
  createdAt: string;
}

/** Query parameters that carry a credential or a signature (lower case). */
const SECRET_PARAMS: ReadonlySet<string> = new Set([
  "signature",
  "ossaccesskeyid",
  "security-token",
  "x-oss-signature",
  "x-oss-credential",
  "x-oss-security-token",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
]);

/**
 * Throws a `TypeError` when `identity` is a URL whose query carries a credential or a signature
 * (`Signature`, `OSSAccessKeyId`, `security-token`, `x-oss-signature`, `x-oss-credential`,
 * `x-oss-security-token`, or their `x-amz-` kin; any case). Only parameter names are looked at, so
 * an object key that merely contains such a word is fine. The message names the parameter, never
 * its value.
 *
 * @example
 * ```ts
 * import { assertNoSecrets } from "./journal_header.ts";
 * assertNoSecrets("https://b.oss-cn-hangzhou.aliyuncs.com/security-token-guide.pdf"); // fine
 * try {
 *   assertNoSecrets("https://b.oss-cn-hangzhou.aliyuncs.com/key?Signature=abc");
 * } catch (e) {
 *   console.log((e as TypeError).message);
 * }
 * ```
 */
export function assertNoSecrets(identity: string): void {
  if (!/^https?:\/\//i.test(identity)) return;
  let query: URLSearchParams;
  try {
    query = new URL(identity).searchParams;
  } catch {
    return;
  }
  for (const name of query.keys()) {
    if (SECRET_PARAMS.has(name.toLowerCase())) {
      throw new TypeError(
        `journal identity must not contain credentials or a URL signature (found "${name}")`,
      );
    }
  }
}

function isOffset(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isNullableString(v: unknown): v is string | null {
  return v === null || typeof v === "string";
}

/**
 * Checks that a value is a well-formed header of a supported format: every field of the right
 * type, offsets non-negative safe integers, `0 <= rangeStart <= rangeEnd <= size`, `partSize > 0`,
 * `crc64` a decimal number below 2^64, and `parts` tiling `[rangeStart, rangeEnd)` in order with
 * no empty part. Returns why not, or `null` when it is fine.
 *
 * @example
 * ```ts
 * import { checkJournalHeader } from "./journal_header.ts";
 * checkJournalHeader({ format: 2 }); // "unknown journal format version 2 (this ossdl reads 1)"
 * ```
 */
export function checkJournalHeader(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "the header is not an object";
  }
  const h = value as Record<string, unknown>;
  if (typeof h.format !== "number") return "the header has no format version";
  if (h.format !== JOURNAL_FORMAT) {
    return `unknown journal format version ${h.format} (this ossdl reads ${JOURNAL_FORMAT})`;
  }
  if (typeof h.identity !== "string" || h.identity === "") return "the header has no identity";
  for (const key of ["etag", "lastModified", "crc64", "versionId"]) {
    if (!isNullableString(h[key])) return `header field ${key} is not a string or null`;
  }
  if (typeof h.createdAt !== "string") return "header field createdAt is not a string";
  for (const key of ["size", "rangeStart", "rangeEnd", "partSize"]) {
    if (!isOffset(h[key])) return `header field ${key} is not a non-negative safe integer`;
  }
  const size = h.size as number, start = h.rangeStart as number, end = h.rangeEnd as number;
  if (!(start <= end && end <= size)) {
    return `header range [${start}, ${end}) does not lie within the object size ${size}`;
  }
  if ((h.partSize as number) <= 0) return "header field partSize is not positive";
  if (typeof h.crc64 === "string" && !isCrc64Decimal(h.crc64)) {
    return "header field crc64 is not a decimal 64-bit number";
  }
  if (!Array.isArray(h.parts)) return "header field parts is not an array";
  let at = start;
  for (const [i, part] of (h.parts as unknown[]).entries()) {
    if (!Array.isArray(part) || part.length !== 2 || !isOffset(part[0]) || !isOffset(part[1])) {
      return `header part ${i} is not a pair of offsets`;
    }
    if (part[0] !== at || part[1] <= part[0]) {
      return `header parts do not tile the range [${start}, ${end}) (part ${i} is [${part[0]}, ${
        part[1]
      }))`;
    }
    at = part[1];
  }
  if (at !== end) return `header parts do not tile the range [${start}, ${end})`;
  return null;
}

function isCrc64Decimal(s: string): boolean {
  return /^(0|[1-9][0-9]{0,19})$/.test(s) && BigInt(s) < 1n << 64n;
}

function show(v: string | number | null): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * Names the first field in which two headers differ, in this order: identity, size, etag,
 * lastModified, crc64, versionId, range, partSize. Returns `null` when they describe the same
 * download. (`format` is checked by replay; `parts` and `createdAt` are not compared: the layout
 * follows from range and partSize, and the journal's own layout is the one to resume with.)
 *
 * @example
 * ```ts
 * import { describeHeaderMismatch, type JournalHeader } from "./journal_header.ts";
 * const a: JournalHeader = {
 *   format: 1, identity: "oss://b/k", size: 10, etag: '"A"', lastModified: null, crc64: null,
 *   versionId: null, rangeStart: 0, rangeEnd: 10, partSize: 10, parts: [[0, 10]],
 *   createdAt: new Date(0).toISOString(),
 * };
 * describeHeaderMismatch(a, { ...a, etag: '"B"' }); // 'etag differs: "\"A\"" vs "\"B\""'
 * describeHeaderMismatch(a, a); // null
 * ```
 */
export function describeHeaderMismatch(a: JournalHeader, b: JournalHeader): string | null {
  const fields = ["identity", "size", "etag", "lastModified", "crc64", "versionId"] as const;
  for (const key of fields) {
    if (a[key] !== b[key]) return `${key} differs: ${show(a[key])} vs ${show(b[key])}`;
  }
  if (a.rangeStart !== b.rangeStart || a.rangeEnd !== b.rangeEnd) {
    return `range differs: [${a.rangeStart}, ${a.rangeEnd}) vs [${b.rangeStart}, ${b.rangeEnd})`;
  }
  if (a.partSize !== b.partSize) return `partSize differs: ${a.partSize} vs ${b.partSize}`;
  return null;
}
