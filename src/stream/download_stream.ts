/**
 * `downloadStream()`: an object as a `ReadableStream<Uint8Array>`, bytes in order, fetched by
 * parallel ranged parts ahead of the reader. Memory is bounded by a window of parts; a slow reader
 * slows the fetching (no part is started while the window is full). The CRC-64 of everything is
 * compared with the server's before the last part is delivered: on a mismatch the stream errors
 * with an `IntegrityError` instead of closing, so a reader never sees a clean end of wrong bytes
 * (though it has seen the bytes before the last part: they cannot be unsent).
 *
 * @module
 */
import { openPartStream } from "./part_stream.ts";
import type { DownloadStreamOptions } from "./stream_options.ts";

/**
 * Streams an object (or a range of it) in order. Errors (service errors, retries exhausted, a
 * changed object, a CRC-64 mismatch) make the stream error with the typed error; cancelling the
 * stream stops every request. Each chunk is one part, in a buffer of its own that the reader may
 * keep. A reader that stops early must cancel the stream (leaving a `for await` loop does): that
 * ends the requests and the hashing worker, which would otherwise keep the process alive.
 *
 * @throws {TypeError} at once for a malformed source or credentials
 * @throws {RangeError} at once for a bad part size, concurrency or window
 *
 * @example
 * ```ts ignore
 * import { downloadStream } from "./download_stream.ts";
 * const stream = downloadStream({
 *   source: "oss://my-bucket/backup.tar.zst",
 *   region: "cn-hangzhou",
 *   onResult: (r) => console.error(r.verification),
 * });
 * for await (const chunk of stream) console.log(chunk.length);
 * // a CRC-64 mismatch rejects the loop with an IntegrityError before it ends
 * ```
 */
export function downloadStream(options: DownloadStreamOptions): ReadableStream<Uint8Array> {
  const parts = openPartStream(options);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const bytes = await parts.next();
      if (bytes === null) controller.close();
      else controller.enqueue(bytes);
    },
    cancel: () => parts.stop(),
  }, { highWaterMark: 0 });
}
