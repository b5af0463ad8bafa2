/**
 * `ossdl status <checkpoint>`: what an interrupted download has done, read offline from its
 * journal (given as the journal path, or as the destination whose default journal to read). Given
 * a directory, it shows every download journal (`*.ossdl-journal`) directly inside it: a download
 * into a directory keeps its journal there, beside the file it is writing.
 *
 * @module
 */
import { FileSystemError, OssdlError } from "../errors.ts";
import { JOURNAL_SUFFIX, PARTIAL_SUFFIX } from "../download/options.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { FileSystem } from "../fs/file_system.ts";
import { replayJournal } from "../journal/journal.ts";
import { JOURNAL_MAGIC } from "../journal/journal_codec.ts";
import { describeError } from "./exit_codes.ts";
import { formatBytes } from "./format_units.ts";
import { formatJournalStatus, type JournalStatus, journalStatus } from "./journal_status.ts";
import { listDirectory } from "./list_directory.ts";
import { UsageError } from "./usage_error.ts";

// The journal that `status <path>` reads: `path + ".ossdl-journal"` when that file exists (so
// the destination names its journal even when a finished download, or a new download over an old
// file, left a data file at `path`), otherwise `path` itself (a journal, or a --checkpoint path).
async function findJournal(
  path: string,
  files: FileSystem,
): Promise<{ path: string; direct: boolean }> {
  const info = await files.stat(path);
  const beside = path + JOURNAL_SUFFIX;
  if ((await files.stat(beside))?.isFile) return { path: beside, direct: false };
  if (info?.isFile) return { path, direct: true };
  throw new FileSystemError("FS_NOT_FOUND", "read checkpoint", path);
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= JOURNAL_MAGIC.length && JOURNAL_MAGIC.every((b, i) => bytes[i] === b);
}

/** The partial file beside a journal with the usual suffix, and its size (`null`: missing). */
interface PartialFile {
  path: string;
  size: number | null;
}

/** One journal's status and its partial file. */
interface Shown {
  status: JournalStatus;
  partial: PartialFile | null;
}

async function readStatus(
  journalPath: string,
  files: FileSystem,
  bytes?: Uint8Array,
): Promise<Shown> {
  const replay = await replayJournal(bytes ?? await files.readFile(journalPath));
  const status = journalStatus(journalPath, replay);
  let partial: PartialFile | null = null;
  if (journalPath.endsWith(JOURNAL_SUFFIX)) {
    const p = journalPath.slice(0, -JOURNAL_SUFFIX.length) + PARTIAL_SUFFIX;
    const pInfo = await files.stat(p);
    partial = { path: p, size: pInfo?.isFile ? pInfo.size : null };
  }
  return { status, partial };
}

function textOf({ status, partial }: Shown): string {
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
  return lines.join("\n") + "\n";
}

function recordOf({ status, partial }: Shown): Record<string, unknown> {
  return { ...status, partialFile: partial };
}

/** Options of {@linkcode runStatus}. */
export interface StatusOptions {
  /** Print JSON instead of text. @default false */
  json?: boolean;
  /** Writes to stdout. */
  writeOut: (text: string) => void;
  /** The file system. @default defaultFileSystem() */
  fs?: FileSystem;
  /** Lists a directory's entry names (for `status <directory>`). @default node:fs readdir */
  listDirectory?: (path: string) => Promise<string[]>;
}

/**
 * Prints the status of the journal at `path + ".ossdl-journal"` when that exists, otherwise at
 * `path`; returns the exit code. A missing file throws a {@linkcode FileSystemError}, a file that
 * is no journal (a finished download's data, with no journal beside it) a {@linkcode UsageError},
 * a damaged journal a `JournalDamagedError`.
 *
 * When `path` is a directory, every `*.ossdl-journal` directly inside it is shown, sorted by name
 * (text: one block each; `--json`: one object `{ directory, downloads, unreadable }`). A journal
 * that cannot be read is listed with its error, and the exit code is that of the first such
 * journal (10 for a damaged one); 0 when all were read, also when there are none.
 *
 * @example
 * ```ts ignore
 * import { runStatus } from "./status_command.ts";
 * await runStatus("./big.bin.ossdl-journal", { writeOut: (t) => console.log(t) });
 * await runStatus("./downloads/", { json: true, writeOut: (t) => console.log(t) });
 * ```
 */
export async function runStatus(path: string, options: StatusOptions): Promise<number> {
  const files = options.fs ?? await defaultFileSystem();
  const { writeOut } = options;
  if ((await files.stat(path))?.isDirectory) {
    return await runDirectoryStatus(path, files, options);
  }
  const found = await findJournal(path, files);
  const bytes = await files.readFile(found.path);
  if (found.direct && !found.path.endsWith(JOURNAL_SUFFIX) && !startsWithMagic(bytes)) {
    throw new UsageError(
      `${JSON.stringify(path)} is not a checkpoint journal, and there is no ` +
        `${JSON.stringify(path + JOURNAL_SUFFIX)} beside it`,
      "a finished download removes its journal; give the destination or the journal " +
        `(<destination>${JOURNAL_SUFFIX}, or the --checkpoint path) of an interrupted download`,
    );
  }
  const shown = await readStatus(found.path, files, bytes);
  writeOut(options.json ? JSON.stringify(recordOf(shown)) + "\n" : textOf(shown));
  return 0;
}

async function runDirectoryStatus(
  path: string,
  files: FileSystem,
  options: StatusOptions,
): Promise<number> {
  const list = options.listDirectory ?? listDirectory;
  const prefix = /[\\/]$/.test(path) ? path : path + "/";
  const names = (await list(path)).filter((n) => n.endsWith(JOURNAL_SUFFIX)).sort();
  const shown: Shown[] = [];
  const unreadable: Array<{ checkpoint: string; code: string; exitCode: number; message: string }> =
    [];
  const texts: string[] = [];
  for (const name of names) {
    const journalPath = prefix + name;
    if (!(await files.stat(journalPath))?.isFile) continue;
    try {
      const one = await readStatus(journalPath, files);
      shown.push(one);
      texts.push(textOf(one));
    } catch (error) {
      if (!(error instanceof OssdlError)) throw error;
      const report = describeError(error);
      unreadable.push({
        checkpoint: journalPath,
        code: report.code,
        exitCode: report.exitCode,
        message: report.message,
      });
      texts.push(`checkpoint     ${journalPath}: cannot be read: ${report.message}\n`);
    }
  }
  if (options.json) {
    options.writeOut(
      JSON.stringify({ directory: path, downloads: shown.map(recordOf), unreadable }) + "\n",
    );
  } else if (texts.length === 0) {
    options.writeOut(`no download journals (*${JOURNAL_SUFFIX}) in ${path}\n`);
  } else {
    const count = texts.length;
    options.writeOut(
      `${count} download journal${count === 1 ? "" : "s"} in ${path}:\n\n` + texts.join("\n"),
    );
  }
  return unreadable.length > 0 ? unreadable[0].exitCode : 0;
}
