/**
 * `ossdl status <checkpoint>`: what an interrupted download has done, read offline from its
 * journal (given as the journal path, or as the destination whose default journal to read).
 *
 * @module
 */
import { FileSystemError } from "../errors.ts";
import { JOURNAL_SUFFIX, PARTIAL_SUFFIX } from "../download/options.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { FileSystem } from "../fs/file_system.ts";
import { replayJournal } from "../journal/journal.ts";
import { JOURNAL_MAGIC } from "../journal/journal_codec.ts";
import { formatBytes } from "./format_units.ts";
import { formatJournalStatus, journalStatus } from "./journal_status.ts";
import { UsageError } from "./usage_error.ts";

// The journal that `status <path>` reads: `path + ".ossdl-journal"` when that file exists (so
// the destination names its journal even when a finished download, or a new download over an old
// file, left a data file at `path`), otherwise `path` itself (a journal, or a --checkpoint path).
// A directory is a usage error: a directory destination keeps one journal per key inside it.
async function findJournal(
  path: string,
  files: FileSystem,
): Promise<{ path: string; direct: boolean }> {
  const info = await files.stat(path);
  if (info?.isDirectory) {
    const dir = path.replace(/[\\/]+$/, "");
    throw new UsageError(
      `${JSON.stringify(path)} is a directory: status reads one download's journal`,
      `give the journal or the destination file; a download into a directory keeps its journal ` +
        `inside it, as ${dir}/<name>${JOURNAL_SUFFIX}`,
    );
  }
  const beside = path + JOURNAL_SUFFIX;
  if ((await files.stat(beside))?.isFile) return { path: beside, direct: false };
  if (info?.isFile) return { path, direct: true };
  throw new FileSystemError("FS_NOT_FOUND", "read checkpoint", path);
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= JOURNAL_MAGIC.length && JOURNAL_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Prints the status of the journal at `path + ".ossdl-journal"` when that exists, otherwise at
 * `path`; returns the exit code. A missing file throws a
 * {@linkcode FileSystemError}, a directory or a file that is no journal (a finished download's
 * data, with no journal beside it) a {@linkcode UsageError}, a damaged journal a
 * `JournalDamagedError`.
 *
 * @example
 * ```ts ignore
 * import { runStatus } from "./status_command.ts";
 * await runStatus("./big.bin.ossdl-journal", false, (t) => console.log(t));
 * ```
 */
export async function runStatus(
  path: string,
  json: boolean,
  writeOut: (text: string) => void,
  fs?: FileSystem,
): Promise<number> {
  const files = fs ?? await defaultFileSystem();
  const found = await findJournal(path, files);
  const journalPath = found.path;
  const bytes = await files.readFile(journalPath);
  if (found.direct && !journalPath.endsWith(JOURNAL_SUFFIX) && !startsWithMagic(bytes)) {
    throw new UsageError(
      `${JSON.stringify(path)} is not a checkpoint journal, and there is no ` +
        `${JSON.stringify(path + JOURNAL_SUFFIX)} beside it`,
      "a finished download removes its journal; give the destination or the journal " +
        `(<destination>${JOURNAL_SUFFIX}, or the --checkpoint path) of an interrupted download`,
    );
  }
  const replay = await replayJournal(bytes);
  const status = journalStatus(journalPath, replay);
  let partial: { path: string; size: number | null } | null = null;
  if (journalPath.endsWith(JOURNAL_SUFFIX)) {
    const p = journalPath.slice(0, -JOURNAL_SUFFIX.length) + PARTIAL_SUFFIX;
    const pInfo = await files.stat(p);
    partial = { path: p, size: pInfo?.isFile ? pInfo.size : null };
  }
  if (json) {
    writeOut(JSON.stringify({ ...status, partialFile: partial }) + "\n");
    return 0;
  }
  const lines = formatJournalStatus(status);
  if (partial) {
    lines.splice(
      1,
      0,
      `partial file   ${partial.path} ` +
        (partial.size === null
          ? "(missing: a rerun starts over)"
          : `(${formatBytes(partial.size)})`),
    );
  }
  writeOut(lines.join("\n") + "\n");
  return 0;
}
