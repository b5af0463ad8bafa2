/**
 * The manifest of a prefix download: a durable, append-only list of the objects that are complete
 * in a destination directory (`<dir>/.ossdl-manifest`), so that running the same `get -r` again
 * skips them without reading them back.
 *
 * ## Byte layout (all integers little-endian)
 *
 * ```
 * file    = magic frame*                  magic = the 8 ASCII bytes "OSSDLMAN"
 * frame   = u32 n | u32 ~n | u32 crc32c(payload) | payload     (n = payload length, n >= 1)
 * payload = 0x01 JSON({"format":1})                            the first frame, and only it
 *         | 0x02 JSON([record, ...])                           finished objects
 * record  = [key, size, etag, crc64, localSize, mtimeMs, path]
 *         | [key, size, etag, crc64, localSize, mtimeMs, path, 0]  written without fsync
 * ```
 *
 * Frames are the checkpoint journal's (`journal_codec.ts`): a length guarded by its complement
 * and a CRC-32C of the payload. A record is a JSON array with the fields of
 * {@linkcode ManifestRecord} in that order. A later record for a key supersedes earlier ones.
 *
 * ## Durability
 *
 * One `append` is one frame written with one write and made durable with one `datasync` (group
 * commit), so a crash can only tear the last frame. The file is created, and compacted when
 * superseded records make up more than half of it, by writing a complete file to
 * `<path>.tmp`, datasyncing it, renaming it over the manifest and syncing the directory: a crash
 * leaves the old or the new file, never a half-written one. When `append` returns, its records
 * survive any crash; when a crash interrupts it, all or none of its records are read back.
 *
 * ## Replay
 *
 * A torn last frame (incomplete, or bad with no valid frame anywhere after it) is dropped
 * silently: it was an append that never returned. Anything else that is wrong (a foreign magic,
 * a bad or missing header, an unknown format, a bad frame followed by a valid one, a record that
 * is not well formed) means the file cannot be trusted. The manifest then does **not** fail: it
 * opens empty, says why in {@linkcode Manifest.damage}, and its first append replaces the file.
 * Trusting nothing is always safe (objects are then checked or downloaded again), so a damaged
 * manifest costs time, never correctness, and never stops a download.
 *
 * @module
 */

import type { FileSystem, PositionalFile } from "../fs/file_system.ts";
import { dirname } from "../path.ts";
import { crc32c } from "../journal/_crc32c.ts";
import { FRAME_OVERHEAD, readFrame } from "../journal/journal_codec.ts";
import { utf8Length } from "../oss/key_order.ts";

/**
 * The manifest's file name in the destination directory.
 *
 * @example
 * ```ts
 * import { MANIFEST_NAME } from "./manifest.ts";
 * const path = `/data/out/${MANIFEST_NAME}`; // "/data/out/.ossdl-manifest"
 * ```
 */
export const MANIFEST_NAME = ".ossdl-manifest";

/**
 * The 8 bytes every manifest starts with (`"OSSDLMAN"`).
 *
 * @example
 * ```ts
 * import { MANIFEST_MAGIC } from "./manifest.ts";
 * new TextDecoder().decode(MANIFEST_MAGIC); // "OSSDLMAN"
 * ```
 */
export const MANIFEST_MAGIC: Uint8Array = new TextEncoder().encode("OSSDLMAN");

/** The format version this code writes and reads. */
export const MANIFEST_FORMAT = 1;

/**
 * One finished object: what the server said about it and what was written locally. The lead
 * field is `key`; the manifest keeps the latest record per key.
 *
 * @example
 * ```ts
 * import type { ManifestRecord } from "./manifest.ts";
 * const r: ManifestRecord = {
 *   key: "data/2024/x.bin", size: 1024, etag: '"5B3C1A2E053D763E1B002CC607C5A0FE"',
 *   crc64: "18020588380933092773", localSize: 1024, mtimeMs: 1718000000000, path: "x.bin",
 * };
 * ```
 */
