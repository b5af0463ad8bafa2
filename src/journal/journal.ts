/**
 * The checkpoint journal of a download: an append-only file whose first record names what is being
 * downloaded ({@linkcode JournalHeader}) and whose later records say which bytes of the data file
 * are durable and what their CRC-64 is ({@linkcode Segment}). The byte layout is described in
 * `journal_codec.ts`, the replay rules in `journal_replay.ts`.
 *
 * Durability: `create` and `compact` write a complete file beside the journal, datasync it, rename
 * it over the journal and sync the directory, so a crash leaves either the old or the new journal
 * at the path, never a half-written one. `append` writes one frame at the end and datasyncs it; a
 * crash in the middle leaves a torn last frame that replay drops.
 *
 * @module
 */

import type { FileSystem, PositionalFile } from "../fs/file_system.ts";
import { dirname } from "../path.ts";
import { SegmentTable } from "./_segment_rules.ts";
import {
  canonicalHeader,
  encodeJournalStart,
  encodeProgressRecord,
  type Segment,
} from "./journal_codec.ts";
import { assertNoSecrets, checkJournalHeader, type JournalHeader } from "./journal_header.ts";
import { replayJournal, type ReplayResult } from "./journal_replay.ts";

export type { Segment } from "./journal_codec.ts";
export { describeHeaderMismatch, JOURNAL_FORMAT, type JournalHeader } from "./journal_header.ts";
export { replayJournal, type ReplayResult } from "./journal_replay.ts";

