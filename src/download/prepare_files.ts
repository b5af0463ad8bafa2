/**
 * Decide, at the start of a run, whether an earlier run's work can be reused: open and check the
 * journal and the partial file, or start afresh (and say why).
 *
 * @module
 */
import { JournalDamagedError } from "../errors.ts";
import type { FileSystem, PositionalFile } from "../fs/file_system.ts";
import { Journal, type JournalHeader } from "../journal/journal.ts";
import { dirname } from "../path.ts";
import type { DownloadNotice } from "./options.ts";
import type { DurableSegment } from "./plan.ts";

/** Where a run's files live. */
export interface DownloadPaths {
  destination: string;
  partial: string;
  journal: string;
  directory: string;
}

/** What a run starts from. */
export interface StartingPoint {
  /** The data file, open. */
  file: PositionalFile;
  /** The journal, open, or `null` for downloads that keep none. */
  journal: Journal | null;
  /** Durable segments from an earlier run (empty when fresh). */
  segments: DurableSegment[];
  /** `true` when the files were created afresh in this run. */
  fresh: boolean;
}

/** The fields that must match for a journal to describe this download. */
const OBJECT_FIELDS = ["versionId", "size", "etag", "lastModified", "crc64"] as const;
const REQUEST_FIELDS = ["rangeStart", "rangeEnd"] as const;

/**
 * Why a journal's header does not describe this download, or `null` when it does.
 *
 * @example
 * ```ts ignore
 * compareHeaders(old, current); // { code: "OBJECT_CHANGED", message: "etag ..." } or null
 * ```
 */
export function compareHeaders(
  saved: JournalHeader,
  current: JournalHeader,
): DownloadNotice | null {
  if (saved.format !== current.format) {
    return { code: "JOURNAL_FOREIGN", message: `journal format ${saved.format} is not supported` };
  }
  const foreign = (field: string): DownloadNotice => ({
    code: "JOURNAL_FOREIGN",
    message: `the checkpoint journal describes another download (${field} differs); starting over`,
  });
  if (saved.identity !== current.identity) return foreign("source");
  for (const field of OBJECT_FIELDS) {
    if (saved[field] !== current[field]) {
      return {
        code: "OBJECT_CHANGED",
        message: `the object changed since the partial download (${field} ${
          JSON.stringify(saved[field])
        } became ${JSON.stringify(current[field])}); starting over`,
      };
    }
  }
  for (const field of REQUEST_FIELDS) {
    if (saved[field] !== current[field]) return foreign("range");
  }
  return null;
}

/**
 * Try to pick up an earlier run: the journal must replay, match `header`, and the partial file
 * must exist with the right size. Returns `null` (after notices) when starting afresh is needed.
 */
export async function openExisting(
  fs: FileSystem,
  paths: DownloadPaths,
  header: JournalHeader,
  notice: (n: DownloadNotice) => void,
): Promise<{ journal: Journal; segments: DurableSegment[] } | null> {
  let opened: Awaited<ReturnType<typeof Journal.open>>;
  try {
    opened = await Journal.open(fs, paths.journal);
  } catch (error) {
    if (!(error instanceof JournalDamagedError)) throw error;
    notice({ code: "JOURNAL_DAMAGED", message: `${error.message}; starting over` });
    return null;
  }
  if (!opened) return null;
  const mismatch = compareHeaders(opened.replay.header, header);
  if (mismatch) {
    await opened.journal.close();
    notice(mismatch);
    return null;
  }
  return { journal: opened.journal, segments: opened.replay.segments };
}

/**
 * Start afresh: durably remove any earlier journal FIRST, then create the partial file
 * (pre-sized, durably) and, when wanted, a new journal. The order is the rule that keeps
 * "verified" honest: no byte that a durable journal vouches for may change (here: be truncated
 * to zeros) before that journal is durably gone, or a crash in between would leave an old
 * journal that claims zeros.
 */
export async function createFresh(
  fs: FileSystem,
  paths: DownloadPaths,
  length: number,
  header: JournalHeader | null,
): Promise<StartingPoint> {
  // The directory exists: download() made it (durably) before taking the lock in it.
  await Journal.remove(fs, paths.journal);
  const file = await fs.open(paths.partial, { create: true, truncate: true });
  try {
    await file.truncate(length);
    // Only a journal will vouch for bytes of this file, so only then must it be durable first.
    // Without one, the bytes are synced before the rename that publishes them.
    if (header) {
      await file.datasync();
      await fs.syncDir(paths.directory);
    }
    const journal = header ? await Journal.create(fs, paths.journal, header) : null;
    return { file, journal, segments: [], fresh: true };
  } catch (error) {
    // Nothing was downloaded yet: leave nothing behind.
    await file.close().catch(() => {});
    await fs.remove(paths.partial).catch(() => {});
    throw error;
  }
}

/**
 * Remove the journal (when present), durably, then the partial file: never the data first, or a
 * crash in between would leave a journal beside a file that no longer holds what it claims.
 */
export async function discard(fs: FileSystem, paths: DownloadPaths): Promise<void> {
  await Journal.remove(fs, paths.journal);
  await fs.remove(paths.partial);
  await fs.syncDir(dirname(paths.partial));
}