export interface ManifestRecord {
  /** The object key (non-empty). */
  key: string;
  /** The object's size in bytes (a non-negative safe integer). */
  size: number;
  /** The object's ETag, as the server sent it (quotes included), or `null` if it sent none. */
  etag: string | null;
  /** The object's CRC-64 (`x-oss-hash-crc64ecma`) as a decimal string, or `null` if unknown. */
  crc64: string | null;
  /** The size of the local file when it was recorded. */
  localSize: number;
  /** The local file's modification time (`FileInfo.mtimeMs`), or `null` if unknown. */
  mtimeMs: number | null;
  /** The local file's path relative to the destination directory, `/`-separated (non-empty). */
  path: string;
  /**
   * `true` when the file was written without fsync (`--no-fsync`): a power cut may have left other
   * bytes under the same size and time, so its content must be checked before it is trusted.
   * @default false
   */
  unsynced?: boolean;
}

/** Options of {@linkcode Manifest.open}. */
export interface ManifestOptions {
  /**
   * `append` compacts the file when it is at least this large and superseded records make up more
   * than half of it.
   * @default 1048576
   */
  compactMinBytes?: number;
}

const RECORD_HEADER = 1;
const RECORD_OBJECTS = 2;
/** Bytes read at once on replay. */
const READ_CHUNK = 1 << 20;
/** Compaction cuts its output into frames of about this many payload bytes. */
const FRAME_TARGET = 1 << 20;
const MAX_U64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_OVERHEAD + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, ~payload.length >>> 0, true);
  view.setUint32(8, crc32c(payload), true);
  out.set(payload, FRAME_OVERHEAD);
  return out;
}

/** A frame of type `type` whose payload continues with the UTF-8 of `text`. */
function textFrame(type: number, text: string): Uint8Array {
  const json = encoder.encode(text);
  const payload = new Uint8Array(1 + json.length);
  payload[0] = type;
  payload.set(json, 1);
  return frame(payload);
}

