/**
 * Maps a rejected `fetch` (or a failing body read) to a typed error: `AbortedError` when our
 * signal fired, the error itself when it is already an `OssdlError`, else `NetworkError` with a
 * message from which URL queries (signatures) are removed. Wraps response bodies so that their
 * reads fail with those typed errors, at once when the caller aborts, and after an idle timeout
 * when no byte arrives.
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
 * A duration in milliseconds as seconds for messages: `30000` → `"30"`, `200` → `"0.2"`.
 *
 * @example
 * ```ts
 * import { formatSeconds } from "./network_failure.ts";
 * formatSeconds(1500); // "1.5"
 * ```
 */
export function formatSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/**
 * Options of {@linkcode typedBody}.
 *
 * @example
 * ```ts
 * import type { TypedBodyOptions } from "./network_failure.ts";
 * const request = new AbortController();
 * const options: TypedBodyOptions = { idleTimeoutMs: 60_000, onTimeout: () => request.abort() };
 * ```
 */
export interface TypedBodyOptions {
  /** The caller's signal: once it aborts, a pending or later read fails with `AbortedError`. */
  signal?: AbortSignal;
  /**
   * A read that waits this many milliseconds without a byte fails with a retryable
   * `NetworkError` ("no data for N s"), and the body is cancelled. Only time spent waiting in a
   * read counts: a consumer that reads slowly is not timed. `Infinity` means no limit.
   * @default Infinity
   */
  idleTimeoutMs?: number;
  /** Told once when a read timed out (e.g. to abort the request and free its connection). */
  onTimeout?: () => void;
  /** Told once when the body is done with: ended, failed, timed out or cancelled. */
  onClose?: () => void;
}

/** The wrappers made by {@linkcode typedBody}: wrapping one again returns it as is. */
const TYPED = new WeakSet<ReadableStream<Uint8Array>>();

/**
 * Whether `body` was made by {@linkcode typedBody}: its reads already settle when the caller's
 * signal aborts, so a reader need not race them against the signal again.
 *
 * @example
 * ```ts
 * import { settlesOnAbort, typedBody } from "./network_failure.ts";
 * console.log(settlesOnAbort(typedBody(new Response("x").body!))); // true
 * ```
 */
export function settlesOnAbort(body: ReadableStream<Uint8Array>): boolean {
  return TYPED.has(body);
}

