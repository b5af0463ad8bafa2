/**
 * The options every object source shares: how requests are sent and retried.
 *
 * @module
 */
import type { FetchFunction } from "./http_send.ts";
import type { StatOptions } from "./object_source.ts";
import type { RetryPolicy, WithRetriesOptions } from "./retry.ts";

/**
 * How requests are sent and retried.
 *
 * @example
 * ```ts
 * import type { RequestOptions } from "./request_options.ts";
 * const options: RequestOptions = { retry: { maxAttempts: 3 }, userAgent: "my-tool/1.0" };
 * ```
 */
export interface RequestOptions {
  /** Sends the requests. @default globalThis.fetch */
  fetch?: FetchFunction;
  /** Retry policy of `stat`. @default DEFAULT_RETRY_POLICY */
  retry?: Partial<RetryPolicy>;
  /** Sent as `User-Agent` when given. */
  userAgent?: string;
  /** Sleep between retries (tests). */
  sleep?: WithRetriesOptions["sleep"];
  /** Jitter source for retries (tests). @default Math.random */
  random?: () => number;
}

/**
 * The `withRetries` options of a `stat` call: the source's policy, sleep and jitter, with the
 * call's signal and retry listener.
 *
 * @example
 * ```ts
 * import { statRetryOptions } from "./request_options.ts";
 * const o = statRetryOptions({ retry: { maxAttempts: 2 } }, {});
 * console.log(o.policy); // { maxAttempts: 2 }
 * ```
 */
export function statRetryOptions(
  options: RequestOptions,
  stat: StatOptions,
): WithRetriesOptions {
  return {
    policy: options.retry,
    signal: stat.signal,
    onRetry: stat.onRetry,
    sleep: options.sleep,
    random: options.random,
  };
}