function fileStart(): Uint8Array {
  const header = textFrame(RECORD_HEADER, JSON.stringify({ format: MANIFEST_FORMAT }));
  const out = new Uint8Array(MANIFEST_MAGIC.length + header.length);
  out.set(MANIFEST_MAGIC);
  out.set(header, MANIFEST_MAGIC.length);
  return out;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function isCrc64(v: unknown): boolean {
  return v === null ||
    (typeof v === "string" && /^(0|[1-9][0-9]{0,19})$/.test(v) && BigInt(v) <= MAX_U64);
}

/** Why `r` is not a well-formed record, or null. */
function recordProblem(r: ManifestRecord): string | null {
  if (typeof r !== "object" || r === null) return "not an object";
  if (typeof r.key !== "string" || r.key === "") return "key must be a non-empty string";
  if (!isCount(r.size)) return "size must be a non-negative safe integer";
  if (r.etag !== null && typeof r.etag !== "string") return "etag must be a string or null";
  if (!isCrc64(r.crc64)) return "crc64 must be a decimal 64-bit unsigned integer or null";
  if (!isCount(r.localSize)) return "localSize must be a non-negative safe integer";
  if (r.mtimeMs !== null && !Number.isFinite(r.mtimeMs)) {
    return "mtimeMs must be a finite number or null";
  }
  if (typeof r.path !== "string" || r.path === "") return "path must be a non-empty string";
  if (r.unsynced !== undefined && typeof r.unsynced !== "boolean") {
    return "unsynced must be a boolean when present";
  }
  return null;
}

/** The record as stored on disk: a JSON array, fields in a fixed order. */
function recordText(r: ManifestRecord): string {
  const fields = [r.key, r.size, r.etag, r.crc64, r.localSize, r.mtimeMs, r.path];
  return JSON.stringify(r.unsynced ? [...fields, 0] : fields);
}

/** The bytes a record takes in a compacted file (its text and a comma). */
function diskBytes(r: ManifestRecord): number {
  return utf8Length(recordText(r)) + 1;
}

/**
 * The record as kept in memory, without its key (the map's key): a JSON array whose last field is
 * the path, or, when the path is the end of the key (the usual case), its length.
 */
function memoryValue(r: ManifestRecord): string {
  const path = r.key.endsWith(r.path) ? r.path.length : r.path;
  const fields = [r.size, r.etag, r.crc64, r.localSize, r.mtimeMs, path];
  return JSON.stringify(r.unsynced ? [...fields, 0] : fields);
}

function fromMemory(key: string, value: string): ManifestRecord {
  const [size, etag, crc64, localSize, mtimeMs, path, flag] = JSON.parse(value);
  return {
    key,
    size,
    etag,
    crc64,
    localSize,
    mtimeMs,
    path: typeof path === "number" ? key.slice(key.length - path) : path,
    ...(flag === 0 ? { unsynced: true } : {}),
  };
}

/** A decoded on-disk record, or null when it is not well formed. */
function decodeRecord(value: unknown): ManifestRecord | null {
  if (!Array.isArray(value) || (value.length !== 7 && !(value.length === 8 && value[7] === 0))) {
    return null;
  }
  const [key, size, etag, crc64, localSize, mtimeMs, path] = value;
  const r = { key, size, etag, crc64, localSize, mtimeMs, path } as ManifestRecord;
  if (value.length === 8) r.unsynced = true;
  return recordProblem(r) === null ? r : null;
}

/** What replay found in a manifest file. */
interface Loaded {
  /** key → memory value. */
  entries: Map<string, string>;
  /** Sum of the on-disk sizes of the latest records (what a compacted file would hold). */
  liveBytes: number;
  /** Where the valid bytes end. */
  validLength: number;
  /** A torn last frame was dropped (bytes past `validLength` are garbage). */
  tornTail: boolean;
  /** Why the file is not trusted, or null. */
  damage: string | null;
}

/** Positional reads of a file through a window of at least {@linkcode READ_CHUNK} bytes. */
class WindowReader {
  #file: PositionalFile;
  readonly size: number;
  #buf: Uint8Array = new Uint8Array(0);
  #base = 0;

  constructor(file: PositionalFile, size: number) {
    this.#file = file;
    this.size = size;
  }

  /** A buffer holding bytes `[offset, min(offset + length, size))` from `base`. */
  async window(offset: number, length: number): Promise<{ buf: Uint8Array; base: number }> {
    const end = Math.min(offset + length, this.size);
    if (offset < this.#base || end > this.#base + this.#buf.length) {
      const n = Math.max(end - offset, Math.min(READ_CHUNK, this.size - offset));
      this.#buf = await this.read(offset, n);
      this.#base = offset;
    }
    return { buf: this.#buf, base: this.#base };
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = await this.#file.read(out.subarray(done), offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === length ? out : out.subarray(0, done);
  }
}

async function load(fs: FileSystem, path: string): Promise<Loaded | null> {
  if ((await fs.stat(path)) === null) return null;
  const file = await fs.open(path, { readOnly: true });
  try {
    return await replay(new WindowReader(file, await file.size()));
  } finally {
    await file.close();
  }
}

async function replay(reader: WindowReader): Promise<Loaded> {
  const entries = new Map<string, string>();
  let liveBytes = 0;
  const damaged = (reason: string): Loaded => ({
    entries: new Map(),
    liveBytes: 0,
    validLength: 0,
    tornTail: false,
    damage: reason,
  });
  const size = reader.size;
  if (size === 0) return damaged("the file is empty");
  const start = await reader.read(0, Math.min(size, MANIFEST_MAGIC.length));
  if (start.some((b, i) => b !== MANIFEST_MAGIC[i])) {
    return damaged("not an ossdl manifest (unknown magic)");
  }
  if (size < MANIFEST_MAGIC.length) return damaged("the header record is missing");

  let offset = MANIFEST_MAGIC.length;
  let recordNumber = 0;
  for (;;) {
    if (offset >= size) break;
    // The frame at `offset`, read whole when its length field is sound.
    let { buf, base } = await reader.window(offset, FRAME_OVERHEAD);
    if (buf.length - (offset - base) >= FRAME_OVERHEAD) {
      const view = new DataView(buf.buffer, buf.byteOffset + offset - base, FRAME_OVERHEAD);
      const n = view.getUint32(0, true);
      if ((~n >>> 0) === view.getUint32(4, true)) {
        ({ buf, base } = await reader.window(offset, FRAME_OVERHEAD + n));
      }
    }
    const f = readFrame(buf, offset - base);
    recordNumber++;
    const where = recordNumber === 1
      ? "the header record"
      : `record ${recordNumber} (at byte ${offset})`;
    if (f.kind !== "ok") {
      if (recordNumber === 1) {
        const why = f.kind === "bad" ? f.reason : "it is cut short";
        return damaged(`the header record is damaged (${why})`);
      }
      // Torn (the last append never finished) unless a valid frame follows somewhere.
      const rest = await reader.read(offset, size - offset);
      for (let q = 1; q + FRAME_OVERHEAD < rest.length; q++) {
        if (readFrame(rest, q).kind === "ok") {
          const why = f.kind === "bad" ? f.reason : "it is cut short";
          return damaged(
            `${where} is damaged (${why}) but a valid record follows at byte ${offset + q}`,
          );
        }
      }
      return { entries, liveBytes, validLength: offset, tornTail: true, damage: null };
    }
    const payload = f.payload;
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(1)));
    } catch {
      return damaged(`${where} is not readable JSON`);
    }
    if (recordNumber === 1) {
      if (payload[0] !== RECORD_HEADER || typeof value !== "object" || value === null) {
        return damaged("the first record is not a readable header");
      }
      const format = (value as { format?: unknown }).format;
      if (format !== MANIFEST_FORMAT) {
        return damaged(`unknown manifest format ${JSON.stringify(format)} (a newer ossdl?)`);
      }
    } else {
      if (payload[0] !== RECORD_OBJECTS) {
        return damaged(`${where} has the unknown type ${payload[0]}`);
      }
      if (!Array.isArray(value)) return damaged(`${where} is not a list of objects`);
      for (const item of value) {
        const r = decodeRecord(item);
        if (r === null) return damaged(`${where} holds a malformed object record`);
        const old = entries.get(r.key);
        if (old !== undefined) liveBytes -= diskBytes(fromMemory(r.key, old));
        liveBytes += diskBytes(r);
        entries.set(r.key, memoryValue(r));
      }
    }
    offset = base + f.next;
  }
  if (recordNumber === 0) return damaged("the header record is missing");
  return { entries, liveBytes, validLength: offset, tornTail: false, damage: null };
}

