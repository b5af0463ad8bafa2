/**
 * The byte layout of a checkpoint journal. All integers are little-endian.
 *
 * ```
 * file    = magic frame*                  magic = the 8 ASCII bytes "OSSDLJNL"
 * frame   = u32 n | u32 ~n | u32 crc32c(payload) | payload      (n = payload length, n >= 1)
 * payload = 0x01 JSON(JournalHeader)                             the first frame, and only it
 *         | 0x02 u32 count (u64 start | u64 end | u64 crc64){count}   a group of progress entries
 * ```
 *
 * - `~n` (the bitwise complement of the length) guards the length itself: a damaged length is
 *   caught before it is used, and a scan for later frames can reject almost every position cheaply.
 * - The checksum is CRC-32C (Castagnoli) of the payload (`_crc32c.ts`): synchronous and cheap; the
 *   CRC-64 values inside progress entries are the data's, not the frame's.
 * - One append is one frame (group commit), so a crash can only tear the last frame; a bad frame
 *   with a valid frame after it therefore means damage, not a torn write.
 * - The header is UTF-8 JSON with its fields in a fixed order; offsets and CRCs of progress
 *   entries are u64 (offsets must be safe integers).
 *
 * @module
 */

import { crc32c } from "./_crc32c.ts";
import type { JournalHeader } from "./journal_header.ts";

/**
 * "Bytes `[start, end)` of the object are durable in the data file, and their CRC-64 is `crc64`."
 * Progress is cumulative per segment: a later entry with the same `start` supersedes earlier ones.
 *
 * @example
 * ```ts
 * import type { Segment } from "./journal_codec.ts";
 * const s: Segment = { start: 0, end: 4096, crc64: 0x995dc9bbdf1939fan };
 * ```
 */
export interface Segment {
  /** First byte of the segment (its identity). */
  start: number;
  /** End (exclusive) of the durable bytes. */
  end: number;
  /** CRC-64/XZ of bytes `[start, end)`. */
  crc64: bigint;
}

/**
 * The 8 bytes every journal starts with (`"OSSDLJNL"`).
 *
 * @example
 * ```ts
 * import { JOURNAL_MAGIC } from "./journal_codec.ts";
 * new TextDecoder().decode(JOURNAL_MAGIC); // "OSSDLJNL"
 * ```
 */
export const JOURNAL_MAGIC: Uint8Array = new TextEncoder().encode("OSSDLJNL");

/** Bytes of a frame before its payload: length, complement of length, CRC-32C. */
export const FRAME_OVERHEAD = 12;

/** Payload type of the header record. */
export const RECORD_HEADER = 1;
/** Payload type of a progress record. */
export const RECORD_PROGRESS = 2;

const ENTRY_SIZE = 24;
const MAX_U64 = (1n << 64n) - 1n;

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, ~payload.length >>> 0, true);
  view.setUint32(8, crc32c(payload), true);
  out.set(payload, FRAME_OVERHEAD);
  return out;
}

/**
 * The header with exactly the fields of {@linkcode JournalHeader}, in a fixed order (so that
 * nothing else a caller's object carries can reach the file).
 *
 * @example
 * ```ts
 * import { canonicalHeader } from "./journal_codec.ts";
 * const h = canonicalHeader({
 *   format: 1, identity: "oss://b/k", size: 1, etag: null, lastModified: null, crc64: null,
 *   versionId: null, rangeStart: 0, rangeEnd: 1, partSize: 1, parts: [[0, 1]], createdAt: "",
 * });
 * ```
 */
export function canonicalHeader(h: JournalHeader): JournalHeader {
  return {
    format: h.format,
    identity: h.identity,
    size: h.size,
    etag: h.etag,
    lastModified: h.lastModified,
    crc64: h.crc64,
    versionId: h.versionId,
    rangeStart: h.rangeStart,
    rangeEnd: h.rangeEnd,
    partSize: h.partSize,
    parts: h.parts.map(([s, e]) => [s, e] as [number, number]),
    createdAt: h.createdAt,
  };
}

/**
 * The magic followed by the header frame: the first bytes of every journal.
 *
 * @example
 * ```ts
 * import { encodeJournalStart } from "./journal_codec.ts";
 * const bytes = encodeJournalStart({
 *   format: 1, identity: "oss://b/k", size: 1, etag: null, lastModified: null, crc64: null,
 *   versionId: null, rangeStart: 0, rangeEnd: 1, partSize: 1, parts: [[0, 1]], createdAt: "",
 * });
 * ```
 */
export function encodeJournalStart(header: JournalHeader): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(canonicalHeader(header)));
  const payload = new Uint8Array(1 + json.length);
  payload[0] = RECORD_HEADER;
  payload.set(json, 1);
  const f = frame(payload);
  const out = new Uint8Array(JOURNAL_MAGIC.length + f.length);
  out.set(JOURNAL_MAGIC);
  out.set(f, JOURNAL_MAGIC.length);
  return out;
}

/**
 * One progress frame holding all of `segments` (one group commit). Throws a `RangeError` for an
 * offset that is not a non-negative safe integer or a CRC outside `[0, 2^64)`.
 *
 * @example
 * ```ts
 * import { encodeProgressRecord } from "./journal_codec.ts";
 * const bytes = encodeProgressRecord([{ start: 0, end: 10, crc64: 1n }]);
 * bytes.length; // 12 + 1 + 4 + 24
 * ```
 */
