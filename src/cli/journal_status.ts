/**
 * What a checkpoint journal says about an interrupted download, in numbers and in text: the
 * object's identity, size, ETag, bytes durable per part, percent. Pure.
 *
 * @module
 */
import type { ReplayResult } from "../journal/journal.ts";
import { formatBytes, formatPercent, percentOf } from "./format_units.ts";

/** One part of the layout and how much of it is durable. */
export interface PartStatus {
  /** 1-based part number. */
  index: number;
  /** First byte (object offset). */
  start: number;
  /** End, exclusive. */
  end: number;
  /** Durable bytes inside the part. */
  durable: number;
}

/** The state of a download, from its journal. */
export interface JournalStatus {
  /** The journal file. */
  checkpoint: string;
  /** Source identity (no secrets). */
  identity: string;
  /** Object version, or `null`. */
  versionId: string | null;
  /** Object size. */
  size: number;
  /** ETag, or `null`. */
  etag: string | null;
  /** Last-Modified, or `null`. */
  lastModified: string | null;
  /** Server CRC-64 (decimal), or `null`. */
  crc64: string | null;
  /** Range start. */
  rangeStart: number;
  /** Range end (exclusive). */
  rangeEnd: number;
  /** Part size planned. */
  partSize: number;
  /** When the download started. */
  createdAt: string;
  /** Durable bytes in all. */
  bytesDurable: number;
  /** Bytes in the range. */
  bytesTotal: number;
  /** Durable percent, one decimal, 100 only when complete. */
  percent: number;
  /** Valid records, the header included. */
  records: number;
  /** A torn last record was dropped. */
  tornTail: boolean;
  /** Per part. */
  parts: PartStatus[];
}

/**
 * Summarises a replayed journal.
 *
 * @example
 * ```ts
 * import { journalStatus } from "./journal_status.ts";
 * import { replayJournal } from "../journal/journal.ts";
 * import { encodeJournalStart, encodeProgressRecord } from "../journal/journal_codec.ts";
 * const bytes = new Uint8Array([
 *   ...encodeJournalStart({
 *     format: 1, identity: "oss://b/k", size: 100, etag: '"E"', lastModified: null, crc64: null,
 *     versionId: null, rangeStart: 0, rangeEnd: 100, partSize: 50, parts: [[0, 50], [50, 100]],
 *     createdAt: new Date(0).toISOString(),
 *   }),
 *   ...encodeProgressRecord([{ start: 0, end: 50, crc64: 1n }, { start: 50, end: 60, crc64: 2n }]),
 * ]);
 * const s = journalStatus("k.ossdl-journal", await replayJournal(bytes));
 * console.log(s.bytesDurable, s.percent); // 60 60
 * ```
 */
export function journalStatus(checkpoint: string, replay: ReplayResult): JournalStatus {
  const h = replay.header;
  const parts: PartStatus[] = h.parts.map(([start, end], i) => {
    let durable = 0;
    for (const s of replay.segments) {
      durable += Math.max(0, Math.min(end, s.end) - Math.max(start, s.start));
    }
    return { index: i + 1, start, end, durable };
  });
  const bytesTotal = h.rangeEnd - h.rangeStart;
  const bytesDurable = replay.segments.reduce((n, s) => n + (s.end - s.start), 0);
  const percent = percentOf(bytesDurable, bytesTotal);
  return {
    checkpoint,
    identity: h.identity,
    versionId: h.versionId,
    size: h.size,
    etag: h.etag,
    lastModified: h.lastModified,
    crc64: h.crc64,
    rangeStart: h.rangeStart,
    rangeEnd: h.rangeEnd,
    partSize: h.partSize,
    createdAt: h.createdAt,
    bytesDurable,
    bytesTotal,
    percent,
    records: replay.recordCount,
    tornTail: replay.tornTail,
    parts,
  };
}

/** Parts listed one by one at most; beyond, only the unfinished ones. */
const MAX_PART_LINES = 64;

/**
 * The status as text lines for a person.
 *
 * @example
 * ```ts ignore
 * import { formatJournalStatus } from "./journal_status.ts";
 * console.log(formatJournalStatus(status).join("\n"));
 * ```
 */
export function formatJournalStatus(s: JournalStatus): string[] {
  const whole = s.rangeStart === 0 && s.rangeEnd === s.size;
  const complete = s.parts.filter((p) => p.durable === p.end - p.start).length;
  const started = s.parts.filter((p) => p.durable > 0 && p.durable < p.end - p.start).length;
  const lines = [
    `checkpoint     ${s.checkpoint} (${s.records} records${
      s.tornTail ? ", torn last record dropped" : ""
    })`,
    `object         ${s.identity}`,
    `version        ${s.versionId ?? "(none)"}`,
    `size           ${formatBytes(s.size)} (${s.size} bytes)`,
    `range          ${
      whole ? "the whole object" : `bytes ${s.rangeStart}-${s.rangeEnd - 1} (inclusive)`
    }`,
    `etag           ${s.etag ?? "(none)"}`,
    `last-modified  ${s.lastModified ?? "(none)"}`,
    `crc64          ${s.crc64 ?? "(the server gave none)"}`,
    `started        ${s.createdAt}`,
    `durable        ${formatBytes(s.bytesDurable)} of ${formatBytes(s.bytesTotal)} ` +
    `(${formatPercent(s.bytesDurable, s.bytesTotal)}, ${s.bytesDurable} of ${s.bytesTotal} bytes)`,
    `parts          ${s.parts.length} of ${formatBytes(s.partSize)}: ${complete} complete, ` +
    `${started} partial, ${s.parts.length - complete - started} not started`,
  ];
  const listed = s.parts.length <= MAX_PART_LINES
    ? s.parts
    : s.parts.filter((p) => p.durable > 0 && p.durable < p.end - p.start);
  for (const p of listed) {
    const size = p.end - p.start;
    lines.push(
      `  part ${String(p.index).padStart(4)}  [${p.start}, ${p.end})  ` +
        `${formatBytes(p.durable)} of ${formatBytes(size)}  ${formatPercent(p.durable, size)}`,
    );
  }
  return lines;
}
