/**
 * The injectable fetch and the one place requests are sent: rejections become typed errors.
 *
 * @module
 */

import { networkFailure } from "./network_failure.ts";

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
 * Sends `request` with `fetchFn`; a rejection becomes `AbortedError` (when `signal` aborted),
 * or `NetworkError` with a message free of URL secrets.
 *
 * @example
 * ```ts
 * import { send } from "./http_send.ts";
 * const r = await send(async () => new Response("ok"), new Request("http://127.0.0.1/"));
 * r.status; // 200
 * ```
 */
export async function send(
  fetchFn: FetchFunction,
  request: Request,
  signal?: AbortSignal,
): Promise<Response> {
  try {
    return await fetchFn(request);
  } catch (error) {
    throw networkFailure(error, signal);
  }
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
