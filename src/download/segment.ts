/**
 * A segment being fetched: bytes `[start, end)` of the object, of which `[start, written)` are in
 * the data file and `[start, durable)` are journaled. Its CRC-64 is the journaled prefix's CRC
 * combined, block by block and in order, with the CRCs of the blocks this run wrote (the blocks
 * may be hashed on another thread).
 *
 * @module
 */
import { combineCrc64 } from "../crc64/combine.ts";

/**
 * The live state of one segment.
 *
 * @example
 * ```ts
 * import { Segment } from "./segment.ts";
 * const s = new Segment(0, 0, 100, 0n);
 * s.wrote(10, Promise.resolve(123n));
 * console.log(s.remaining, await s.crc());
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
  /** CRC-64 of `[start, written)`, settled once the pending blocks are hashed. */
  #crc: Promise<bigint>;

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
    this.#crc = Promise.resolve(prefixCrc);
  }

  /** Bytes still to receive. */
  get remaining(): number {
    return this.end - this.received;
  }

  /** Account `length` bytes just written at `written` (in order), with their block's CRC-64. */
  wrote(length: number, blockCrc: Promise<bigint>): void {
    this.written += length;
    this.#crc = Promise.all([this.#crc, blockCrc]).then(([a, b]) => combineCrc64(a, b, length));
    // A failed hash surfaces where the CRC is awaited (commit, finish), not as an unhandled one.
    this.#crc.catch(() => {});
  }

  /** Forget received-but-unwritten bytes (a failed response): fetching resumes at `written`. */
  rewind(): void {
    this.received = this.written;
  }

  /** CRC-64 of `[start, written)` as of now (later writes do not change the answer). */
  crc(): Promise<bigint> {
    return this.#crc;
  }
}
