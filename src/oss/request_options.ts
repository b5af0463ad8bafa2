/**
 * The options every object source shares: how requests are sent, timed and retried.
 *
 * @module
 */
import type { FetchFunction, SendOptions } from "./http_send.ts";
import type { StatOptions } from "./object_source.ts";
import type { RetryPolicy, WithRetriesOptions } from "./retry.ts";

/** The default connect timeout of a request (until its response headers arrive), in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** The default idle timeout of a response body (no byte for that long), in ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * How requests are sent, timed and retried.
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
  /**
   * A request whose response headers have not arrived within this many milliseconds (connect,
   * TLS and the server's first answer) is aborted and fails with a retryable `NetworkError`
   * ("no response within N s"); `stat` retries it. `Infinity` means no limit.
   * @default 30000
   */
  connectTimeoutMs?: number;
  /**
   * A response body that delivers no byte for this many milliseconds while it is read is aborted
   * (its connection freed) and the read fails with a retryable `NetworkError` ("no data for
   * N s"). `Infinity` means no limit.
   * @default 60000
   */
  idleTimeoutMs?: number;
}

function timeout(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || Number.isNaN(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  }
  return v;
}

/**
 * The timeouts of `options` with their defaults, checked: what {@linkcode send} takes (the signal
 * is added per call).
 *
 * @throws {RangeError} when a timeout is not a positive number
 *
 * @example
 * ```ts
 * import { requestTimeouts } from "./request_options.ts";
 * requestTimeouts({ idleTimeoutMs: 5000 }); // { connectTimeoutMs: 30000, idleTimeoutMs: 5000 }
 * ```
 */
export function requestTimeouts(
  options: RequestOptions,
): Required<Pick<SendOptions, "connectTimeoutMs" | "idleTimeoutMs">> {
  return {
    connectTimeoutMs: timeout(
      "connectTimeoutMs",
      options.connectTimeoutMs,
      DEFAULT_CONNECT_TIMEOUT_MS,
    ),
    idleTimeoutMs: timeout("idleTimeoutMs", options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
  };
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
