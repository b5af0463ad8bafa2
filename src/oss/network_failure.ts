/**
 * Maps a rejected `fetch` (or a failing body read) to a typed error: `AbortedError` when our
 * signal fired, the error itself when it is already an `OssdlError`, else `NetworkError` with a
 * message from which URL queries (signatures) are removed.
 *
 * @module
 */

import { AbortedError, NetworkError, OssdlError } from "../errors.ts";
import { redactUrls } from "./redact.ts";

function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(current.message + (typeof code === "string" ? ` (${code})` : ""));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return redactUrls(parts.filter((p) => p).join(": ") || "request failed");
}

/**
 * The typed error for a failed `fetch` or body read.
 *
 * @param error what fetch (or the body reader) threw
 * @param signal the caller's signal; when aborted the result is an `AbortedError`
 *
 * @example
 * ```ts
 * import { networkFailure } from "./network_failure.ts";
 * networkFailure(new TypeError("connection refused")).code; // "NETWORK_ERROR"
 * ```
 */
export function networkFailure(error: unknown, signal?: AbortSignal): OssdlError {
  if (error instanceof OssdlError) return error;
  if (signal?.aborted) return new AbortedError();
  return new NetworkError(describe(error));
}

/**
 * Wraps a response body so that read failures surface as typed errors (see
 * {@linkcode networkFailure}). Cancelling the wrapper cancels the original body. When the body is a
 * byte stream (Deno's `fetch`), so is the wrapper, and a BYOB read of the wrapper reads straight
 * into the caller's memory: no chunk is allocated or copied on the way.
 *
 * @example
 * ```ts
 * import { typedBody } from "./network_failure.ts";
 * const body = typedBody(new Response("abc").body!);
 * await new Response(body).text(); // "abc"
 * ```
 */
export function typedBody(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (e.g. Bun's fetch): chunks are passed on as they come.
  }
  return byob ? typedByteBody(byob, signal) : typedChunkBody(body.getReader(), signal);
}

function typedChunkBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller): Promise<void> {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (e) {
        controller.error(networkFailure(e, signal));
        return;
      }
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    async cancel(reason): Promise<void> {
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/** Chunks handed to a default (non-BYOB) reader of the byte-stream wrapper. */
const AUTO_CHUNK_BYTES = 65536;

function typedByteBody(
  reader: ReadableStreamBYOBReader,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: AUTO_CHUNK_BYTES,
    async pull(controller: ReadableByteStreamController): Promise<void> {
      // With autoAllocateChunkSize there is always a request: the reader's view, or a new chunk.
      const request = controller.byobRequest!;
      const view = request.view!;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      } catch (e) {
        controller.error(networkFailure(e, signal));
        return;
      }
      if (result.done) {
        controller.close();
        // The memory comes back (empty) with `done`; hand it back to our reader the same way.
        if (result.value) request.respondWithNewView(result.value);
        else request.respond(0);
        return;
      }
      request.respondWithNewView(result.value);
    },
    async cancel(reason): Promise<void> {
      await reader.cancel(reason).catch(() => {});
    },
  });
}