/**
 * The manifest of one destination directory: which objects are complete there. Open it with
 * {@linkcode Manifest.open}; the file is created by the first `append`. Operations on one instance
 * run one at a time, in call order. One process at a time may use a manifest (the caller locks
 * the directory).
 *
 * Memory: the index holds one `Map` entry per key with the latest record as one compact string
 * (a JSON array without the key, and without the path when the path is the end of the key, as it
 * usually is): about 30-40 bytes for the entry, the key's string (about 16 bytes plus 1 byte per
 * character for Latin-1 text, else 2) and about 120 bytes for the record, plus the path when it
 * is not the end of the key. A million 60-character keys: about 230 MB (estimated from V8's
 * layouts, not measured). `get` decodes the string on each call. Replay reads the file in
 * windows of 1 MiB, never whole.
 *
 * @example
 * ```ts
 * import { Manifest, MANIFEST_NAME } from "./manifest.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * await fs.mkdir("/out");
 * const manifest = await Manifest.open(fs, `/out/${MANIFEST_NAME}`);
 * // ... download data/x.bin to /out/x.bin, rename it into place, sync the directory, then:
 * await manifest.append([{
 *   key: "data/x.bin", size: 3, etag: '"A"', crc64: "42", localSize: 3, mtimeMs: 1, path: "x.bin",
 * }]);
 * await manifest.close();
 * const again = await Manifest.open(fs, `/out/${MANIFEST_NAME}`);
 * again.get("data/x.bin")?.etag; // '"A"'
 * await again.close();
 * ```
 */
export class Manifest {
  #fs: FileSystem;
  #path: string;
  #compactMinBytes: number;
  #entries: Map<string, string>;
  /** Sum of the on-disk sizes of the latest records: what a compacted file would hold. */
  #liveBytes: number;
  /** The file opened for appending (at the first append, when there is a trusted one). */
  #file: PositionalFile | null = null;
  /** Bytes of the file that hold valid frames (where the next frame goes). */
  #size: number;
  /** Bytes past `#size` may hold garbage (a torn frame, a failed append). */
  #dirtyTail: boolean;
  /** The next write must rewrite the whole file (none yet, damaged, or a rewrite failed). */
  #mustRewrite: boolean;
  /** The first write of this instance removes a leftover temporary file. */
  #cleaned = false;
  #closed = false;
  #queue: Promise<void> = Promise.resolve();
  #damage: string | null;

  private constructor(
    fs: FileSystem,
    path: string,
    options: ManifestOptions,
    loaded: Loaded | null,
  ) {
    this.#fs = fs;
    this.#path = path;
    this.#compactMinBytes = options.compactMinBytes ?? 1 << 20;
    this.#entries = loaded?.entries ?? new Map();
    this.#liveBytes = loaded?.liveBytes ?? 0;
    this.#size = loaded?.validLength ?? 0;
    this.#dirtyTail = loaded?.tornTail ?? false;
    this.#damage = loaded?.damage ?? null;
    this.#mustRewrite = loaded === null || loaded.damage !== null;
  }

