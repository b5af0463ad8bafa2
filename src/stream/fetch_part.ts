/**
 * One part of a stream download: bytes `[start, end)` of the object into a buffer of their own,
 * with retries that continue from the last byte received.
 *
 * @module
 */
import {
  AbortedError,
  NetworkError,
  ObjectChangedError,
  RetriesExhaustedError,
} from "../errors.ts";
import type { ObjectSource } from "../oss/object_source.ts";
import { abortableSleep, backoffDelay, DEFAULT_RETRY_POLICY, isRetryable } from "../oss/retry.ts";
import { settlesOnAbort } from "../oss/network_failure.ts";
import { BodyReader, LandingBuffer } from "../download/body_reader.ts";
import { countingMeter, type FreshMemoryMeter } from "../download/fresh_memory_meter.ts";

/** What {@linkcode fetchPart} needs. */
export interface PartContext {
  /** Where the bytes come from. */
  source: ObjectSource;
  /** Sent as `If-Match`; every answer must carry it. */
  etag: string | null;
  /** The object's size (checked against every `Content-Range`). */
  objectSize: number;
  /** Attempts per part without progress. */
  maxAttempts: number;
  /** First backoff in ms. */
  retryBaseDelayMs: number;
  /** Stops the fetch. */
  signal: AbortSignal;
  /** Told of every byte received. */
  onReceived(bytes: number): void;
  /** Told before a retry. */
  onRetry(error: unknown, attempt: number, delayMs: number): void;
  /** Counts the body chunks that arrive in fresh memory. @default one that never collects */
  meter?: FreshMemoryMeter;
}

/** The meter of stream downloads: counts, never collects. */
const streamMeter = countingMeter();

/** The size of a landing buffer for BYOB reads. */
const LANDING_BYTES = 256 * 1024;

/**
 * Fetches `[start, end)` into `buffer` (at least `end - start` bytes); a failed attempt that got
 * some bytes continues from the next one, and its attempt count starts over.
 *
 * @throws {RetriesExhaustedError} after `maxAttempts` failures in a row without progress
 * @throws {ObjectChangedError} when the answer shows another ETag (or a 412)
 * @throws {AbortedError} when the signal aborts
 *
 * @example
 * ```ts ignore
 * const bytes = await fetchPart(context, 0, 8 << 20, new Uint8Array(8 << 20));
 * ```
 */
export async function fetchPart(
  context: PartContext,
  start: number,
  end: number,
  buffer: Uint8Array,
): Promise<Uint8Array> {
  const landing = new LandingBuffer(Math.min(LANDING_BYTES, Math.max(1, end - start)));
  const meter = context.meter ?? streamMeter;
  let received = 0;
  let attempt = 0;
  const length = end - start;
  while (received < length) {
    if (context.signal.aborted) throw new AbortedError();
    const before = received;
    let body: BodyReader | null = null;
    try {
      const response = await context.source.read({
        start: start + received,
        end,
        etag: context.etag,
        objectSize: context.objectSize,
        signal: context.signal,
      });
      const guard = settlesOnAbort(response.body) ? undefined : context.signal;
      // No forced collections here: the window bounds the memory (see countingMeter).
      body = BodyReader.open(response.body, landing, guard, meter);
      if (!response.ranged && start + received !== 0) {
        throw new NetworkError(
          `the server answered the ranged GET of bytes ${start + received}-${end - 1} with ` +
            `the whole object (200)`,
        );
      }
      if (context.etag && response.etag && response.etag !== context.etag) {
        throw new ObjectChangedError(`ETag ${context.etag} became ${response.etag}`);
      }
      while (received < length) {
        const n = await body.readInto(buffer, received, length - received);
        if (n === null) {
          throw new NetworkError(
            `the response ended early at byte ${start + received} of ${end}`,
          );
        }
        received += n;
        context.onReceived(n);
      }
      await body.cancel();
      body = null;
    } catch (error) {
      await body?.cancel();
      if (context.signal.aborted) {
        throw error instanceof AbortedError ? error : new AbortedError({ cause: error });
      }
      if (received > before) attempt = 0;
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
  return buffer.subarray(0, length);
}
