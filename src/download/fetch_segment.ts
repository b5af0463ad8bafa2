/**
 * One worker's job: stream a segment's bytes from the source into the data file, hashing them,
 * retrying retryable failures from the last byte received.
 *
 * @module
 */
import {
  AbortedError,
  NetworkError,
  ObjectChangedError,
  OssdlError,
  RetriesExhaustedError,
} from "../errors.ts";
import type { PositionalFile } from "../fs/file_system.ts";
import type { ObjectSource } from "../oss/object_source.ts";
import { abortableSleep, backoffDelay, DEFAULT_RETRY_POLICY, isRetryable } from "../oss/retry.ts";
import type { Segment } from "./segment.ts";

/** Raised inside the engine when a server answers a ranged GET with the whole object. */
export class RangeIgnoredSignal extends Error {
  constructor() {
    super("the server ignored the Range header");
    this.name = "RangeIgnoredSignal";
  }
}

/** What a segment fetch needs from the engine. */
export interface FetchContext {
  source: ObjectSource;
  file: PositionalFile;
  /** Object offset of file offset 0. */
  fileOrigin: number;
  /** The ETag every response must carry (and `If-Match` sends), or `null`. */
  etag: string | null;
  /** Send no Range: the server ignores it (single stream from 0). */
  whole: boolean;
  chunkSize: number;
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

/**
 * Fetch `[segment.received, segment.end)` into the file. Resolves when the segment is written
 * (its `end` may shrink meanwhile, when another worker takes the tail).
 *
 * @example
 * ```ts ignore
 * await fetchSegment(context, segment, buffer);
 * ```
 */
export async function fetchSegment(
  context: FetchContext,
  segment: Segment,
  buffer: Uint8Array,
): Promise<void> {
  let attempt = 0;
  let buffered = 0;

  const flush = async () => {
    if (buffered === 0) return;
    const data = buffer.subarray(0, buffered);
    await context.file.write(data, segment.written - context.fileOrigin);
    segment.wrote(data);
    buffered = 0;
    context.onWritten(segment);
  };

  while (segment.received < segment.end) {
    if (context.signal.aborted) throw new AbortedError();
    const progressBefore = segment.written;
    let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
    try {
      const response = await context.source.read({
        start: segment.received,
        end: segment.end,
        etag: context.etag,
        whole: context.whole,
        signal: context.signal,
      });
      reader = response.body.getReader();
      if (!context.whole && !response.ranged) throw new RangeIgnoredSignal();
      if (context.etag && response.etag && response.etag !== context.etag) {
        throw new ObjectChangedError(`ETag ${context.etag} became ${response.etag}`);
      }
      if (context.whole && response.start !== segment.received) {
        // A whole-object stream starts at 0; it cannot continue a segment part-way.
        throw new RangeIgnoredSignal();
      }
      while (segment.received < segment.end) {
        const { done, value } = await reader.read();
        if (done) {
          throw new NetworkError(
            `the response ended early at byte ${segment.received} of ${segment.end}`,
          );
        }
        let offset = 0;
        while (offset < value.length && segment.received < segment.end) {
          const take = Math.min(
            value.length - offset,
            buffer.length - buffered,
            segment.end - segment.received,
          );
          buffer.set(value.subarray(offset, offset + take), buffered);
          buffered += take;
          offset += take;
          segment.received += take;
          context.onReceived(take);
          if (buffered === buffer.length) await flush();
        }
      }
      await flush();
      reader.cancel().catch(() => {});
      reader = null;
    } catch (error) {
      reader?.cancel().catch(() => {});
      // Keep every byte that arrived intact: it is valid data at its offset.
      await flush();
      segment.rewind();
      if (context.whole && segment.written > segment.start) {
        // A server without ranges can only restart from the beginning.
        throw error;
      }
      if (error instanceof RangeIgnoredSignal || context.signal.aborted) {
        throw context.signal.aborted && !(error instanceof OssdlError)
          ? new AbortedError({ cause: error })
          : error;
      }
      if (segment.written > progressBefore) attempt = 0;
      attempt++;
      if (!isRetryable(error)) throw error;
      if (attempt >= context.maxAttempts) throw new RetriesExhaustedError(attempt, error);
      const delay = backoffDelay(attempt - 1, {
        maxAttempts: context.maxAttempts,
        baseDelayMs: context.retryBaseDelayMs,
        maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
      });
      context.onRetry(error, attempt, delay);
      await abortableSleep(delay, context.signal);
    }
  }
}
