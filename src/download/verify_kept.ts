/**
 * Before bytes kept from an earlier run are trusted, read them back from the data file and check
 * them against the CRC-64 the journal recorded for them. A journal says what was durable when it
 * was written; anything that changed the file since (another program, a bad disk, a bug) shows up
 * here, so that "verified" always describes the bytes on disk.
 *
 * @module
 */
import { createCrc64 } from "../crc64/crc64.ts";
import { AbortedError } from "../errors.ts";
import type { PositionalFile } from "../fs/file_system.ts";
import type { DurableSegment } from "./plan.ts";

/** What the read-back found. */
export interface KeptCheck {
  /** Segments whose bytes match their journaled CRC-64. */
  good: DurableSegment[];
  /** Segments whose bytes do not (they must be fetched again). */
  damaged: DurableSegment[];
  /** Bytes read back. */
  bytesRead: number;
}

/** Bytes per read of the read-back. */
const READ_BYTES = 4 * 1024 * 1024;

/** One read of the read-back: `length` bytes at object offset `at` of segment `index`. */
interface Piece {
  index: number;
  at: number;
  length: number;
}

/**
 * Read every segment's bytes from `file` (object offset `origin` is file offset 0) and compare
 * their CRC-64 with the journaled one. The next read runs while the current piece is hashed.
 *
 * @example
 * ```ts ignore
 * const { good, damaged } = await verifyKept(file, replay.segments, header.rangeStart);
 * ```
 */
export async function verifyKept(
  file: PositionalFile,
  segments: readonly DurableSegment[],
  origin: number,
  signal?: AbortSignal,
): Promise<KeptCheck> {
  const pieces: Piece[] = [];
  segments.forEach((s, index) => {
    for (let at = s.start; at < s.end; at += READ_BYTES) {
      pieces.push({ index, at, length: Math.min(READ_BYTES, s.end - at) });
    }
  });
  const size = Math.max(1, pieces.reduce((n, p) => Math.max(n, p.length), 0));
  const buffers = [new Uint8Array(size), new Uint8Array(size)];
  const hasher = await createCrc64();
  const short = new Set<number>();
  const crcs: bigint[] = [];
  let bytesRead = 0;
  const load = (i: number) => {
    const p = pieces[i];
    const into = buffers[i % 2].subarray(0, p.length);
    return readFully(file, into, p.at - origin).then((n) => ({ p, into, n }));
  };
  let next = pieces.length > 0 ? load(0) : null;
  for (let i = 0; i < pieces.length; i++) {
    if (signal?.aborted) {
      await next?.catch(() => {});
      throw new AbortedError();
    }
    const { p, into, n } = await next!;
    next = i + 1 < pieces.length ? load(i + 1) : null;
    if (p.at === segments[p.index].start) hasher.reset();
    if (n < p.length) short.add(p.index); // the file is shorter than the journal says
    else hasher.update(into);
    bytesRead += n;
    if (p.at + p.length === segments[p.index].end) crcs[p.index] = hasher.digest();
  }
  const good: DurableSegment[] = [];
  const damaged: DurableSegment[] = [];
  segments.forEach((s, index) => {
    if (!short.has(index) && crcs[index] === s.crc64) good.push(s);
    else damaged.push(s);
  });
  return { good, damaged, bytesRead };
}

async function readFully(file: PositionalFile, into: Uint8Array, offset: number): Promise<number> {
  let got = 0;
  while (got < into.length) {
    const n = await file.read(into.subarray(got), offset + got);
    if (n <= 0) break;
    got += n;
  }
  return got;
}
