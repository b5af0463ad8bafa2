/**
 * From an object key to a safe path inside the destination directory of a prefix download
 * (`get -r oss://bucket/prefix dir/`), and the detection of keys whose paths collide.
 *
 * {@linkcode relativePathForKey} is a pure function: the local path is the key without the
 * prefix's part up to and including its last `/`, and anything that could leave the directory or
 * is not one plain relative path is refused with a reason. {@linkcode PathClaims} remembers the
 * paths mapped so far in a run and refuses a path that collides with an earlier one (a file that
 * another key needs as a directory, or two keys equal under case folding on a case-insensitive
 * file system).
 *
 * @module
 */
import { utf8Length } from "../oss/key_order.ts";

/** Longest segment (file or directory name), in UTF-8 bytes: NAME_MAX on Linux, macOS, Windows. */
export const MAX_SEGMENT_BYTES = 255;

/** Longest relative path, in UTF-8 bytes: PATH_MAX on Linux. */
export const MAX_PATH_BYTES = 4096;

/**
 * What {@linkcode relativePathForKey} decides for a key: download it to `path`, skip it because it
 * is a directory marker (a key ending in `/`; `path` is the directory, `""` for the prefix's own
 * directory), or refuse it (`error` says why, in words a person can act on).
 */
export type KeyPath =
  | { path: string }
  | { skip: "directory"; path: string }
  | { error: string };

/** Options of {@linkcode relativePathForKey}. */
export interface KeyPathOptions {
  /**
   * Also refuse names Windows cannot hold or would change: the characters `<>:"|?*`, a name
   * ending in `.` or a space, and the device names (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`,
   * `LPT1`-`LPT9`, with or without an extension). Turn it on when writing on Windows.
   * @default false
   */
  windowsNames?: boolean;
}