/** The largest delay `setTimeout` takes; longer ones fire at once, so they mean "no limit". */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Makes every read of a body settle: with the bytes, with the typed error of a failed read, at once
 * with `AbortedError` when the caller aborts (whether or not the runtime's read notices), or with
 * a `NetworkError` when no byte came for `idleTimeoutMs`.
 */
class ReadGuard {
  #options: TypedBodyOptions;
  #idleMs: number;
  #failure: OssdlError | null = null;
  /**
   * Rejects the read in progress with the failure. A promise of its own per read, not one
   * long-lived promise that every read races: each `Promise.race` against a promise that stays
   * pending leaves a reaction on it that keeps the race's result (the chunk read) reachable, so
   * every chunk of the body stayed in memory until the body ended (a whole part; on Bun, whose
   * chunks are fresh memory, ~1 GiB for 8 bodies of 128 MiB). See nodejs/node#17469.
   */
  #interrupt: ((error: OssdlError) => void) | null = null;
  #closed = false;
  /** When the read in progress began, or `null` between reads. */
  #waitingSince: number | null = null;
  /** One timer per body, not per read: it checks how long the current read has waited. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onAbort = (): void => this.#fail(new AbortedError(), false);

  constructor(options: TypedBodyOptions) {
    this.#options = options;
    const ms = options.idleTimeoutMs ?? Infinity;
    this.#idleMs = ms <= MAX_TIMER_MS ? ms : Infinity;
    const { signal } = options;
    if (signal?.aborted) this.#fail(new AbortedError(), false);
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Waits for `read`; rejects with the typed error, early on abort or timeout. */
  async wait<T>(read: Promise<T>): Promise<T> {
    // A read that loses the race settles later; its outcome no longer matters.
    read.catch(() => {});
    if (this.#failure) throw this.#failure;
    this.#waitingSince = performance.now();
    if (this.#timer === undefined && this.#idleMs !== Infinity) {
      this.#timer = setTimeout(this.#check, this.#idleMs);
    }
    try {
      return await new Promise<T>((resolve, reject) => {
        this.#interrupt = reject;
        read.then(resolve, reject);
      });
    } catch (error) {
      throw this.#failure ?? networkFailure(error, this.#options.signal);
    } finally {
      this.#interrupt = null;
      this.#waitingSince = null;
    }
  }

  /** The timer fired: fail the read in progress if it has waited long enough, else wait on. */
  #check = (): void => {
    this.#timer = undefined;
    if (this.#failure || this.#closed || this.#waitingSince === null) return;
    const waited = performance.now() - this.#waitingSince;
    if (waited >= this.#idleMs) {
      this.#fail(new NetworkError(`no data for ${formatSeconds(this.#idleMs)} s`), true);
    } else {
      this.#timer = setTimeout(this.#check, this.#idleMs - waited);
    }
  };

  #fail(error: OssdlError, timedOut: boolean): void {
    if (this.#failure) return;
    this.#failure = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (timedOut) this.#options.onTimeout?.();
    // A failure between reads is heard at the next read (`#failure`).
    this.#interrupt?.(error);
  }

  /** The body is done with: stop listening to the signal, tell `onClose` (once). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#options.onClose?.();
  }
}

/**
 * Wraps a response body so that read failures surface as typed errors (see
 * {@linkcode networkFailure}), every read settles once the caller's signal aborts, and a read
 * that gets no byte for `idleTimeoutMs` fails with a retryable `NetworkError`. Cancelling the
 * wrapper cancels the original body; so does a failed read. When the body is a byte stream
 * (Deno's `fetch`), so is the wrapper, and a BYOB read of the wrapper reads straight into the
 * caller's memory: no chunk is allocated or copied on the way. A wrapper is returned as is when
 * wrapped again.
 *
 * @param body the response body
 * @param options the caller's signal (or the options: signal, idle timeout, listeners)
 *
 * @example
 * ```ts
 * import { typedBody } from "./network_failure.ts";
 * const body = typedBody(new Response("abc").body!, { idleTimeoutMs: 60_000 });
 * await new Response(body).text(); // "abc"
 * ```
 */
export function typedBody(
  body: ReadableStream<Uint8Array>,
  options: AbortSignal | TypedBodyOptions = {},
): ReadableStream<Uint8Array> {
  if (TYPED.has(body)) return body;
  const guard = new ReadGuard(options instanceof AbortSignal ? { signal: options } : options);
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (e.g. Bun's fetch): chunks are passed on as they come.
  }
  const typed = byob ? typedByteBody(byob, guard) : typedChunkBody(body.getReader(), guard);
  TYPED.add(typed);
  return typed;
}

function typedChunkBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  guard: ReadGuard,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller): Promise<void> {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await guard.wait(reader.read());
      } catch (e) {
        guard.close();
        reader.cancel().catch(() => {});
        controller.error(e);
        return;
      }
      if (result.done) {
        guard.close();
        controller.close();
      } else {
        controller.enqueue(result.value);
      }
    },
    async cancel(reason): Promise<void> {
      guard.close();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/** Chunks handed to a default (non-BYOB) reader of the byte-stream wrapper. */
const AUTO_CHUNK_BYTES = 65536;

function typedByteBody(
  reader: ReadableStreamBYOBReader,
  guard: ReadGuard,
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
        result = await guard.wait(
          reader.read(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)),
        );
      } catch (e) {
        // The view's memory stays with the abandoned read; the reader of this wrapper gets the
        // error (and allocates new memory for its next body).
        guard.close();
        reader.cancel().catch(() => {});
        controller.error(e);
        return;
      }
      if (result.done) {
        guard.close();
        controller.close();
        // The memory comes back (empty) with `done`; hand it back to our reader the same way.
        if (result.value) request.respondWithNewView(result.value);
        else request.respond(0);
        return;
      }
      request.respondWithNewView(result.value);
    },
    async cancel(reason): Promise<void> {
      guard.close();
      await reader.cancel(reason).catch(() => {});
    },
  });
}
