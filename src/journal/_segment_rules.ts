/**
 * The consistency rules of progress entries, shared by replay and append (private to
 * `src/journal/`). A segment is identified by its `start`; entries for a segment may only grow it;
 * every segment lies in `[rangeStart, rangeEnd)`; no two segments overlap.
 *
 * @module
 */

import type { Segment } from "./journal_codec.ts";

/**
 * The latest entry per segment start, with the rules enforced.
 *
 * @example
 * ```ts
 * import { SegmentTable } from "./_segment_rules.ts";
 * const t = new SegmentTable(0, 100);
 * t.applyEntry({ start: 0, end: 10, crc64: 1n }); // null: fine
 * t.applyEntry({ start: 0, end: 5, crc64: 2n }); // "segment at 0 shrinks from 10 to 5"
 * ```
 */
export class SegmentTable {
  #rangeStart: number;
  #rangeEnd: number;
  #byStart: Map<number, Segment>;

  /**
   * A table for the range `[rangeStart, rangeEnd)`.
   *
   * @param rangeStart first byte of the downloaded range
   * @param rangeEnd end (exclusive) of the downloaded range
   * @param segments initial content (trusted)
   */
  constructor(rangeStart: number, rangeEnd: number, segments: Iterable<Segment> = []) {
    this.#rangeStart = rangeStart;
    this.#rangeEnd = rangeEnd;
    this.#byStart = new Map([...segments].map((s) => [s.start, { ...s }]));
  }

  /** How many segments. */
  get count(): number {
    return this.#byStart.size;
  }

  /** A copy of the table. */
  clone(): SegmentTable {
    return new SegmentTable(this.#rangeStart, this.#rangeEnd, this.#byStart.values());
  }

  /**
   * Applies one entry when it is consistent with the entries so far (overlap aside); returns why
   * not otherwise, and then changes nothing.
   */
  applyEntry(s: Segment): string | null {
    if (!(s.end > s.start)) return `segment [${s.start}, ${s.end}) is empty or reversed`;
    if (s.start < this.#rangeStart || s.end > this.#rangeEnd) {
      return `segment [${s.start}, ${s.end}) lies outside the range [${this.#rangeStart}, ${this.#rangeEnd})`;
    }
    const previous = this.#byStart.get(s.start);
    if (previous !== undefined) {
      if (s.end < previous.end) {
        return `segment at ${s.start} shrinks from ${previous.end} to ${s.end}`;
      }
      if (s.end === previous.end && s.crc64 !== previous.crc64) {
        return `segment [${s.start}, ${s.end}) is recorded twice with different CRC-64s`;
      }
    }
    this.#byStart.set(s.start, { start: s.start, end: s.end, crc64: s.crc64 });
    return null;
  }

  /** Why two segments overlap, or `null` when none do. */
  findOverlap(): string | null {
    const list = this.list();
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1], b = list[i];
      if (a.end > b.start) {
        return `segments [${a.start}, ${a.end}) and [${b.start}, ${b.end}) overlap`;
      }
    }
    return null;
  }

  /** The segments, sorted by start (copies). */
  list(): Segment[] {
    return [...this.#byStart.values()].sort((a, b) => a.start - b.start).map((s) => ({ ...s }));
  }
}
