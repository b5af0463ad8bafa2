/**
 * Strict parsing of `Content-Range` response headers (`bytes a-b/total`, `bytes a-b/*`,
 * `bytes *\/total`).
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

/** A parsed `Content-Range`. Positions are `[start, end)` (end exclusive). */
export type ContentRange =
  | {
    /** A satisfied range. */
    unsatisfied: false;
    /** First byte (inclusive). */
    start: number;
    /** End (exclusive) = last byte + 1. */
    end: number;
    /** Object size, or `null` for `*`. */
    total: number | null;
  }
  | {
    /** `bytes *\/total` (sent with 416). */
    unsatisfied: true;
    /** Object size. */
    total: number;
  };

const RANGE_RE = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/;
const UNSATISFIED_RE = /^bytes \*\/(\d{1,16})$/;

function toSafe(digits: string, header: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw new ProtocolError(`Content-Range too large: ${header}`);
  return n;
}

/**
 * Parses a `Content-Range` header value strictly.
 *
 * @throws {ProtocolError} when the value is malformed or inconsistent (last < first, last >= total)
 *
 * @example
 * ```ts
 * import { parseContentRange } from "./content_range.ts";
 * parseContentRange("bytes 0-9/44"); // { unsatisfied: false, start: 0, end: 10, total: 44 }
 * parseContentRange("bytes *\/0"); // { unsatisfied: true, total: 0 }
 * ```
 */
export function parseContentRange(value: string): ContentRange {
  const text = value.trim();
  const m = RANGE_RE.exec(text);
  if (m) {
    const first = toSafe(m[1], text);
    const last = toSafe(m[2], text);
    const total = m[3] === "*" ? null : toSafe(m[3], text);
    if (last < first || (total !== null && last >= total)) {
      throw new ProtocolError(`inconsistent Content-Range: ${text}`);
    }
    return { unsatisfied: false, start: first, end: last + 1, total };
  }
  const u = UNSATISFIED_RE.exec(text);
  if (u) return { unsatisfied: true, total: toSafe(u[1], text) };
  throw new ProtocolError(`malformed Content-Range: ${JSON.stringify(text.slice(0, 100))}`);
}
