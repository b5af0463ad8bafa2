/**
 * Conditional GET/HEAD (oss-protocol.md §3.4): `If-Match` and `If-Unmodified-Since` fail with 412
 * `PreconditionFailed`; `If-None-Match` and `If-Modified-Since` answer 304 Not Modified.
 *
 * @module
 */

/** The outcome of the precondition headers. */
export type ConditionResult = "ok" | "precondition-failed" | "not-modified";

function etagMatches(header: string, etag: string): boolean {
  const bare = (s: string) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  const own = bare(etag);
  return header.split(",").some((candidate) => {
    const c = candidate.trim();
    return c === "*" || bare(c) === own;
  });
}

/**
 * Evaluate the conditional headers in RFC 9110 order.
 *
 * @example
 * ```ts
 * import { evaluateConditions } from "./conditions.ts";
 * const h = new Headers({ "if-match": '"ABC"' });
 * console.log(evaluateConditions(h, '"DEF"', new Date())); // precondition-failed
 * ```
 */
export function evaluateConditions(
  headers: Headers,
  etag: string,
  lastModified: Date,
): ConditionResult {
  const ifMatch = headers.get("if-match");
  const mtime = Math.floor(lastModified.getTime() / 1000);
  if (ifMatch !== null) {
    if (!etagMatches(ifMatch, etag)) return "precondition-failed";
  } else {
    const since = Date.parse(headers.get("if-unmodified-since") ?? "");
    if (!Number.isNaN(since) && mtime > Math.floor(since / 1000)) return "precondition-failed";
  }
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (etagMatches(ifNoneMatch, etag)) return "not-modified";
  } else {
    const since = Date.parse(headers.get("if-modified-since") ?? "");
    if (!Number.isNaN(since) && mtime <= Math.floor(since / 1000)) return "not-modified";
  }
  return "ok";
}
