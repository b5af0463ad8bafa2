/**
 * A segment being fetched: bytes `[start, end)` of the object, of which `[start, written)` are in
 * the data file and `[start, durable)` are journaled. Its CRC-64 is the journaled prefix's CRC
 * combined with a streaming hash of what this run wrote.
 *
 * @module
 */
import { combineCrc64 } from "../crc64/combine.ts";
import { type Crc64Hasher, createCrc64 } from "../crc64/crc64.ts";

/**
 * The live state of one segment.
 *
 * @example
 * ```ts
 * import { Segment } from "./segment.ts";
 * import { createCrc64 } from "../crc64/crc64.ts";
 * const s = new Segment(0, 0, 100, 0n);
 * await s.prepare();
 * s.remaining; // 100
 * ```
 */
export class Segment {
  /** First byte of the segment (its key in the journal). */
  readonly start: number;
  /** End (exclusive). Shrinks when an idle worker takes over the tail. */
  end: number;
  /** `[start, written)` has been written to the data file. */
  written: number;
  /** `[start, received)` has been received (written or buffered). */
  received: number;
  /** `[start, durable)` is journaled. */
  durable: number;
  /** A worker is fetching it. */
  active = false;
  #base: number;
  #baseCrc: bigint;
  #hasher: Crc64Hasher | null = null;

  /**
   * @param start the segment's first byte
   * @param from where fetching resumes (`[start, from)` is already durable)
   * @param end the end (exclusive)
   * @param prefixCrc CRC-64 of `[start, from)`
   */
  constructor(start: number, from: number, end: number, prefixCrc: bigint) {
    this.start = start;
    this.end = end;
    this.written = from;
    this.received = from;
    this.durable = from;
    this.#base = from;
    this.#baseCrc = prefixCrc;
  }

  /** Create the hasher (before the first write). */
  async prepare(): Promise<void> {
    this.#hasher ??= await createCrc64();
  }

  /** Bytes still to receive. */
  get remaining(): number {
    return this.end - this.received;
  }

  /** All bytes are written. */
  get complete(): boolean {
    return this.written >= this.end;
  }

  /** Account bytes just written at `written` (in order). */
  wrote(data: Uint8Array): void {
    if (!this.#hasher) throw new Error("Segment.prepare() was not called");
    this.#hasher.update(data);
    this.written += data.length;
  }

  /** Forget received-but-unwritten bytes (a failed response): fetching resumes at `written`. */
  rewind(): void {
    this.received = this.written;
  }

  /** CRC-64 of `[start, written)`. */
  crc(): bigint {
    if (!this.#hasher) return this.#baseCrc;
    return combineCrc64(this.#baseCrc, this.#hasher.digest(), this.written - this.#base);
  }
}