  /**
   * Opens the manifest at `path` (usually `<dir>/` + {@linkcode MANIFEST_NAME}) and replays it.
   * Nothing is written: a missing file is created by the first `append`, a torn last record is
   * cut off then. A damaged file does not make this fail: the manifest opens empty and
   * {@linkcode Manifest.damage} says why (see the module documentation). File-system failures
   * (permission, I/O) are thrown as `FileSystemError`s.
   *
   * @example
   * ```ts
   * import { Manifest } from "./manifest.ts";
   * import type { FileSystem } from "../fs/file_system.ts";
   * async function resume(fs: FileSystem, dir: string) {
   *   const manifest = await Manifest.open(fs, `${dir}/.ossdl-manifest`);
   *   if (manifest.damage !== null) console.warn(`manifest not trusted: ${manifest.damage}`);
   *   return manifest;
   * }
   * ```
   */
  static async open(
    fs: FileSystem,
    path: string,
    options: ManifestOptions = {},
  ): Promise<Manifest> {
    const min = options.compactMinBytes;
    if (min !== undefined && !(isCount(min))) {
      throw new RangeError(`compactMinBytes must be a non-negative safe integer, got ${min}`);
    }
    return new Manifest(fs, path, options, await load(fs, path));
  }

  /** Where the manifest lives. */
  get path(): string {
    return this.#path;
  }

  /**
   * Why the file found at the path was not trusted (the manifest then started empty and the next
   * append replaces the file), or `null`.
   */
  get damage(): string | null {
    return this.#damage;
  }

  /** How many keys have a record. */
  get count(): number {
    return this.#entries.size;
  }

  /** The bytes of valid records in the file (0 before the file exists). */
  get bytes(): number {
    return this.#size;
  }

  /**
   * The latest record of `key`, or `undefined` (a new object each call).
   *
   * @example
   * ```ts
   * import type { Manifest } from "./manifest.ts";
   * function isDone(manifest: Manifest, key: string, etag: string): boolean {
   *   return manifest.get(key)?.etag === etag;
   * }
   * ```
   */
  get(key: string): ManifestRecord | undefined {
    const value = this.#entries.get(key);
    return value === undefined ? undefined : fromMemory(key, value);
  }

