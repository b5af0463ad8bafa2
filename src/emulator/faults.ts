/**
 * Fault injection for the emulator: what can go wrong, a seeded random generator, and the body
 * stream that drops, throttles, stalls or corrupts bytes.
 *
 * @module
 */

/** Faults to inject. Set them for all requests or return them per request from a hook. */
export interface Faults {
  /**
   * Answer with a 5xx error XML (`status`, default 503) instead of the object.
   *
   * As a global fault (`setFaults`): the next `next` requests fail; after that each fails with
   * probability `rate` (seeded), or none when `rate` is unset. With neither, every request fails.
   *
   * From a `faultsFor` hook it applies to that one request: it fails with probability `rate`, or
   * always when `rate` is unset. `next` is a global-only countdown and is ignored there.
   */
  serverError?: { status?: 500 | 503; rate?: number; next?: number };
  /** The body stream errors after this many bytes (over a port: the socket is destroyed). */
  dropAfterBytes?: number;
  /**
   * The body sends this many bytes, then nothing more: it neither ends nor fails until the client
   * cancels it or goes away (a stalled connection; the client's idle timeout must end it).
   */
  stallAfterBytes?: number;
  /**
   * Answer only when the client gives up (its request's signal aborts; over a port, when it
   * disconnects): the headers never come (the client's connect timeout must end it).
   */
  stallHeaders?: boolean;
  /** Wait this many milliseconds before answering (or until the client gives up, if sooner). */
  delayHeadersMs?: number;
  /** Slow the body to `bytesPerSecond`, only for object bytes in `[start, end)` when given. */
  throttle?: { bytesPerSecond: number; start?: number; end?: number };
  /** Invert the byte at this object offset whenever it is sent. */
  flipByteAt?: number;
  /**
   * Once the emulator has seen `afterRequests` requests, replace the object (`bucket`/`key`, by
   * default the one requested) with `content`: new ETag, CRC-64 and version. Happens once per
   * `changeObject` object (a hook must return the same object each time).
   */
  changeObject?: { afterRequests: number; content: Uint8Array; bucket?: string; key?: string };
  /** Answer ranged GETs with 200 and the whole object. */
  ignoreRange?: boolean;
  /** Answer 403 AccessDenied (as for an object a RAM policy denies); not retried by clients. */
  denyAccess?: boolean;
  /** Seed for the random generator behind `serverError.rate`. @default 1 */
  seed?: number;
}

export { seededRandom } from "../seeded_random.ts";

/** The faults that act on a response body. */
export type BodyFaults = Pick<
  Faults,
  "dropAfterBytes" | "stallAfterBytes" | "throttle" | "flipByteAt"
>;

/**
 * The error a dropped body stream fails with (`handle()` callers see it; over a port the socket is
 * destroyed instead).
 *
 * @example
 * ```ts
 * import { DroppedConnectionError } from "./faults.ts";
 * console.log(new DroppedConnectionError(10).message); // connection dropped ... after 10 bytes
 * ```
 */
export class DroppedConnectionError extends Error {
  /**
   * Build the error, its message saying how many body bytes were sent before the drop.
   * @param sent bytes sent before the drop
   */
  constructor(sent: number) {
    super(`connection dropped by the emulator after ${sent} bytes`);
    this.name = "DroppedConnectionError";
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits `ms` milliseconds (forever when `ms` is `Infinity`), or until `signal` aborts if sooner.
 * Only the timer of a finite wait keeps a process alive, and it is cleared on abort.
 *
 * @example
 * ```ts
 * import { waitUnlessAborted } from "./faults.ts";
 * await waitUnlessAborted(10, new AbortController().signal);
 * ```
 */
export function waitUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    signal?.addEventListener("abort", done, { once: true });
    if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(0, ms));
  });
}

/**
 * Wrap a body stream that starts at object offset `start` with the body faults; `onBytes` is
 * told every chunk handed on.
 *
 * @example
 * ```ts
 * import { faultyBody } from "./faults.ts";
 * const body = faultyBody(new Blob([new Uint8Array(10)]).stream(), 0, { flipByteAt: 3 }, () => {});
 * const bytes = new Uint8Array(await new Response(body).arrayBuffer());
 * console.log(bytes[3]); // 255
 * ```
 */
export function faultyBody(
  source: ReadableStream<Uint8Array>,
  start: number,
  faults: BodyFaults,
  onBytes: (n: number) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let pending: Uint8Array | null = null;
  let pos = start;
  let sent = 0;
  // Ends a stall: the body was cancelled.
  let unstall: (() => void) | null = null;
  const { dropAfterBytes, stallAfterBytes, throttle, flipByteAt } = faults;
  const tStart = throttle?.start ?? 0;
  const tEnd = throttle?.end ?? Infinity;
  const step = throttle ? Math.max(1, Math.floor(throttle.bytesPerSecond / 20)) : 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (dropAfterBytes !== undefined && sent >= dropAfterBytes) {
        await reader.cancel().catch(() => {});
        controller.error(new DroppedConnectionError(sent));
        return;
      }
      if (stallAfterBytes !== undefined && sent >= stallAfterBytes) {
        // Nothing more, ever: only a cancel ends the wait (the stream is closed by then).
        await new Promise<void>((resolve) => (unstall = resolve));
        return;
      }
      if (pending === null || pending.length === 0) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        pending = value;
        if (flipByteAt !== undefined && flipByteAt >= pos && flipByteAt < pos + value.length) {
          pending = value.slice();
          pending[flipByteAt - pos] ^= 0xff;
        }
      }
      let n = pending.length;
      const throttled = throttle !== undefined && pos >= tStart && pos < tEnd;
      if (throttled) n = Math.min(n, step, tEnd - pos);
      else if (throttle !== undefined && pos < tStart) n = Math.min(n, tStart - pos);
      if (dropAfterBytes !== undefined) n = Math.min(n, dropAfterBytes - sent);
      if (stallAfterBytes !== undefined) n = Math.min(n, stallAfterBytes - sent);
      if (throttled) await sleep((n / throttle.bytesPerSecond) * 1000);
      const out = pending.subarray(0, n);
      pending = pending.subarray(n);
      pos += n;
      sent += n;
      onBytes(n);
      controller.enqueue(out);
    },
    cancel(reason) {
      unstall?.();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
