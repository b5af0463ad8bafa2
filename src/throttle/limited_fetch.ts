/**
 * The fetch a download uses when it is given a {@linkcode RateLimiter}.
 *
 * @module
 */
import { defaultFetch, type FetchFunction } from "../oss/http_send.ts";
import type { RateLimiter } from "./rate_limiter.ts";
import { throttledFetch } from "./throttled_fetch.ts";

/**
 * `fetchFn` (or the global fetch) limited by `limiter`, or `fetchFn` unchanged without one.
 *
 * @example
 * ```ts
 * import { limitedFetch } from "./limited_fetch.ts";
 * import { RateLimiter } from "./rate_limiter.ts";
 * const f = limitedFetch(undefined, new RateLimiter(1 << 20)); // global fetch at 1 MiB/s
 * ```
 */
export function limitedFetch(
  fetchFn: FetchFunction | undefined,
  limiter: RateLimiter | undefined,
): FetchFunction | undefined {
  if (!limiter) return fetchFn;
  return throttledFetch(fetchFn ?? defaultFetch, limiter);
}
