/**
 * Planning: split a byte range into parts, and, on resume, turn the journal's durable segments into
 * the work that remains.
 *
 * @module
 */

/** Bytes `[start, end)` already durable, with their CRC-64 (a journal segment). */
export interface DurableSegment {
  /** First byte (object offset). */
  start: number;
  /** End (exclusive). */
  end: number;
  /** CRC-64 of the bytes. */
  crc64: bigint;
}

/**
 * A piece of work: fetch `[from, end)`. When `continues` is set, the bytes extend that durable
 * segment (same start, CRC continued by combine); otherwise they start a new segment at `from`.
 */
export interface WorkItem {
  /** Where the segment that this work belongs to starts. */
  segmentStart: number;
  /** First byte to fetch. */
  from: number;
  /** End (exclusive). */
  end: number;
  /** CRC-64 of `[segmentStart, from)` (0 when `from === segmentStart`). */
  prefixCrc: bigint;
}

/**
 * Split `[start, end)` into parts of `partSize` (the last one shorter).
 *
 * @example
 * ```ts
 * import { splitRange } from "./plan.ts";
 * splitRange(0, 10, 4); // [[0, 4], [4, 8], [8, 10]]
 * ```
 */
export function splitRange(start: number, end: number, partSize: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  for (let at = start; at < end; at += partSize) parts.push([at, Math.min(at + partSize, end)]);
  return parts;
}

/**
 * The work left in `[rangeStart, rangeEnd)` given the durable segments (sorted, non-overlapping).
 * Each gap is split into parts of `partSize`; the first piece of a gap continues the segment that
 * ends where the gap begins, if there is one.
 *
 * @example
 * ```ts
 * import { remainingWork } from "./plan.ts";
 * const work = remainingWork(0, 100, 50, [{ start: 0, end: 20, crc64: 7n }]);
 * // [{ segmentStart: 0, from: 20, end: 70, prefixCrc: 7n },
 * //  { segmentStart: 70, from: 70, end: 100, prefixCrc: 0n }]
 * ```
 */
export function remainingWork(
  rangeStart: number,
  rangeEnd: number,
  partSize: number,
  segments: readonly DurableSegment[],
): WorkItem[] {
  const work: WorkItem[] = [];
  let cursor = rangeStart;
  let before: DurableSegment | null = null;
  const addGap = (from: number, to: number) => {
    for (const [a, b] of splitRange(from, to, partSize)) {
      if (a === from && before && before.end === from) {
        work.push({ segmentStart: before.start, from: a, end: b, prefixCrc: before.crc64 });
      } else {
        work.push({ segmentStart: a, from: a, end: b, prefixCrc: 0n });
      }
    }
  };
  for (const s of segments) {
    if (s.start > cursor) addGap(cursor, s.start);
    cursor = Math.max(cursor, s.end);
    before = s;
  }
  if (cursor < rangeEnd) addGap(cursor, rangeEnd);
  return work;
}
