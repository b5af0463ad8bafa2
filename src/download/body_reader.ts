/**
 * Reads a response body into the engine's block buffers. Where the body is a byte stream (Deno's
 * `fetch`), each read lands in a reusable buffer (a BYOB read) and is copied into the block: no
 * chunk is allocated, zeroed and collected per read, which measured about a third less CPU for
 * receiving on Deno (bench/README.md). Elsewhere each chunk is copied in as it comes, and what
 * does not fit is kept for the next read.
 *
 * The block buffer itself is never handed to the stream: a BYOB read moves its buffer's memory
 * into the stream, and a read that fails (an abort, a dropped connection) keeps it. Only the
 * landing buffer, which holds nothing yet, can be lost that way; the bytes already in the block
 * stay and are written.
 *
 * Each chunk of a body that is not a byte stream is fresh memory, garbage once copied: its bytes
 * are counted by a {@linkcode FreshMemoryMeter}, which has the runtime collect them in time (Bun).
 *
 * Given the run's signal, a read settles as soon as it aborts (with `AbortedError`), whatever the
 * body does: a fatal answer to one part must be able to stop every other part, even one whose
 * stream ignores the abort.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";
import { type FreshMemoryMeter, processMeter } from "./fresh_memory_meter.ts";

/**
 * The landing buffer of one worker, reused from body to body.
 *
 * @example
 * ```ts
 * import { LandingBuffer } from "./body_reader.ts";
 * const landing = new LandingBuffer(65536);
 * const memory = landing.take(); // read into it, then landing.put(what came back)
 * ```
 */
export class LandingBuffer {
  /** Bytes per BYOB read at most. */
  readonly size: number;
  #memory: Uint8Array;

  /**
   * @param size bytes per BYOB read at most (allocated at the first BYOB read: a body that is not
   * a byte stream never needs it)
   */
  constructor(size: number) {
    this.size = size;
    this.#memory = new Uint8Array(0);
  }

  /** The memory to read into next (a fresh one when a failed read kept the last). */
  take(): Uint8Array {
    if (this.#memory.byteLength === 0) this.#memory = new Uint8Array(this.size);
    return this.#memory;
  }

  /** The memory as it came back from a read. */
  put(memory: Uint8Array): void {
    this.#memory = memory;
  }
}

/**
 * A reader of one response body.
 *
 * @example
 * ```ts
 * import { BodyReader, LandingBuffer } from "./body_reader.ts";
 * const body = BodyReader.open(new Response("hello").body!, new LandingBuffer(4));
 * const block = new Uint8Array(8);
 * let n = 0;
 * for (let got; (got = await body.readInto(block, n, block.length - n)) !== null;) n += got;
 * console.log(new TextDecoder().decode(block.subarray(0, n))); // "hello"
 * ```
 */
export class BodyReader {
  #byob: ReadableStreamBYOBReader | null;
  #chunks: ReadableStreamDefaultReader<Uint8Array> | null;
  #landing: LandingBuffer;
  #meter: FreshMemoryMeter;
  #rest: Uint8Array | null = null;
  #signal: AbortSignal | undefined;
  /**
   * Rejects the read in progress with `AbortedError`: a promise per read, never one long-lived
   * promise that every read races (that keeps every chunk read reachable until it settles).
   */
  #interrupt: ((error: Error) => void) | null = null;
  #onAbort: (() => void) | null = null;

  private constructor(
    byob: ReadableStreamBYOBReader | null,
    chunks: ReadableStreamDefaultReader<Uint8Array> | null,
    landing: LandingBuffer,
    signal: AbortSignal | undefined,
    meter: FreshMemoryMeter,
  ) {
    this.#byob = byob;
    this.#chunks = chunks;
    this.#landing = landing;
    this.#meter = meter;
    this.#signal = signal;
    if (signal && !signal.aborted) {
      this.#onAbort = () => this.#interrupt?.(new AbortedError());
      signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /**
   * Lock `body` for reading: BYOB into `landing` when it is a byte stream. With `signal`, every
   * read settles (with `AbortedError`) as soon as it aborts. Chunks of a body that is not a byte
   * stream are counted by `meter` (default: the process's, see {@linkcode processMeter}).
   */
  static open(
    body: ReadableStream<Uint8Array>,
    landing: LandingBuffer,
    signal?: AbortSignal,
    meter: FreshMemoryMeter = processMeter(),
  ): BodyReader {
    let byob: ReadableStreamBYOBReader | null = null;
    try {
      byob = body.getReader({ mode: "byob" });
    } catch {
      return new BodyReader(null, body.getReader(), landing, signal, meter);
    }
    return new BodyReader(byob, null, landing, signal, meter);
  }

  /** `true` when reads are BYOB reads (no chunk allocated per read). */
  get byob(): boolean {
    return this.#byob !== null;
  }

  /**
   * Copy at most `max` (> 0) bytes of the body into `block` at `offset`. Resolves with the count
   * (at least 1), or `null` at the end of the body.
   */
  async readInto(block: Uint8Array, offset: number, max: number): Promise<number | null> {
    if (this.#byob) {
      const landing = this.#landing.take();
      const { done, value } = await this.#settle(
        this.#byob.read(landing.subarray(0, Math.min(max, landing.length))),
      );
      if (value) this.#landing.put(new Uint8Array(value.buffer));
      if (done) return null;
      block.set(value!, offset);
      return value!.length;
    }
    let chunk = this.#rest;
    this.#rest = null;
    while (!chunk || chunk.length === 0) {
      const { done, value } = await this.#settle(this.#chunks!.read());
      if (done) return null;
      this.#meter.add(value.byteLength);
      chunk = value;
    }
    const take = Math.min(max, chunk.length);
    block.set(take === chunk.length ? chunk : chunk.subarray(0, take), offset);
    if (take < chunk.length) this.#rest = chunk.subarray(take);
    return take;
  }

  /** Stop reading and release the body (errors are ignored). */
  cancel(): Promise<void> {
    this.#rest = null;
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
    return (this.#byob ?? this.#chunks)!.cancel().catch(() => {});
  }

  /** `read`, or `AbortedError` as soon as the signal aborts (the read's outcome is then dropped). */
  async #settle<T>(read: Promise<T>): Promise<T> {
    if (!this.#signal) return await read;
    read.catch(() => {});
    if (this.#signal.aborted) throw new AbortedError();
    try {
      return await new Promise<T>((resolve, reject) => {
        this.#interrupt = reject;
        read.then(resolve, reject);
      });
    } finally {
      this.#interrupt = null;
    }
  }
}
