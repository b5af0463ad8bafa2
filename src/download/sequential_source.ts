/**
 * Ranged reads over a server that ignores `Range`: one whole-object stream, read in order. A read
 * of `[start, end)` skips forward on the open stream to `start` (bytes before it are read and
 * dropped) and hands out `[start, end)`; a read behind the stream's position, or after the stream
 * failed, opens a new whole-object GET from byte 0. The engine can then fetch only the gaps that
 * its journal does not cover, in order, with one worker, and keep every durable byte of earlier
 * runs: a server without ranges costs bandwidth, never durable progress.
 *
 * @module
 */
import { ProtocolError } from "../errors.ts";
import type {
  ObjectMeta,
  ObjectSource,
  ReadRequest,
  ReadResponse,
  StatOptions,
} from "../oss/object_source.ts";

/** The open whole-object stream and where it stands. */
interface OpenStream {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Object offset of the next byte the stream delivers (after `rest`). */
  position: number;
  /** Bytes read from the stream but not handed out yet; they start at `position - rest.length`. */
  rest: Uint8Array | null;
  etag: string | null;
  crc64: bigint | null;
  /** Set while a handed-out body reads from the stream. */
  busy: boolean;
}

/**
 * An {@linkcode ObjectSource} whose ranged reads are served from one whole-object stream of
 * another source, read in order.
 *
 * @example
 * ```ts ignore
 * import { SequentialSource } from "./sequential_source.ts";
 * const sequential = new SequentialSource(source, meta.size);
 * const part = await sequential.read({ start: 1024, end: 2048, etag: meta.etag });
 * // ... read part.body ...
 * await sequential.close();
 * ```
 */
export class SequentialSource implements ObjectSource {
  #inner: ObjectSource;
  #size: number;
  #open: OpenStream | null = null;
  /** Object bytes read from the network only to reach a later offset. */
  bytesSkipped = 0;

  /**
   * @param inner the source whose plain (whole-object) GETs are read
   * @param size the object's size
   */
  constructor(inner: ObjectSource, size: number) {
    this.#inner = inner;
    this.#size = size;
  }

  /** The inner source's identity. */
  get identity(): string {
    return this.#inner.identity;
  }

  /** The inner source's display name. */
  get displayName(): string {
    return this.#inner.displayName;
  }

  /** The inner source's `stat`. */
  stat(options: StatOptions): Promise<ObjectMeta> {
    return this.#inner.stat(options);
  }

  /**
   * Bytes `[start, end)` from the whole-object stream: positioned (`ranged: true`), read in order.
   * One read at a time: the body of the previous read must be finished or cancelled first.
   */
  async read(request: ReadRequest): Promise<ReadResponse> {
    const { start, end } = request;
    if (!(start >= 0 && end > start && end <= this.#size)) {
      throw new RangeError(`bad read range [${start}, ${end}) of ${this.#size} bytes`);
    }
    let open = this.#open;
    if (open?.busy) throw new Error("SequentialSource: one read at a time");
    const buffered = open ? open.position - (open.rest?.length ?? 0) : 0;
    if (open && buffered > start) {
      await this.close();
      open = null;
    }
    if (!open) open = this.#open = await this.#openStream(request);
    try {
      await this.#skipTo(open, start, request.signal);
    } catch (error) {
      await this.close();
      throw error;
    }
    open.busy = true;
    return {
      ranged: true,
      start,
      end,
      etag: open.etag,
      crc64: open.crc64,
      body: this.#slice(open, end),
    };
  }

  /** Cancel the open stream, if any. Idempotent. */
  async close(): Promise<void> {
    const open = this.#open;
    this.#open = null;
    await open?.reader.cancel().catch(() => {});
  }

  async #openStream(request: ReadRequest): Promise<OpenStream> {
    const response = await this.#inner.read({
      start: 0,
      end: this.#size,
      etag: request.etag,
      objectSize: this.#size,
      whole: true,
      signal: request.signal,
    });
    const reader = response.body.getReader();
    if (response.start !== 0 || response.end !== this.#size) {
      await reader.cancel().catch(() => {});
      throw new ProtocolError(
        `a plain GET returned bytes [${response.start}, ${response.end}) of an object of ` +
          `${this.#size} bytes`,
      );
    }
    return {
      reader,
      position: 0,
      rest: null,
      etag: response.etag,
      crc64: response.crc64,
      busy: false,
    };
  }

  /** Read and drop bytes until the next byte handed out is `start`. */
  async #skipTo(open: OpenStream, start: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const restStart = open.position - (open.rest?.length ?? 0);
      if (open.rest && restStart < start) {
        const drop = Math.min(open.rest.length, start - restStart);
        open.rest = drop === open.rest.length ? null : open.rest.subarray(drop);
        continue;
      }
      if (restStart >= start) return;
      signal?.throwIfAborted();
      const { done, value } = await open.reader.read();
      if (done) {
        throw new ProtocolError(`the whole-object stream ended at byte ${open.position}`);
      }
      open.position += value.length;
      this.bytesSkipped += Math.min(value.length, start - restStart);
      open.rest = value;
    }
  }

  /** A body handing out the stream's bytes up to `end`; cancelling it keeps the stream open. */
  #slice(open: OpenStream, end: number): ReadableStream<Uint8Array> {
    let finished = false;
    const finish = () => {
      finished = true;
      open.busy = false;
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (finished) return;
        try {
          let chunk = open.rest;
          open.rest = null;
          if (!chunk) {
            const { done, value } = await open.reader.read();
            if (done) {
              throw new ProtocolError(`the whole-object stream ended at byte ${open.position}`);
            }
            chunk = value;
            open.position += value.length;
          }
          const chunkStart = open.position - chunk.length;
          const room = end - chunkStart;
          if (room <= 0) {
            open.rest = chunk;
            finish();
            controller.close();
            return;
          }
          if (chunk.length > room) {
            open.rest = chunk.subarray(room);
            chunk = chunk.subarray(0, room);
          }
          controller.enqueue(chunk);
          if (chunkStart + chunk.length >= end) {
            finish();
            controller.close();
          }
        } catch (error) {
          // The stream failed (or went wrong): the next read opens a new one.
          finish();
          if (this.#open === open) this.#open = null;
          await open.reader.cancel().catch(() => {});
          controller.error(error);
        }
      },
      cancel: () => {
        // The stream stays where this body stopped; the next read skips forward from there.
        finish();
      },
    }, { highWaterMark: 0 });
  }
}