  /**
   * Every key's latest record, in the order keys were first recorded.
   *
   * @example
   * ```ts
   * import type { Manifest } from "./manifest.ts";
   * function totalBytes(manifest: Manifest): number {
   *   let n = 0;
   *   for (const r of manifest.records()) n += r.localSize;
   *   return n;
   * }
   * ```
   */
  *records(): IterableIterator<ManifestRecord> {
    for (const [key, value] of this.#entries) yield fromMemory(key, value);
  }

  /**
   * Group commit: records all of `records` with one write and one `datasync` (or, when the file
   * does not exist yet, was not trusted, or is due for compaction, one durable rewrite of the
   * whole file). When it resolves, the records survive any crash; call it only once the files
   * they describe are durably in place (renamed, directory synced). When it rejects, the records
   * may or may not have been kept, and the manifest stays usable. A key appearing more than once
   * keeps its last record. Throws a `TypeError`, and writes nothing, for a malformed record. An
   * empty array is a no-op.
   *
   * @example
   * ```ts
   * import type { Manifest, ManifestRecord } from "./manifest.ts";
   * async function finished(manifest: Manifest, done: ManifestRecord[]) {
   *   await manifest.append(done); // durable now
   * }
   * ```
   */
  append(records: readonly ManifestRecord[]): Promise<void> {
    return this.#serial(() => this.#append(records));
  }

  /**
   * Rewrites the file with only the latest record of every key (temporary file, datasync, rename,
   * directory sync). `append` does this on its own when superseded records fill more than half of
   * a file of at least `compactMinBytes`. Creates the file when there is none.
   *
   * @example
   * ```ts
   * import type { Manifest } from "./manifest.ts";
   * async function tidy(manifest: Manifest) {
   *   await manifest.compact();
   * }
   * ```
   */
  compact(): Promise<void> {
    return this.#serial(async () => {
      this.#requireOpen();
      await this.#rewrite();
    });
  }

  /**
   * Closes the manifest after the operations already started. Idempotent.
   *
   * @example
   * ```ts
   * import type { Manifest } from "./manifest.ts";
   * async function stop(manifest: Manifest) {
   *   await manifest.close();
   *   await manifest.close(); // fine
   * }
   * ```
   */
  close(): Promise<void> {
    return this.#serial(async () => {
      this.#closed = true;
      const file = this.#file;
      this.#file = null;
      await file?.close();
    });
  }

  async #append(records: readonly ManifestRecord[]): Promise<void> {
    this.#requireOpen();
    if (!Array.isArray(records)) throw new TypeError("append takes an array of records");
    if (records.length === 0) return;
    const texts: string[] = [];
    for (const r of records) {
      const problem = recordProblem(r);
      if (problem !== null) {
        throw new TypeError(`invalid manifest record ${JSON.stringify(r?.key)}: ${problem}`);
      }
      texts.push(recordText(r));
    }
    await this.#cleanUp();
    // Apply to the index now, with an undo list in case the write fails.
    const undo: Array<[string, string | undefined]> = [];
    const liveBefore = this.#liveBytes;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const old = this.#entries.get(r.key);
      undo.push([r.key, old]);
      if (old !== undefined) this.#liveBytes -= diskBytes(fromMemory(r.key, old));
      this.#liveBytes += utf8Length(texts[i]) + 1;
      this.#entries.set(r.key, memoryValue(r));
    }
    try {
      if (this.#mustRewrite) {
        await this.#rewrite();
        return;
      }
      this.#file ??= await this.#fs.open(this.#path);
      const bytes = textFrame(RECORD_OBJECTS, `[${texts.join(",")}]`);
      const after = this.#size + bytes.length;
      if (after >= this.#compactMinBytes && after > 2 * this.#liveBytes) {
        await this.#rewrite();
        return;
      }
      const file = this.#file;
      if (this.#dirtyTail) await file.truncate(this.#size);
      this.#dirtyTail = true;
      await file.write(bytes, this.#size);
      await file.datasync();
      this.#dirtyTail = false;
      this.#size = after;
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) {
        const [key, old] = undo[i];
        if (old === undefined) this.#entries.delete(key);
        else this.#entries.set(key, old);
      }
      this.#liveBytes = liveBefore;
      throw error;
    }
  }

  /** Removes a temporary file a crashed rewrite left, once per instance, before the first write. */
  async #cleanUp(): Promise<void> {
    if (this.#cleaned) return;
    const tmp = `${this.#path}.tmp`;
    if ((await this.#fs.stat(tmp)) !== null) await this.#fs.remove(tmp);
    this.#cleaned = true;
  }

  /**
   * Writes the index as a new file beside the manifest, makes it durable and renames it over the
   * manifest. On failure, the next write rewrites again (the file at the path may be either).
   */
  async #rewrite(): Promise<void> {
    const tmp = `${this.#path}.tmp`;
    this.#mustRewrite = true;
    const out = await this.#fs.open(tmp, { create: true, truncate: true });
    let size = 0;
    try {
      const write = async (bytes: Uint8Array) => {
        await out.write(bytes, size);
        size += bytes.length;
      };
      await write(fileStart());
      let batch: string[] = [];
      let batchBytes = 0;
      for (const [key, value] of this.#entries) {
        const text = recordText(fromMemory(key, value));
        batch.push(text);
        batchBytes += text.length;
        if (batchBytes >= FRAME_TARGET) {
          await write(textFrame(RECORD_OBJECTS, `[${batch.join(",")}]`));
          batch = [];
          batchBytes = 0;
        }
      }
      if (batch.length > 0) await write(textFrame(RECORD_OBJECTS, `[${batch.join(",")}]`));
      await out.datasync();
    } finally {
      await out.close();
    }
    // Close before the rename: some systems (Windows) refuse to replace an open file.
    const old = this.#file;
    this.#file = null;
    await old?.close();
    await this.#fs.rename(tmp, this.#path);
    await this.#fs.syncDir(dirname(this.#path));
    this.#file = await this.#fs.open(this.#path);
    this.#size = size;
    this.#dirtyTail = false;
    this.#mustRewrite = false;
  }

  #requireOpen(): void {
    if (this.#closed) throw new Error(`the manifest ${this.#path} is closed`);
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.then(() => {}, () => {});
    return run;
  }
}
