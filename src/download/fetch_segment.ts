/**
 * One worker's job: stream a segment's bytes from the source into the data file, hashing them,
 * retrying retryable failures from the last byte received.
 *
 * @module
 */
import { AbortedError, NetworkError, ObjectChangedError, OssdlError } from "../errors.ts";
import type { BlockWriter } from "../fs/file_system.ts";
import type { ObjectSource } from "../oss/object_source.ts";
import { waitToRetry } from "../oss/retry.ts";
import type { Segment } from "./segment.ts";
import { BodyReader, LandingBuffer } from "./body_reader.ts";
import { settlesOnAbort } from "../oss/network_failure.ts";

/**
 * Raised inside the engine when the server has answered ranged GETs with the whole object often
 * enough to conclude that it ignores `Range` (see `FetchContext.onRangeAnswer`).
 */
export class RangeIgnoredSignal extends Error {
  constructor() {
    super("the server ignored the Range header");
    this.name = "RangeIgnoredSignal";
  }
}

/** What a segment fetch needs from the engine. */
export interface FetchContext {
  source: ObjectSource;
  /** Writes and hashes blocks of the data file (here or on another thread). */
  writer: BlockWriter;
  /** Object offset of file offset 0. */
  fileOrigin: number;
  /** The ETag every response must carry (and `If-Match` sends), or `null`. */
  etag: string | null;
  /** The object's size, checked against every answer's `Content-Range` total. */
  objectSize: number;
  /**
   * Told whether each answer honoured the range; returns `true` when the run must conclude that
   * the server ignores `Range` (repeated evidence), `false` to retry this range.
   */
  onRangeAnswer(ranged: boolean): boolean;
  maxAttempts: number;
  retryBaseDelayMs: number;
  signal: AbortSignal;
  /** Called after each write with the byte count. */
  onWritten(segment: Segment): void;
  /** Called for every byte received from the network and used. */
  onReceived(bytes: number): void;
  /** Called before a retry. */
  onRetry(error: unknown, attempt: number, delayMs: number): void;
}

/** The largest BYOB read: big enough to take what a socket has, small enough to stay in cache. */
const LANDING_BYTES = 256 * 1024;

/**
 * The buffers of one worker: a block is being filled while the previous one is written and hashed.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./fetch_segment.ts";
 * const pool = new BufferPool(3, 1024);
 * const buffer = await pool.take();
 * pool.give(Promise.resolve(buffer));
 * ```
 */
export class BufferPool {
  #ready: Promise<Uint8Array>[] = [];
  /** Bytes per buffer. */
  readonly size: number;
  /** Where BYOB reads land before they are copied into a block. */
  readonly landing: LandingBuffer;

  /**
   * @param count how many buffers (one being filled, the others written meanwhile)
   * @param size bytes per buffer
   */
  constructor(count: number, size: number) {
    this.size = size;
    this.landing = new LandingBuffer(Math.min(size, LANDING_BYTES));
    for (let i = 0; i < count; i++) this.#ready.push(Promise.resolve(new Uint8Array(size)));
  }

  /** The next free buffer (waits for a write to hand one back). */
  take(): Promise<Uint8Array> {
    return this.#ready.shift()!;
  }

  /** A buffer that will be free when `buffer` resolves. */
  give(buffer: Promise<Uint8Array>): void {
    this.#ready.push(buffer);
  }
}

/**
 * Fetch `[segment.received, segment.end)` into the file. Resolves when the segment is written
 * (its `end` may shrink meanwhile, when another worker takes the tail).
 *
 * @example
 * ```ts ignore
 * await fetchSegment(context, segment, pool);
 * ```
 */
export async function fetchSegment(
  context: FetchContext,
  segment: Segment,
  pool: BufferPool,
): Promise<void> {
  let attempt = 0;
  let buffered = 0;
  let buffer = await pool.take();
  // One block is written (and hashed) while the next fills; a failed write surfaces at the next
  // flush or at the end. `segment.wrote` gets the block's CRC promise, which settles only after
  // the write: a commit awaits those CRCs before its datasync, so it never claims unwritten bytes.
  let inFlight: Promise<unknown> = Promise.resolve();

  const flush = async () => {
    if (buffered === 0) return;
    await inFlight;
    const length = buffered;
    const size = pool.size;
    const put = context.writer.write(buffer, length, segment.written - context.fileOrigin);
    segment.wrote(length, put.then((b) => b.crc64));
    pool.give(put.then((b) => b.block, () => new Uint8Array(size)));
    inFlight = put;
    buffered = 0;
    context.onWritten(segment);
    buffer = await pool.take();
  };

  try {
    await fetchLoop();
    await inFlight;
  } finally {
    await inFlight.catch(() => {});
    pool.give(Promise.resolve(buffer));
  }

  async function fetchLoop(): Promise<void> {
    while (segment.received < segment.end) {
      if (context.signal.aborted) throw new AbortedError();
      const progressBefore = segment.written;
      let body: BodyReader | null = null;
      try {
        const response = await context.source.read({
          start: segment.received,
          end: segment.end,
          etag: context.etag,
          objectSize: context.objectSize,
          signal: context.signal,
        });
        // Bodies from the OSS layer settle on abort already; others (a SequentialSource slice,
        // an injected source) are raced against the signal by the reader.
        const guard = settlesOnAbort(response.body) ? undefined : context.signal;
        body = BodyReader.open(response.body, pool.landing, guard);
        if (context.onRangeAnswer(response.ranged)) throw new RangeIgnoredSignal();
        if (!response.ranged) {
          // A whole-object answer (a proxy, a flaky front end): never written at an offset, and
          // not read further. The range is asked again; only repeated answers like this one make
          // the run conclude that the server ignores Range.
          throw new NetworkError(
            `the server answered the ranged GET of bytes ${segment.received}-${
              segment.end - 1
            } with the whole object (200)`,
          );
        }
        if (context.etag && response.etag && response.etag !== context.etag) {
          throw new ObjectChangedError(`ETag ${context.etag} became ${response.etag}`);
        }
        while (segment.received < segment.end) {
          const room = Math.min(buffer.length - buffered, segment.end - segment.received);
          const bytes = await body.readInto(buffer, buffered, room);
          if (bytes === null) {
            throw new NetworkError(
              `the response ended early at byte ${segment.received} of ${segment.end}`,
            );
          }
          // Another worker may have taken this segment's tail during the read.
          const take = Math.max(0, Math.min(bytes, segment.end - segment.received));
          buffered += take;
          segment.received += take;
          context.onReceived(take);
          if (buffered === buffer.length) await flush();
        }
        await flush();
        body.cancel();
        body = null;
      } catch (error) {
        body?.cancel();
        // Keep every byte that arrived intact: it is valid data at its offset.
        await flush();
        segment.rewind();
        if (error instanceof RangeIgnoredSignal || context.signal.aborted) {
          throw context.signal.aborted && !(error instanceof OssdlError)
            ? new AbortedError({ cause: error })
            : error;
        }
        if (segment.written > progressBefore) attempt = 0;
        attempt++;
        await waitToRetry(
          error,
          attempt,
          { maxAttempts: context.maxAttempts, baseDelayMs: context.retryBaseDelayMs },
          context.signal,
          context.onRetry,
        );
      }
    }
  }
}
