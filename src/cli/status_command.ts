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
import { formatBytes } from "./format_units.ts";
import { formatJournalStatus, journalStatus } from "./journal_status.ts";

/**
 * Prints the status of the journal at `path` (or `path + ".ossdl-journal"`); returns the exit
 * code. A missing file throws a {@linkcode FileSystemError}, a damaged journal a
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
  let journalPath = path;
  const info = await files.stat(path);
  if (info === null || info.isDirectory) {
    const beside = path.replace(/[\\/]+$/, "") + JOURNAL_SUFFIX;
    if ((await files.stat(beside))?.isFile) journalPath = beside;
    else throw new FileSystemError("FS_NOT_FOUND", "read checkpoint", path);
  }
  const replay = await replayJournal(await files.readFile(journalPath));
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
