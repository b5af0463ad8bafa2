/**
 * Replay: from the bytes of a journal to the header and the latest durable progress of every
 * segment, or a {@linkcode JournalDamagedError} that says why the journal cannot be trusted.
 *
 * Rules: a torn last record (an incomplete frame, or a bad frame with no valid frame anywhere
 * after it) is dropped silently and reported as `tornTail`. A bad frame followed by a valid one, a
 * bad or missing header, a foreign magic, an unknown format version, or inconsistent progress
 * (an empty or reversed segment, one outside the range, a segment that shrinks, two that overlap)
 * make the journal damaged.
 *
 * @module
 */

import { JournalDamagedError } from "../errors.ts";
import { SegmentTable } from "./_segment_rules.ts";
import {
  canonicalHeader,
  decodeHeaderPayload,
  decodeProgressPayload,
  FRAME_OVERHEAD,
  JOURNAL_MAGIC,
  readFrame,
  type Segment,
} from "./journal_codec.ts";
import { checkJournalHeader, type JournalHeader } from "./journal_header.ts";

/**
 * What a journal says.
 *
 * @example
 * ```ts
 * import type { ReplayResult } from "./journal_replay.ts";
 * function done(r: ReplayResult): number {
 *   return r.segments.reduce((n, s) => n + (s.end - s.start), 0);
 * }
 * ```
 */
export interface ReplayResult {
  /** The header record. */
  header: JournalHeader;
  /** The latest entry per segment start, sorted by start. */
  segments: Segment[];
  /** Bytes up to the end of the last valid record (where the next append goes). */
  validLength: number;
  /** `true` when a torn last record was dropped. */
  tornTail: boolean;
  /** Valid records, the header included. */
  recordCount: number;
}

function damaged(reason: string): never {
  throw new JournalDamagedError(reason);
}

/** The offset of the first valid frame at or after `from`, or -1. */
function findValidFrame(bytes: Uint8Array, from: number): number {
  for (let q = from; q + FRAME_OVERHEAD < bytes.length; q++) {
    if (readFrame(bytes, q).kind === "ok") return q;
  }
  return -1;
}

/**
 * Replays a journal. Throws {@linkcode JournalDamagedError} when it cannot be trusted.
 *
 * @example
 * ```ts
 * import { replayJournal } from "./journal_replay.ts";
 * import { encodeJournalStart, encodeProgressRecord } from "./journal_codec.ts";
 * const start = encodeJournalStart({
 *   format: 1, identity: "oss://b/k", size: 100, etag: null, lastModified: null, crc64: null,
 *   versionId: null, rangeStart: 0, rangeEnd: 100, partSize: 100, parts: [[0, 100]],
 *   createdAt: new Date(0).toISOString(),
 * });
 * const record = encodeProgressRecord([{ start: 0, end: 40, crc64: 7n }]);
 * const bytes = new Uint8Array([...start, ...record]);
 * const r = await replayJournal(bytes);
 * console.log(r.segments); // [{ start: 0, end: 40, crc64: 7n }]
 * ```
 */
export function replayJournal(bytes: Uint8Array): Promise<ReplayResult> {
  try {
    return Promise.resolve(replay(bytes));
  } catch (e) {
    return Promise.reject(e);
  }
}

function replay(bytes: Uint8Array): ReplayResult {
  if (bytes.length === 0) damaged("the file is empty");
  const magicLength = Math.min(bytes.length, JOURNAL_MAGIC.length);
  for (let i = 0; i < magicLength; i++) {
    if (bytes[i] !== JOURNAL_MAGIC[i]) damaged("not an ossdl journal (unknown magic)");
  }
  if (bytes.length < JOURNAL_MAGIC.length) damaged("the header record is missing");
  const first = readFrame(bytes, JOURNAL_MAGIC.length);
  if (first.kind === "incomplete") damaged("the header record is incomplete");
  if (first.kind === "bad") damaged(`the header record is damaged: ${first.reason}`);
  const value = decodeHeaderPayload(first.payload);
  if (value === null) damaged("the first record is not a readable header");
  const problem = checkJournalHeader(value);
  if (problem !== null) damaged(problem);
  const header = canonicalHeader(value as JournalHeader);

  const table = new SegmentTable(header.rangeStart, header.rangeEnd);
  let offset = first.next;
  let recordCount = 1;
  let tornTail = false;
  while (offset < bytes.length) {
    const where = `record ${recordCount + 1} (at byte ${offset})`;
    const frame = readFrame(bytes, offset);
    if (frame.kind !== "ok") {
      const later = findValidFrame(bytes, offset + 1);
      if (later >= 0) {
        const why = frame.kind === "bad" ? frame.reason : "it is cut short";
        damaged(`${where} is damaged (${why}) but a valid record follows at byte ${later}`);
      }
      tornTail = true;
      break;
    }
    const entries = decodeProgressPayload(frame.payload);
    if (typeof entries === "string") damaged(`${where} is ${entries}`);
    for (const entry of entries) {
      const reason = table.applyEntry(entry);
      if (reason !== null) damaged(`${where}: ${reason}`);
    }
    recordCount++;
    offset = frame.next;
  }
  const overlap = table.findOverlap();
  if (overlap !== null) damaged(overlap);
  return { header, segments: table.list(), validLength: offset, tornTail, recordCount };
}
