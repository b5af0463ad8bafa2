/**
 * The emulator's side of `x-oss-traffic-limit` (oss-protocol.md §3.6): a GET that carries it, as a
 * header or a query parameter, in bit/s, gets its body at that speed; a value OSS would refuse gets
 * 400 InvalidArgument (EC 0004-00000502).
 *
 * @module
 */
import { RateLimiter } from "../throttle/rate_limiter.ts";
import { throttledBody } from "../throttle/throttled_fetch.ts";
import { isValidTrafficLimit, TRAFFIC_LIMIT_HEADER } from "../throttle/traffic_limit.ts";
import type { OssErrorSpec } from "./error_response.ts";

/** The answer to a traffic limit that OSS does not accept. */
export const INVALID_TRAFFIC_LIMIT: OssErrorSpec = {
  status: 400,
  code: "InvalidArgument",
  message: "Invalid traffic limit: it must be from 819200 to 838860800 bit/s.",
  ec: "0004-00000502",
};

/**
 * The traffic limit a request asks for, in bit/s: `null` for none, `"invalid"` for a value OSS
 * would refuse.
 *
 * @example
 * ```ts
 * import { requestedTrafficLimit } from "./traffic_limit.ts";
 * const r = new Request("http://127.0.0.1/", { headers: { "x-oss-traffic-limit": "819200" } });
 * requestedTrafficLimit(r.headers, []); // 819200
 * ```
 */
export function requestedTrafficLimit(
  headers: Headers,
  query: readonly [string, string][],
): number | "invalid" | null {
  const text = headers.get(TRAFFIC_LIMIT_HEADER) ??
    query.find(([k]) => k.toLowerCase() === TRAFFIC_LIMIT_HEADER)?.[1] ?? null;
  if (text === null) return null;
  const bits = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  return isValidTrafficLimit(bits) ? bits : "invalid";
}

/**
 * `body` delivered at `bitsPerSecond` (one limit for this response alone, like OSS's
 * per-connection limit).
 *
 * @example
 * ```ts
 * import { trafficLimitedBody } from "./traffic_limit.ts";
 * const body = trafficLimitedBody(new Response("abc").body!, 819200);
 * await new Response(body).text(); // "abc"
 * ```
 */
export function trafficLimitedBody(
  body: ReadableStream<Uint8Array>,
  bitsPerSecond: number,
): ReadableStream<Uint8Array> {
  return throttledBody(body, new RateLimiter(bitsPerSecond / 8));
}