export function encodeProgressRecord(segments: readonly Segment[]): Uint8Array {
  const payload = new Uint8Array(5 + ENTRY_SIZE * segments.length);
  const view = new DataView(payload.buffer);
  payload[0] = RECORD_PROGRESS;
  view.setUint32(1, segments.length, true);
  let at = 5;
  for (const s of segments) {
    for (const v of [s.start, s.end]) {
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new RangeError(`segment offset ${v} is not a non-negative safe integer`);
      }
    }
    if (typeof s.crc64 !== "bigint" || s.crc64 < 0n || s.crc64 > MAX_U64) {
      throw new RangeError(`segment CRC-64 ${s.crc64} is not a 64-bit unsigned integer`);
    }
    view.setBigUint64(at, BigInt(s.start), true);
    view.setBigUint64(at + 8, BigInt(s.end), true);
    view.setBigUint64(at + 16, s.crc64, true);
    at += ENTRY_SIZE;
  }
  return frame(payload);
}

/** What {@linkcode readFrame} found at an offset. */
export type FrameResult =
  /** A complete frame with a correct checksum; `next` is the offset after it. */
  | { kind: "ok"; payload: Uint8Array; next: number }
  /** The frame runs past the end of the bytes. */
  | { kind: "incomplete" }
  /** The frame is complete but its length guard or checksum is wrong. */
  | { kind: "bad"; reason: string };

/**
 * Reads the frame at `offset`.
 *
 * @example
 * ```ts
 * import { encodeProgressRecord, readFrame } from "./journal_codec.ts";
 * const bytes = encodeProgressRecord([{ start: 0, end: 1, crc64: 0n }]);
 * readFrame(bytes, 0).kind; // "ok"
 * readFrame(bytes.subarray(0, 20), 0).kind; // "incomplete"
 * ```
 */
export function readFrame(bytes: Uint8Array, offset: number): FrameResult {
  if (bytes.length - offset < FRAME_OVERHEAD) return { kind: "incomplete" };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_OVERHEAD);
  const n = view.getUint32(0, true);
  if ((~n >>> 0) !== view.getUint32(4, true)) {
    return { kind: "bad", reason: "its length field is damaged" };
  }
  if (n === 0) return { kind: "bad", reason: "it is empty" };
  const start = offset + FRAME_OVERHEAD;
  if (bytes.length - start < n) return { kind: "incomplete" };
  if (crc32c(bytes, start, start + n) !== view.getUint32(8, true)) {
    return { kind: "bad", reason: "its checksum does not match" };
  }
  return { kind: "ok", payload: bytes.subarray(start, start + n), next: start + n };
}

/**
 * Decodes a header payload (type byte included) to the header's JSON value, unchecked; `null`
 * when it is not a header record or not JSON. Check the value with `checkJournalHeader`.
 *
 * @example
 * ```ts
 * import { decodeHeaderPayload, encodeJournalStart, readFrame } from "./journal_codec.ts";
 * const bytes = encodeJournalStart({
 *   format: 1, identity: "oss://b/k", size: 1, etag: null, lastModified: null, crc64: null,
 *   versionId: null, rangeStart: 0, rangeEnd: 1, partSize: 1, parts: [[0, 1]], createdAt: "",
 * });
 * const f = readFrame(bytes, 8);
 * if (f.kind === "ok") console.log(decodeHeaderPayload(f.payload));
 * ```
 */
export function decodeHeaderPayload(payload: Uint8Array): unknown {
  if (payload[0] !== RECORD_HEADER) return null;
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(1)));
  } catch {
    return null;
  }
}

/**
 * Decodes a progress payload (type byte included); a string says why it is malformed.
 *
 * @example
 * ```ts
 * import { decodeProgressPayload, encodeProgressRecord } from "./journal_codec.ts";
 * const frame = encodeProgressRecord([{ start: 0, end: 1, crc64: 5n }]);
 * decodeProgressPayload(frame.subarray(12)); // [{ start: 0, end: 1, crc64: 5n }]
 * ```
 */
export function decodeProgressPayload(payload: Uint8Array): Segment[] | string {
  if (payload[0] === RECORD_HEADER) return "a second header record";
  if (payload[0] !== RECORD_PROGRESS) return `unknown record type ${payload[0]}`;
  if (payload.length < 5) return "a truncated progress record";
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const count = view.getUint32(1, true);
  if (payload.length !== 5 + ENTRY_SIZE * count) return "a progress record of the wrong length";
  const out: Segment[] = [];
  for (let at = 5; at < payload.length; at += ENTRY_SIZE) {
    const start = view.getBigUint64(at, true), end = view.getBigUint64(at + 8, true);
    if (start > BigInt(Number.MAX_SAFE_INTEGER) || end > BigInt(Number.MAX_SAFE_INTEGER)) {
      return "a progress record with an offset beyond 2^53";
    }
    out.push({ start: Number(start), end: Number(end), crc64: view.getBigUint64(at + 16, true) });
  }
  return out;
}
