/**
 * `--range START-END`: inclusive byte offsets like HTTP's `Range: bytes=START-END`, END optional.
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

/** A byte range as `download()` takes it: `[start, end)`, `end` omitted for "to the end". */
export interface ByteRange {
  /** First byte. */
  start: number;
  /** One past the last byte; absent means the end of the object. */
  end?: number;
}

const RANGE_RE = /^(\d+)-(\d*)$/;

/**
 * Parses `START-END` (both inclusive, as in HTTP) or `START-` into a half-open range.
 *
 * @param text what was typed, e.g. `0-1048575`
 * @returns `{ start, end }` with `end` exclusive, or `{ start }` when END is omitted
 * @throws {UsageError} on a malformed range, END before START, or numbers past 2^53
 *
 * @example
 * ```ts
 * import { parseRange } from "./parse_range.ts";
 * parseRange("0-1023"); // { start: 0, end: 1024 }
 * parseRange("1048576-"); // { start: 1048576 }
 * ```
 */
export function parseRange(text: string): ByteRange {
  const m = RANGE_RE.exec(text.trim());
  const hint = "give inclusive byte offsets START-END (e.g. 0-1048575) or START- for the rest";
  if (!m) throw new UsageError(`bad --range ${JSON.stringify(text)}`, hint);
  const start = Number(m[1]);
  if (!Number.isSafeInteger(start)) {
    throw new UsageError(`bad --range ${JSON.stringify(text)}: START is too large`, hint);
  }
  if (m[2] === "") return { start };
  const last = Number(m[2]);
  if (!Number.isSafeInteger(last + 1)) {
    throw new UsageError(`bad --range ${JSON.stringify(text)}: END is too large`, hint);
  }
  if (last < start) {
    throw new UsageError(`bad --range ${JSON.stringify(text)}: END is before START`, hint);
  }
  return { start, end: last + 1 };
}
