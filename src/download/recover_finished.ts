/**
 * The one crash window after the data is complete: the partial file was renamed into place but the
 * journal was not yet removed. Instead of fetching everything again, read the destination back and
 * check it against the journal's CRC-64 (and the server's).
 *
 * @module
 */
import { combineCrc64 } from "../crc64/combine.ts";
import { createCrc64 } from "../crc64/crc64.ts";
import type { FileSystem } from "../fs/file_system.ts";
import type { JournalHeader } from "../journal/journal.ts";
import type { DurableSegment } from "./plan.ts";
import type { DownloadPaths } from "./prepare_files.ts";

/** Combined CRC of segments that tile `[start, end)`, or `null` when they do not. */
export function tiledCrc(
  start: number,
  end: number,
  segments: readonly DurableSegment[],
): bigint | null {
  let crc = 0n;
  let cursor = start;
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    if (s.start !== cursor) return null;
    crc = combineCrc64(crc, s.crc64, s.end - s.start);
    cursor = s.end;
  }
  return cursor === end ? crc : null;
}

/**
 * When the journal says every byte is durable, the partial file is gone and the destination holds
 * exactly those bytes, return their CRC-64; otherwise `null`.
 *
 * @example
 * ```ts ignore
 * const crc = await finishFromDestination(fs, paths, replay.segments, header);
 * ```
 */
export async function finishFromDestination(
  fs: FileSystem,
  paths: DownloadPaths,
  segments: readonly DurableSegment[],
  header: JournalHeader,
): Promise<bigint | null> {
  const expected = tiledCrc(header.rangeStart, header.rangeEnd, segments);
  if (expected === null) return null;
  const wholeObject = header.rangeStart === 0 && header.rangeEnd === header.size;
  if (wholeObject && header.crc64 !== null && expected.toString() !== header.crc64) return null;
  const length = header.rangeEnd - header.rangeStart;
  const info = await fs.stat(paths.destination);
  if (!info?.isFile || info.size !== length) return null;
  const file = await fs.open(paths.destination, { readOnly: true });
  try {
    const hasher = await createCrc64();
    const buffer = new Uint8Array(Math.min(length, 4 * 1024 * 1024) || 1);
    for (let at = 0; at < length;) {
      const n = await file.read(buffer.subarray(0, Math.min(buffer.length, length - at)), at);
      if (n <= 0) return null;
      hasher.update(buffer.subarray(0, n));
      at += n;
    }
    const actual = hasher.digest();
    return actual === expected ? actual : null;
  } finally {
    await file.close();
  }
}
