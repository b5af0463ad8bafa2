/**
 * Group commit: make written bytes durable, then journal them. The data file is `datasync`'d
 * before the records that cover its bytes are appended, so a record never claims bytes that a
 * crash could still take away. One commit runs at a time; requests during a commit coalesce.
 * With `durability: "none"` the file system's `datasync` does nothing, and what keeps the records
 * true after a killed process is the order alone: a record is appended only after the writes of
 * the bytes it claims have completed (their CRC promises settle after the write).
 *
 * @module
 */
import type { PositionalFile } from "../fs/file_system.ts";
import type { Journal } from "../journal/journal.ts";
import type { Segment } from "./segment.ts";

/**
 * Commits segment progress to the journal.
 *
 * @example
 * ```ts ignore
 * const committer = new Committer(file, journal, () => scheduler.segments, 1 << 20);
 * await committer.commit();
 * ```
 */
export class Committer {
  #file: PositionalFile;
  #journal: Journal;
  #segments: () => readonly Segment[];
  #compactAt: number;
  #running: Promise<void> | null = null;
  #again = false;
  /** The first failure of a commit, rethrown by every later call. */
  #failure: unknown = null;

  /**
   * @param file the data file
   * @param journal the journal
   * @param segments the live segments
   * @param compactAt compact the journal when it grows beyond this many bytes
   */
  constructor(
    file: PositionalFile,
    journal: Journal,
    segments: () => readonly Segment[],
    compactAt: number,
  ) {
    this.#file = file;
    this.#journal = journal;
    this.#segments = segments;
    this.#compactAt = compactAt;
  }

  /** Commit everything written so far; resolves when it is durable. */
  commit(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => (this.#running = null));
    return this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#once();
      } catch (error) {
        this.#failure ??= error;
        throw error;
      }
    } while (this.#again);
  }

  async #once(): Promise<void> {
    // Snapshot first: every byte counted in `written` has been written (its write resolved).
    const pending = this.#segments()
      .filter((s) => s.written > s.durable)
      .map((s) => ({ segment: s, end: s.written, crc64: s.crc() }));
    if (pending.length === 0) return;
    const crcs = await Promise.all(pending.map((p) => p.crc64));
    await this.#file.datasync();
    await this.#journal.append(
      pending.map((p, i) => ({ start: p.segment.start, end: p.end, crc64: crcs[i] })),
    );
    for (const p of pending) p.segment.durable = Math.max(p.segment.durable, p.end);
    if (this.#journal.size > this.#compactAt) await this.#journal.compact();
  }
}
