/**
 * Where a download writes: the file name a source gets inside a destination directory, and the
 * paths of the destination, its partial file and its journal.
 *
 * The name comes from the source: an `oss://bucket/key` URI (or `{ key }`) gives the last
 * `/`-separated segment of the raw key (OSS keys are never percent-decoded); an http(s) URL gives
 * the last segment of its pathname (query and fragment ignored), percent-decoded exactly once. A
 * segment that is not valid percent-encoding (`100%.txt`) is kept as it is.
 *
 * Policy: the decoded name is used as it is or refused, never rewritten. It is refused with an
 * {@linkcode UnsafeFileNameError} (a `TypeError`) when it is empty (a key or URL ending in `/`),
 * `.` or `..`, longer than 255 UTF-8 bytes, or holds a `/`, a `\`, NUL or another control
 * character (U+0000-U+001F, U+007F-U+009F). So a URL ending in `..%2F..%2Fhome%2Fu%2F.bashrc`
 * can never name a file outside the directory; a double-encoded `..%252F` decodes once to the
 * literal, harmless name `..%2F`. The fix for a refused name is to give a file name as the
 * destination instead of a directory.
 *
 * Web standards only (core).
 *
 * @module
 */
import type { FileSystem } from "../fs/file_system.ts";
import { dirname } from "../path.ts";
import { JOURNAL_SUFFIX, PARTIAL_SUFFIX } from "./options.ts";
import type { DownloadPaths } from "./prepare_files.ts";

/** The longest file name accepted, in UTF-8 bytes (the limit of common file systems). */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * A source cannot name a file inside a destination directory: its last segment is empty, `.`,
 * `..`, too long, or holds a path separator or a control character. A `TypeError` (a bad
 * argument: the CLI exits with 2); `hint` says what to do.
 *
 * @example
 * ```ts
 * import { fileNameFromSource, UnsafeFileNameError } from "./destination_path.ts";
 * try {
 *   fileNameFromSource("https://example.com/b/..%2F..%2Fetc%2Fpasswd");
 * } catch (e) {
 *   console.log(e instanceof UnsafeFileNameError, e instanceof TypeError); // true true
 * }
 * ```
 */
export class UnsafeFileNameError extends TypeError {
  /** A stable code for callers. */
  readonly code = "UNSAFE_FILE_NAME" as const;
  /** What to do next. */
  readonly hint: string;
  /** The name as decoded from the source (may hold control characters: print it with JSON). */
  readonly fileName: string;

  /**
   * Make the error.
   *
   * @param fileName the decoded name that was refused
   * @param reason why, e.g. `it contains "/"`
   */
  constructor(fileName: string, reason: string) {
    super(`cannot name a file after the source: ${JSON.stringify(fileName)} ${reason}`);
    this.name = "UnsafeFileNameError";
    this.fileName = fileName;
    this.hint = "give a file name as the destination (e.g. ./downloads/file.bin) instead of a " +
      "directory";
  }
}

// C0 controls (NUL included), DEL and the C1 controls.
// deno-lint-ignore no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The one safe file name a source gets inside a destination directory (see the module doc for the
 * rules): the last segment of an `oss://` key taken literally, or of an http(s) URL's pathname
 * percent-decoded once.
 *
 * @param source `oss://bucket/key`, an http(s) URL, or `{ key }` (a `{ bucket, key }` source)
 * @returns the file name, with no separator
 * @throws {UnsafeFileNameError} when the name is empty, `.`, `..`, longer than 255 UTF-8 bytes,
 *   or holds `/`, `\` or a control character
 * @throws {TypeError} when `source` is neither `oss://...`, an http(s) URL nor `{ key }`
 *
 * @example
 * ```ts
 * import { fileNameFromSource } from "./destination_path.ts";
 * fileNameFromSource("oss://my-bucket/big/file.zip"); // "file.zip"
 * fileNameFromSource("https://h.example/b/r%C3%A9sum%C3%A9.pdf?x-oss-signature=s"); // "résumé.pdf"
 * fileNameFromSource({ key: "dir/a b+c.txt" }); // "a b+c.txt"
 * ```
 */
export function fileNameFromSource(source: string | { key: string }): string {
  if (typeof source === "object" && source !== null && typeof source.key === "string") {
    return checkedName(lastSegment(source.key));
  }
  if (typeof source !== "string") {
    throw new TypeError("the source must be oss://bucket/key, { bucket, key } or an http(s) URL");
  }
  if (/^oss:\/\//i.test(source)) {
    const rest = source.slice("oss://".length);
    const slash = rest.indexOf("/");
    return checkedName(slash < 0 ? "" : lastSegment(rest.slice(slash + 1)));
  }
  if (/^https?:\/\//i.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new TypeError("not a valid URL (expected http:// or https://)");
    }
    const raw = lastSegment(url.pathname);
    let name = raw;
    try {
      name = decodeURIComponent(raw);
    } catch {
      // Not percent-encoding (a literal "%"): the segment is the name, as it stands.
    }
    return checkedName(name);
  }
  throw new TypeError("the source must be oss://bucket/key, { bucket, key } or an http(s) URL");
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function checkedName(name: string): string {
  let reason: string | null = null;
  if (name === "") reason = 'is empty (the key or URL ends with "/")';
  else if (name === "." || name === "..") reason = "is a relative directory reference";
  else if (name.includes("/")) reason = 'contains "/"';
  else if (name.includes("\\")) reason = 'contains "\\"';
  else if (CONTROL_RE.test(name)) reason = "contains a NUL or control character";
  else if (new TextEncoder().encode(name).length > MAX_FILE_NAME_BYTES) {
    reason = `is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  }
  if (reason !== null) throw new UnsafeFileNameError(name, reason);
  return name;
}

/**
 * The paths of a download: the destination file (inside `destination` when that is an existing
 * directory or ends with `/` or `\`, named by {@linkcode fileNameFromSource}), the partial file
 * beside it (`+ ".ossdl-part"`), the journal (`checkpoint`, or `+ ".ossdl-journal"`) and the
 * destination's directory. Only `fs.stat` is called.
 *
 * @param fs the file system (to see whether `destination` is a directory)
 * @param destination a file path, or a directory
 * @param source the download's source as given (`oss://bucket/key`, an http(s) URL, `{ key }`);
 *   only used to name a file inside a directory
 * @param checkpoint the journal path, when not the default
 * @throws {UnsafeFileNameError} when the destination is a directory and the source cannot name a
 *   safe file in it
 *
 * @example
 * ```ts
 * import { resolveDownloadPaths } from "./destination_path.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * const p = await resolveDownloadPaths(fs, "/data/", "oss://b/dir/file.zip");
 * p.destination; // "/data/file.zip"
 * p.partial; // "/data/file.zip.ossdl-part"
 * p.journal; // "/data/file.zip.ossdl-journal"
 * p.directory; // "/data"
 * ```
 */
export async function resolveDownloadPaths(
  fs: FileSystem,
  destination: string,
  source: string | { key: string },
  checkpoint?: string,
): Promise<DownloadPaths> {
  let path = destination;
  if (/[\\/]$/.test(path) || (await fs.stat(path))?.isDirectory) {
    path = path.replace(/[\\/]*$/, "/") + fileNameFromSource(source);
  }
  return {
    destination: path,
    partial: path + PARTIAL_SUFFIX,
    journal: checkpoint ?? path + JOURNAL_SUFFIX,
    directory: dirname(path),
  };
}