// C0 controls, DEL and C1 controls.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// ossdl's own files beside a destination: x.ossdl-part, x.ossdl-journal(.tmp|.compact),
// x.ossdl-lock, .ossdl-manifest(.tmp) (any case: file systems may ignore it).
const OSSDL_NAME = /\.ossdl-[a-z]+(?:\.tmp|\.compact)?$/i;
const WINDOWS_CHARS = /[<>:"|?*]/;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

const ABSOLUTE = "its path would be absolute (it starts with /)";

/** Shows a key in a message: JSON-quoted (control characters escaped), long keys shortened. */
function show(text: string): string {
  const s = JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
  // JSON.stringify leaves C1 controls and lone surrogates raw: escape them too.
  return s.replace(
    /[\u007f-\u009f\ud800-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Why `rel` (non-empty, the part of the key below the prefix) is not a safe path, or null. */
function checkRelative(rel: string, options: KeyPathOptions): string | null {
  if (LONE_SURROGATE.test(rel)) return "it is not valid Unicode (a lone surrogate)";
  if (CONTROL.test(rel)) return "it contains a control character";
  if (rel.includes("\\")) return "it contains a backslash (\\), a separator on Windows";
  if (rel.startsWith("/")) return ABSOLUTE;
  const bytes = utf8Length(rel);
  if (bytes > MAX_PATH_BYTES) return `its path is ${bytes} bytes long, more than ${MAX_PATH_BYTES}`;
  for (const segment of rel.split("/")) {
    if (segment === "") return "its path has an empty segment (//)";
    if (segment === "." || segment === "..") {
      return `its path has a "${segment}" segment, which could leave the directory`;
    }
    if (OSSDL_NAME.test(segment)) {
      return `the name ${
        show(segment)
      } ends like ossdl's own files (.ossdl-part, .ossdl-journal, ` +
        ".ossdl-lock, .ossdl-manifest), which it would overwrite or be overwritten by";
    }
    const n = utf8Length(segment);
    if (n > MAX_SEGMENT_BYTES) {
      return `the name ${show(segment)} is ${n} bytes long, more than ${MAX_SEGMENT_BYTES}`;
    }
    if (options.windowsNames) {
      if (WINDOWS_CHARS.test(segment)) {
        return `the name ${show(segment)} contains a character Windows refuses (<>:"|?*)`;
      }
      if (/[. ]$/.test(segment)) {
        return `the name ${show(segment)} ends in a dot or a space, which Windows drops`;
      }
      if (WINDOWS_DEVICE.test(segment)) {
        return `the name ${show(segment)} is a Windows device name`;
      }
    }
  }
  return null;
}

/**
 * Where the object `key`, listed under `prefix`, goes below the destination directory: the key
 * without the prefix's part up to and including the prefix's last `/`. With prefix `data/2024/`,
 * key `data/2024/x/y.bin` goes to `x/y.bin`; with prefix `data/20`, to `2024/x/y.bin`; an empty
 * prefix keeps the whole key. The returned path uses `/` and is relative to the destination
 * directory.
 *
 * A key ending in `/` is a directory marker (what consoles create for an empty "folder"): it
 * yields `{ skip: "directory", path }` with the directory's path (no trailing `/`; `""` for the
 * prefix's own directory), and no file.
 *
 * Refused (`{ error }`, never thrown), because the path could leave the directory or would not be
 * the one plain relative path the key names: a key that does not start with the prefix, an empty
 * path, a `.` or `..` segment, an empty segment (`a//b`), a leading `/`, a backslash, a NUL or
 * other control character (U+0000-U+001F, U+007F-U+009F), a lone UTF-16 surrogate (the file
 * name would be changed), a name ending like ossdl's own files (`.ossdl-part`, `.ossdl-journal`,
 * `.ossdl-lock`, `.ossdl-manifest`, also followed by `.tmp` or `.compact`, in any case: the
 * download of another key, or the manifest, would clash with it), a segment longer than {@linkcode MAX_SEGMENT_BYTES} UTF-8 bytes and a
 * path longer than {@linkcode MAX_PATH_BYTES}; with `windowsNames`, also names Windows cannot
 * hold. The same rules apply to the path of a directory marker. Whether two keys' paths collide
 * is {@linkcode PathClaims}' job.
 *
 * @example
 * ```ts
 * import { relativePathForKey } from "./key_path.ts";
 * relativePathForKey("data/2024/x/y.bin", "data/2024/"); // { path: "x/y.bin" }
 * relativePathForKey("data/2024/x/y.bin", "data/20"); // { path: "2024/x/y.bin" }
 * relativePathForKey("data/2024/x/", "data/2024/"); // { skip: "directory", path: "x" }
 * relativePathForKey("data/2024/", "data/2024/"); // { skip: "directory", path: "" }
 * relativePathForKey("data/2024/../../etc/passwd", "data/2024/");
 * // { error: 'the key "data/2024/../../etc/passwd" is not downloaded: its path has a ".." ...' }
 * ```
 */
export function relativePathForKey(
  key: string,
  prefix: string,
  options: KeyPathOptions = {},
): KeyPath {
  const refuse = (why: string): KeyPath => ({
    error: `the key ${show(key)} is not downloaded: ${why}`,
  });
  if (!key.startsWith(prefix)) return refuse(`it does not start with the prefix ${show(prefix)}`);
  const rel = key.slice(prefix.lastIndexOf("/") + 1);
  if (rel === "") {
    // The key is the prefix's directory part: its marker when it ends in "/", else "".
    return key.endsWith("/") ? { skip: "directory", path: "" } : refuse("its path is empty");
  }
  if (rel.endsWith("/")) {
    const dir = rel.slice(0, -1);
    const why = dir === "" ? ABSOLUTE : checkRelative(dir, options);
    return why === null ? { skip: "directory", path: dir } : refuse(why);
  }
  const why = checkRelative(rel, options);
  return why === null ? { path: rel } : refuse(why);
}

/** Options of {@linkcode PathClaims}. */
export interface PathClaimsOptions {
  /**
   * The file system ignores case (Windows, macOS by default): paths equal after case folding
   * collide. Folding is `toUpperCase().toLowerCase()`, broader than any file system's, so a
   * collision is never missed (a rare false alarm is possible, e.g. `ß` and `ss`).
   * @default false
   */
  caseInsensitive?: boolean;
  /**
   * The file system ignores Unicode normalization (macOS): paths equal after NFC normalization
   * collide (`é` as one code point or as `e` plus a combining accent).
   * @default false
   */
  normalizationInsensitive?: boolean;
}

/**
 * Detects keys whose paths collide, as the keys are mapped in listing order: a path claimed as a
 * file that another key needs as a directory (`a` and `a/b`, in either order), the same path twice,
 * and, when the file system is declared case- or normalization-insensitive, two paths the file
 * system would take for one. Directories may be claimed any number of times (a directory marker
 * and the files in it do not collide).
 *
 * It remembers one run: across runs, what is on disk is known only through the manifest.
 *
 * Memory: one `Map` entry per claimed file path and one per distinct directory (a directory is
 * stored once however many keys it holds), each about 30-40 bytes plus the path's string (about
 * 16 bytes plus 1 byte per character for Latin-1 text, else 2; the caller's string is kept, not
 * copied). With case or normalization folding on, the folded path is a second string beside the
 * original one. A million keys with 60-character paths in a few thousand directories: about
 * 110 MB (estimated from V8's layouts, not measured).
 *
 * @example
 * ```ts
 * import { PathClaims } from "./key_path.ts";
 * const claims = new PathClaims({ caseInsensitive: true });
 * claims.claim("a/b.txt", "file"); // null: fine
 * claims.claim("a", "file"); // 'the file "a" is also the directory of "a/b.txt"'
 * claims.claim("A/B.TXT", "file"); // 'the path "A/B.TXT" is the same file as "a/b.txt" ...'
 * claims.claim("a", "dir"); // null: a directory marker for a directory already there
 * ```
 */
export class PathClaims {
  /** Folded file path → the path as claimed. */
  #files = new Map<string, string>();
  /** Folded directory path → the first file or directory path that needed it. */
  #dirs = new Map<string, string>();
  #fold: (path: string) => string;
  #folding: boolean;

  /**
   * Make an empty set of claims.
   *
   * @param options how the file system compares names
   */
  constructor(options: PathClaimsOptions = {}) {
    const nfc = options.normalizationInsensitive === true;
    const ci = options.caseInsensitive === true;
    this.#folding = nfc || ci;
    this.#fold = (p) => {
      let out = nfc ? p.normalize("NFC") : p;
      if (ci) out = out.toUpperCase().toLowerCase();
      return out;
    };
  }

  /** How many file paths have been claimed. */
  get files(): number {
    return this.#files.size;
  }

  /** How many distinct directories the claimed paths need. */
  get directories(): number {
    return this.#dirs.size;
  }

  /**
   * Claims `path` (a path from {@linkcode relativePathForKey}) as a file or as a directory, with
   * its parent directories. Returns `null` when it fits with every earlier claim; otherwise a
   * reason naming the earlier path it collides with, and nothing is claimed. Throws a
   * `TypeError` for an empty path or one that starts or ends with `/`. The empty path claimed as
   * a directory (the prefix's own directory marker) always fits.
   *
   * @example
   * ```ts
   * import { PathClaims } from "./key_path.ts";
   * const claims = new PathClaims();
   * claims.claim("logs", "file"); // null
   * claims.claim("logs/2024.txt", "file"); // 'the directory "logs" of "logs/2024.txt" is ...'
   * ```
   */
  claim(path: string, kind: "file" | "dir"): string | null {
    if (kind === "dir" && path === "") return null;
    if (path === "" || path.startsWith("/") || path.endsWith("/")) {
      throw new TypeError(`not a relative path: ${show(path)}`);
    }
    if (kind !== "file" && kind !== "dir") {
      throw new TypeError(`kind must be "file" or "dir", got ${show(String(kind))}`);
    }
    const folded = this.#fold(path);
    const file = this.#files.get(folded);
    if (file !== undefined) {
      if (kind === "dir") return `the directory ${show(path)} is also the file ${show(file)}`;
      return file === path
        ? `the path ${show(path)} is claimed twice`
        : `the path ${show(path)} is the same file as ${show(file)} on this file system ` +
          "(names differ only in case or Unicode normalization)";
    }
    if (kind === "file") {
      const dir = this.#dirs.get(folded);
      if (dir !== undefined) return `the file ${show(path)} is also the directory of ${show(dir)}`;
    }
    // Parents, deepest first. A directory already claimed has all its parents claimed as
    // directories too (claims are all-or-nothing), so the first known one ends the walk.
    const missing: string[] = [];
    for (let i = folded.lastIndexOf("/"); i > 0; i = folded.lastIndexOf("/", i - 1)) {
      const parent = folded.slice(0, i);
      if (this.#dirs.has(parent)) break;
      const other = this.#files.get(parent);
      if (other !== undefined) {
        // (`parent` is folded: with folding on, the directory as the file system compares it.)
        return `the directory ${show(parent)} of ${show(path)} is the file ${show(other)}`;
      }
      missing.push(parent);
    }
    const original = this.#folding ? path : folded;
    if (kind === "file") this.#files.set(folded, original);
    else if (!this.#dirs.has(folded)) this.#dirs.set(folded, original);
    for (const parent of missing) this.#dirs.set(parent, original);
    return null;
  }
}
