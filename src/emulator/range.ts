/**
 * How OSS answers a `Range` header (oss-protocol.md §3.3): by default an invalid, out-of-range or
 * malformed range is ignored (200, whole object); with `x-oss-range-behavior: standard` the end is
 * clamped to the object and a start past the end is 416 `InvalidRange`.
 *
 * @module
 */

/** What to send for a `Range` header. */
export type RangeDecision =
  | { kind: "whole" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

const RANGE_RE = /^bytes=(\d*)-(\d*)$/;

/**
 * Decide what part of a `size`-byte object answers `header` (`end` is exclusive).
 *
 * @example
 * ```ts
 * import { resolveRange } from "./range.ts";
 * resolveRange("bytes=500-2000", 1000, true); // { kind: "partial", start: 500, end: 1000 }
 * resolveRange("bytes=500-2000", 1000, false); // { kind: "whole" }
 * resolveRange("bytes=1000-", 1000, true); // { kind: "unsatisfiable" }
 * ```
 */
export function resolveRange(
  header: string | null,
  size: number,
  standard: boolean,
): RangeDecision {
  const whole: RangeDecision = { kind: "whole" };
  if (header === null) return whole;
  const m = RANGE_RE.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return whole;
  const invalid: RangeDecision = standard ? { kind: "unsatisfiable" } : whole;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return invalid;
    if (n > size) return standard ? { kind: "partial", start: 0, end: size } : whole;
    return { kind: "partial", start: size - n, end: size };
  }
  const start = Number(m[1]);
  if (m[2] === "") {
    return start >= size ? invalid : { kind: "partial", start, end: size };
  }
  const last = Number(m[2]);
  if (start > last) return whole;
  if (start >= size) return invalid;
  if (last >= size) return standard ? { kind: "partial", start, end: size } : whole;
  return { kind: "partial", start, end: last + 1 };
}