async function writeDurably(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(path, { create: true, truncate: true });
  try {
    await file.write(bytes, 0);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/**
 * An open checkpoint journal. Operations on one instance run one at a time, in call order.
 *
 * @example
 * ```ts
 * import { Journal } from "./journal.ts";
 * import type { FileSystem } from "../fs/file_system.ts";
 * async function demo(fs: FileSystem) {
 *   const journal = await Journal.create(fs, "/tmp/file.bin.ossdl", {
 *     format: 1, identity: "oss://bucket/file.bin", size: 100, etag: '"A"', lastModified: null,
 *     crc64: null, versionId: null, rangeStart: 0, rangeEnd: 100, partSize: 50,
 *     parts: [[0, 50], [50, 100]], createdAt: new Date().toISOString(),
 *   });
 *   // ... write bytes [0, 10) and [50, 60) to the data file and datasync it, then:
 *   await journal.append([{ start: 0, end: 10, crc64: 1n }, { start: 50, end: 60, crc64: 2n }]);
 *   await journal.close();
 *   const opened = await Journal.open(fs, "/tmp/file.bin.ossdl");
 *   console.log(opened?.replay.segments);
 *   await opened?.journal.close();
 *   await Journal.remove(fs, "/tmp/file.bin.ossdl");
 * }
 * ```
 */
export class Journal {
  #fs: FileSystem;
  #path: string;
  #file: PositionalFile | null;
  #header: JournalHeader;
  #table: SegmentTable;
  #size: number;
  #queue: Promise<void> = Promise.resolve();
  /** Bytes past `#size` may hold part of a failed append. */
  #dirtyTail = false;

  private constructor(
    fs: FileSystem,
    path: string,
    file: PositionalFile,
    header: JournalHeader,
    table: SegmentTable,
    size: number,
  ) {
    this.#fs = fs;
    this.#path = path;
    this.#file = file;
    this.#header = header;
    this.#table = table;
    this.#size = size;
  }

  /**
   * Creates a journal holding only `header`, replacing any file at `path`: the header is written
   * to `path + ".tmp"`, datasync'd, renamed over `path` and the directory is synced. Throws a
   * `TypeError` for a malformed header or one whose identity carries a credential or signature.
   *
   * @example
   * ```ts
   * import { Journal, type JournalHeader } from "./journal.ts";
   * import type { FileSystem } from "../fs/file_system.ts";
   * async function start(fs: FileSystem, header: JournalHeader): Promise<Journal> {
   *   return await Journal.create(fs, "/downloads/big.zip.ossdl-journal", header);
   * }
   * ```
   */
  static async create(fs: FileSystem, path: string, header: JournalHeader): Promise<Journal> {
    const problem = checkJournalHeader(header);
    if (problem !== null) throw new TypeError(`invalid journal header: ${problem}`);
    assertNoSecrets(header.identity);
    const clean = canonicalHeader(header);
    const bytes = encodeJournalStart(clean);
    const tmp = `${path}.tmp`;
    await writeDurably(fs, tmp, bytes);
    await fs.rename(tmp, path);
    await fs.syncDir(dirname(path));
    await fs.remove(`${path}.compact`);
    const file = await fs.open(path);
    const table = new SegmentTable(clean.rangeStart, clean.rangeEnd);
    return new Journal(fs, path, file, clean, table, bytes.length);
  }

  /**
   * Opens an existing journal for appending: `null` when there is no file at `path`; throws
   * `JournalDamagedError` when it cannot be trusted. A torn last record is cut off (and the cut
   * made durable) before anything is appended. Does not compare the header with the current
   * request: use `describeHeaderMismatch` for that.
   *
   * @example
   * ```ts
   * import { Journal } from "./journal.ts";
   * import type { FileSystem } from "../fs/file_system.ts";
   * async function resume(fs: FileSystem) {
   *   const opened = await Journal.open(fs, "/downloads/big.zip.ossdl-journal");
   *   if (opened === null) return; // nothing to resume
   *   console.log(opened.replay.header.size, opened.replay.segments);
   *   await opened.journal.close();
   * }
   * ```
   */
  static async open(
    fs: FileSystem,
    path: string,
  ): Promise<{ journal: Journal; replay: ReplayResult } | null> {
    if ((await fs.stat(path)) === null) return null;
    const replay = await replayJournal(await fs.readFile(path));
    const file = await fs.open(path);
    try {
      if (replay.tornTail) {
        await file.truncate(replay.validLength);
        await file.datasync();
      }
      await fs.remove(`${path}.compact`);
    } catch (e) {
      await file.close();
      throw e;
    }
    const { header } = replay;
    const table = new SegmentTable(header.rangeStart, header.rangeEnd, replay.segments);
    const journal = new Journal(fs, path, file, header, table, replay.validLength);
    return { journal, replay };
  }

  /**
   * Removes the journal at `path` (and any leftover `.tmp` or `.compact` file beside it) and
   * syncs the directory. No error when there is none. Close the instance first.
   *
   * @example
   * ```ts
   * import { Journal } from "./journal.ts";
   * import type { FileSystem } from "../fs/file_system.ts";
   * async function finish(fs: FileSystem, journal: Journal, path: string) {
   *   await journal.close();
   *   await Journal.remove(fs, path);
   * }
   * ```
   */
  static async remove(fs: FileSystem, path: string): Promise<void> {
    let removed = false;
    for (const p of [path, `${path}.tmp`, `${path}.compact`]) {
      if ((await fs.stat(p)) === null) continue;
      await fs.remove(p);
      removed = true;
    }
    // Nothing was there: nothing to make durable (a directory sync per fresh start is costly).
    if (removed) await fs.syncDir(dirname(path));
  }

  /** Bytes in the journal file (to decide when to compact). */
  get size(): number {
    return this.#size;
  }

  /** The latest durable entry per segment start, sorted by start (a copy). */
  get segments(): Segment[] {
    return this.#table.list();
  }

  /** The header (a copy). */
  get header(): JournalHeader {
    return canonicalHeader(this.#header);
  }

  /** The journal's path. */
  get path(): string {
    return this.#path;
  }

  /**
   * Group commit: appends all of `segments` as one record with one write and one datasync. The
   * caller must have datasync'd the data file first, so that no record claims bytes that could
   * still be lost. Throws a `RangeError`, and writes nothing, when an entry is inconsistent with
   * the journal (empty or reversed, outside the range, shrinking a segment, overlapping another).
   * An empty array is a no-op.
   *
   * @example
   * ```ts
   * import type { Journal } from "./journal.ts";
   * async function commit(journal: Journal) {
   *   await journal.append([{ start: 0, end: 4 << 20, crc64: 0x1234n }]);
   * }
   * ```
   */
  append(segments: readonly Segment[]): Promise<void> {
    return this.#serial(() => this.#append(segments));
  }

  async #append(segments: readonly Segment[]): Promise<void> {
    const file = this.#requireOpen();
    if (segments.length === 0) return;
    const bytes = encodeProgressRecord(segments);
    const next = this.#table.clone();
    for (const s of segments) {
      const reason = next.applyEntry(s);
      if (reason !== null) throw new RangeError(`cannot journal progress: ${reason}`);
    }
    const overlap = next.findOverlap();
    if (overlap !== null) throw new RangeError(`cannot journal progress: ${overlap}`);
    if (this.#dirtyTail) {
      await file.truncate(this.#size);
      this.#dirtyTail = false;
    }
    this.#dirtyTail = true;
    await file.write(bytes, this.#size);
    await file.datasync();
    this.#dirtyTail = false;
    this.#size += bytes.length;
    this.#table = next;
  }

  /**
   * Rewrites the journal as the header plus one record holding the latest entry of every segment:
   * written to `path + ".compact"`, datasync'd, renamed over the journal, directory synced. A crash
   * at any step leaves the old or the new journal, both replaying to the same progress.
   *
   * @example
   * ```ts
   * import type { Journal } from "./journal.ts";
   * async function maybeCompact(journal: Journal) {
   *   if (journal.size > 1 << 20) await journal.compact();
   * }
   * ```
   */
  compact(): Promise<void> {
    return this.#serial(() => this.#compact());
  }

  async #compact(): Promise<void> {
    const old = this.#requireOpen();
    const start = encodeJournalStart(this.#header);
    const record = this.#table.count > 0 ? encodeProgressRecord(this.#table.list()) : null;
    const bytes = new Uint8Array(start.length + (record?.length ?? 0));
    bytes.set(start);
    if (record !== null) bytes.set(record, start.length);
    const tmp = `${this.#path}.compact`;
    await writeDurably(this.#fs, tmp, bytes);
    // Close before the rename: some systems (Windows) refuse to replace an open file.
    this.#file = null;
    await old.close();
    let renamed = false;
    let failure: unknown = null;
    try {
      await this.#fs.rename(tmp, this.#path);
      renamed = true;
      await this.#fs.syncDir(dirname(this.#path));
    } catch (error) {
      failure = error;
    }
    // Reopen whichever journal is at the path; a failure to reopen must not hide the first one.
    try {
      this.#file = await this.#fs.open(this.#path);
    } catch (error) {
      failure ??= error;
    }
    if (renamed) {
      this.#size = bytes.length;
      this.#dirtyTail = false;
    }
    if (failure !== null) throw failure;
  }

  /**
   * Supersedes the journal with one that claims only `segments` (entries it holds now, e.g. the
   * ones whose bytes were read back intact): rewritten exactly like `compact`, so a crash leaves
   * the old or the new journal. Throws a `RangeError`, and changes nothing, when an entry is
   * inconsistent (outside the range, overlapping another).
   *
   * @example
   * ```ts
   * import type { Journal } from "./journal.ts";
   * async function forgetAll(journal: Journal) {
   *   await journal.retain([]); // claims nothing any more
   * }
   * ```
   */
  retain(segments: readonly Segment[]): Promise<void> {
    return this.#serial(async () => {
      this.#requireOpen();
      const next = new SegmentTable(this.#header.rangeStart, this.#header.rangeEnd);
      for (const s of segments) {
        const reason = next.applyEntry(s);
        if (reason !== null) throw new RangeError(`cannot retain progress: ${reason}`);
      }
      const overlap = next.findOverlap();
      if (overlap !== null) throw new RangeError(`cannot retain progress: ${overlap}`);
      // Either journal on disk claims at least what `next` does: keep the smaller claim in memory.
      this.#table = next;
      await this.#compact();
    });
  }

  /**
   * Closes the journal after the operations already started. Idempotent. The file stays: use
   * `Journal.remove` after a successful download.
   *
   * @example
   * ```ts
   * import type { Journal } from "./journal.ts";
   * async function stop(journal: Journal) {
   *   await journal.close();
   *   await journal.close(); // fine
   * }
   * ```
   */
  close(): Promise<void> {
    return this.#serial(async () => {
      const file = this.#file;
      this.#file = null;
      await file?.close();
    });
  }

  #requireOpen(): PositionalFile {
    if (this.#file === null) throw new Error(`the journal ${this.#path} is closed`);
    return this.#file;
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.then(() => {}, () => {});
    return run;
  }
}
