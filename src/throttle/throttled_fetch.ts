/**
 * A fetch whose response bodies pass through a {@linkcode RateLimiter}: each body is cut into
 * small pieces and every piece waits for its share of the limit before the reader gets it. The
 * body is pulled from the network only as fast as it is let through, so TCP back-pressure slows
 * the sender instead of memory filling up.
 *
 * @module
 */
import type { FetchFunction } from "../oss/http_send.ts";
import type { RateLimiter } from "./rate_limiter.ts";

/**
 * `fetchFn` with every response body limited by `limiter` (shared by all the requests that use
 * it, and with any other fetch built on the same limiter).
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * import { throttledFetch } from "./throttled_fetch.ts";
 * const limiter = new RateLimiter(1024 * 1024);
 * const limited = throttledFetch(async () => new Response("hello"), limiter);
 * await (await limited(new Request("http://127.0.0.1/"))).text(); // "hello", at most 1 MiB/s
 * ```
 */
export function throttledFetch(fetchFn: FetchFunction, limiter: RateLimiter): FetchFunction {
  return async (request: Request): Promise<Response> => {
    const response = await fetchFn(request);
    if (response.body === null) return response;
    return new Response(throttledBody(response.body, limiter, request.signal), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/**
 * `body` cut into pieces of at most `limiter.pieceBytes`, each let through by `limiter`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * import { throttledBody } from "./throttled_fetch.ts";
 * const body = throttledBody(new Response("abc").body!, new RateLimiter(1024));
 * await new Response(body).text(); // "abc"
 * ```
 */
export function throttledBody(
  body: ReadableStream<Uint8Array>,
  limiter: RateLimiter,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let rest: Uint8Array | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!rest || rest.length === 0) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        rest = value;
      }
      const piece = rest.subarray(0, Math.min(rest.length, limiter.pieceBytes));
      rest = rest.subarray(piece.length);
      await limiter.take(piece.length, signal);
      controller.enqueue(piece);
    },
    cancel(reason) {
      rest = null;
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
