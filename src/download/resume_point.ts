/**
 * Where a run can pick up an earlier one: the journal must replay and describe this download, the
 * partial file must be there with the right size, and every byte the journal vouches for must
 * read back with the CRC-64 it recorded. Bytes that do not are forgotten (the journal is
 * superseded by one that no longer claims them, before anything overwrites them) and fetched
 * again. When the partial file is gone because the last run renamed it into place, the
 * destination is checked instead and the download is finished.
 *
 * @module
 */
import type { FileSystem, PositionalFile } from "../fs/file_system.ts";
import { Journal, type JournalHeader } from "../journal/journal.ts";
import type { DownloadNotice } from "./options.ts";
import { type DownloadPaths, openExisting, type StartingPoint } from "./prepare_files.ts";
import { finishFromDestination } from "./recover_finished.ts";
import { verifyKept } from "./verify_kept.ts";

/** What an earlier run left that this one can use. */
export type ResumePoint =
  | { kind: "resume"; start: StartingPoint; bytesReadBack: number }
  | { kind: "finished"; crc64: bigint };

/**
 * The point to resume from, or `null` to start afresh (after telling why). Every handle it opens
 * is closed when it throws or returns `null`.
 *
 * @example
 * ```ts ignore
 * const point = await resumePoint(fs, paths, header, notice, signal);
 * if (point === null) start = await createFresh(fs, paths, length, header);
 * ```
 */
export async function resumePoint(
  fs: FileSystem,
  paths: DownloadPaths,
  header: JournalHeader,
  notice: (n: DownloadNotice) => void,
  signal?: AbortSignal,
): Promise<ResumePoint | null> {
  const existing = await openExisting(fs, paths, header, notice);
  if (!existing) return null;
  const { journal } = existing;
  const length = header.rangeEnd - header.rangeStart;
  let file: PositionalFile | null = null;
  try {
    const info = await fs.stat(paths.partial);
    if (!info?.isFile || info.size !== length) {
      const finished = await finishFromDestination(fs, paths, existing.segments, header);
      await journal.close();
      if (finished !== null) {
        await Journal.remove(fs, paths.journal);
        return { kind: "finished", crc64: finished };
      }
      notice({
        code: "PARTIAL_MISSING",
        message:
          `the partial file ${paths.partial} is missing or has the wrong size; starting over`,
      });
      return null;
    }
    file = await fs.open(paths.partial);
    const check = await verifyKept(file, existing.segments, header.rangeStart, signal);
    if (check.damaged.length > 0) {
      const bytes = check.damaged.reduce((n, s) => n + (s.end - s.start), 0);
      const where = check.damaged.slice(0, 3).map((s) => `${s.start}-${s.end - 1}`).join(", ");
      const more = check.damaged.length > 3 ? ` and ${check.damaged.length - 3} more` : "";
      notice({
        code: "KEPT_BYTES_DAMAGED",
        message: `${bytes} bytes kept from the earlier run (bytes ${where}${more}) no longer ` +
          `match the CRC-64 the journal recorded for them: the partial file was changed or ` +
          `damaged; fetching them again`,
      });
      // Forget them durably before anything overwrites them.
      await journal.retain(check.good);
    }
    return {
      kind: "resume",
      start: { file, journal, segments: check.good, fresh: false },
      bytesReadBack: check.bytesRead,
    };
  } catch (error) {
    await file?.close().catch(() => {});
    await journal.close().catch(() => {});
    throw error;
  }
}
