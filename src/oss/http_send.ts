/**
 * The injectable fetch and the one place requests are sent: each request gets its own
 * `AbortController`, linked to the caller's signal; the response headers must arrive within the
 * connect timeout and each body read gets a byte within the idle timeout, or the request is aborted
 * (its connection freed) and the failure is a retryable `NetworkError`. Rejections become typed
 * errors.
 *
 * @module
 */

import { AbortedError, NetworkError, type OssdlError } from "../errors.ts";
import { formatSeconds, networkFailure, typedBody } from "./network_failure.ts";

/** A `fetch`-compatible function (the global `fetch` fits; tests pass fakes). */
export type FetchFunction = (request: Request) => Promise<Response>;

/**
 * The default fetch: the global one, looked up at call time.
 *
 * @example
 * ```ts
 * import { defaultFetch } from "./http_send.ts";
 * const response = await defaultFetch(new Request("https://example.com/"));
 * ```
 */
export const defaultFetch: FetchFunction = (request) => globalThis.fetch(request);

/**
 * Options of {@linkcode send}.
 *
 * @example
 * ```ts
 * import type { SendOptions } from "./http_send.ts";
 * const options: SendOptions = { connectTimeoutMs: 30_000, idleTimeoutMs: 60_000 };
 * ```
 */
export interface SendOptions {
  /**
   * The caller's signal: aborting it aborts the request and its body, and the failure is an
   * `AbortedError` (never a timeout).
   */
  signal?: AbortSignal;
  /**
   * Abort the request when its response headers have not arrived within this many milliseconds
   * (connect, TLS and the server's first answer): `NetworkError` "no response within N s".
   * `Infinity` means no limit.
   * @default Infinity
   */
  connectTimeoutMs?: number;
  /**
   * Abort the request when a body read gets no byte for this many milliseconds: the read fails
   * with `NetworkError` "no data for N s". `Infinity` means no limit.
   * @default Infinity
   */
  idleTimeoutMs?: number;
}

/** The largest delay `setTimeout` takes; longer ones fire at once, so they mean "no limit". */
const MAX_TIMER_MS = 2_147_483_647;

/** Statuses whose responses have no body (a `Response` with a body cannot be made for them). */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * Sends `request` with `fetchFn` under its own `AbortController` (linked to `options.signal`).
 * A rejection becomes `AbortedError` (when the caller aborted), `NetworkError` "no response within
 * N s" (connect timeout), or `NetworkError` with a message free of URL secrets. The response's
 * body, when it has one, is wrapped by {@linkcode typedBody}: its reads fail with typed errors, at
 * once on the caller's abort, and after `idleTimeoutMs` without a byte (the request is aborted
 * then). The caller's signal is let go when the body ends, fails or is cancelled.
 *
 * @example
 * ```ts
 * import { send } from "./http_send.ts";
 * const r = await send(async () => new Response("ok"), new Request("http://127.0.0.1/"), {
 *   connectTimeoutMs: 30_000,
 *   idleTimeoutMs: 60_000,
 * });
 * r.status; // 200
 * await r.text(); // "ok"
 * ```
 */
export async function send(
  fetchFn: FetchFunction,
  request: Request,
  options: SendOptions = {},
): Promise<Response> {
  const { signal } = options;
  if (signal?.aborted) throw new AbortedError();
  const controller = new AbortController();
  let stop: (error: OssdlError) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  // Rejected after the race is over too (a late abort); nobody needs to hear of it then.
  stopped.catch(() => {});
  const onAbort = (): void => {
    stop(new AbortedError());
    controller.abort();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const release = (): void => signal?.removeEventListener("abort", onAbort);

  const connectMs = options.connectTimeoutMs ?? Infinity;
  let timedOut: NetworkError | null = null;
  const timer = connectMs <= MAX_TIMER_MS
    ? setTimeout(() => {
      timedOut = new NetworkError(`no response within ${formatSeconds(connectMs)} s`);
      stop(timedOut);
      controller.abort();
    }, connectMs)
    : undefined;
  // A fetch that throws at once rejects here like any other.
  const pending =
    (async () => await fetchFn(new Request(request, { signal: controller.signal })))();
  let response: Response;
  try {
    response = await Promise.race([pending, stopped]);
  } catch (error) {
    release();
    // A response that comes after all must not keep its connection.
    pending.then(discardBody, () => {});
    if (signal?.aborted) {
      throw error instanceof AbortedError ? error : new AbortedError({ cause: error });
    }
    if (timedOut) throw timedOut;
    throw networkFailure(error, signal);
  } finally {
    clearTimeout(timer);
  }
  if (response.body === null || NULL_BODY_STATUSES.has(response.status)) {
    release();
    return response;
  }
  const body = typedBody(response.body, {
    signal,
    idleTimeoutMs: options.idleTimeoutMs,
    onTimeout: () => controller.abort(),
    onClose: release,
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * Cancels a response body that will not be read (frees the connection); never throws.
 *
 * @example
 * ```ts
 * import { discardBody } from "./http_send.ts";
 * await discardBody(new Response("unused"));
 * ```
 */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already closed or errored
  }
}
