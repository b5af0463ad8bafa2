/**
 * Retries with capped exponential backoff and full jitter. Network errors, 5xx, 408 and 429 are
 * retried; everything else (403, 404, 412, 416, aborts, bad arguments) is rethrown at once.
 *
 * @module
 */

import { AbortedError, NetworkError, OssServiceError, RetriesExhaustedError } from "../errors.ts";

/** How hard to retry. */
export interface RetryPolicy {
  /** Attempts in total, the first included. @default 5 */
  maxAttempts: number;
  /** Backoff base in milliseconds. @default 200 */
  baseDelayMs: number;
  /** Backoff cap in milliseconds. @default 20000 */
  maxDelayMs: number;
}

/** The default policy: 5 attempts, 200 ms base, 20 s cap. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 20000,
});

/**
 * Whether a failure is worth retrying: `NetworkError`, or an `OssServiceError` with status 5xx,
 * 408 or 429.
 *
 * @example
 * ```ts
 * import { isRetryable } from "./retry.ts";
 * import { NetworkError } from "../errors.ts";
 * isRetryable(new NetworkError("reset")); // true
 * isRetryable(new TypeError("bad argument")); // false
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof OssServiceError) {
    return error.status >= 500 || error.status === 408 || error.status === 429;
  }
  return false;
}

/**
 * The delay before the retry that follows failed attempt number `attempt` (0-based), with full
 * jitter: `random() * min(baseDelayMs * 2^attempt, maxDelayMs)`.
 *
 * @example
 * ```ts
 * import { backoffDelay, DEFAULT_RETRY_POLICY } from "./retry.ts";
 * backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0.5); // 800
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return random() * cap;
}

/**
 * Waits `ms` milliseconds; rejects with `AbortedError` as soon as `signal` aborts.
 *
 * @example
 * ```ts
 * import { abortableSleep } from "./retry.ts";
 * await abortableSleep(10);
 * ```
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * After failed attempt number `attempt` (1-based) of a transfer that continues where it stopped:
 * rethrows a failure that is not retryable, throws `RetriesExhaustedError` after the last attempt,
 * else tells `onRetry` and waits the backoff (rejecting with `AbortedError` when `signal` aborts).
 *
 * @example
 * ```ts
 * import { NetworkError } from "../errors.ts";
 * import { waitToRetry } from "./retry.ts";
 * await waitToRetry(new NetworkError("reset"), 1, { maxAttempts: 3, baseDelayMs: 1 });
 * ```
 */
export async function waitToRetry(
  error: unknown,
  attempt: number,
  policy: { maxAttempts: number; baseDelayMs: number },
  signal?: AbortSignal,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<void> {
  if (!isRetryable(error)) throw error;
  if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, error);
  const delay = backoffDelay(attempt - 1, {
    ...policy,
    maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
  });
  onRetry?.(error, attempt, delay);
  await abortableSleep(delay, signal);
}

/** Options of {@linkcode withRetries}. */
export interface WithRetriesOptions {
  /** The policy; missing fields take the defaults. @default DEFAULT_RETRY_POLICY */
  policy?: Partial<RetryPolicy>;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
  /** The sleep to use (tests inject one). @default abortableSleep */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** Called before each retry's wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * Runs `fn` until it succeeds, retrying retryable failures (see {@linkcode isRetryable}).
 *
 * @param fn the operation; receives the 0-based attempt number
 * @param options policy, signal, injectable sleep and jitter
 * @throws {RetriesExhaustedError} when every attempt failed with a retryable error
 * @throws {AbortedError} when `signal` aborts
 * @throws the first non-retryable error, unchanged
 *
 * @example
 * ```ts
 * import { withRetries } from "./retry.ts";
 * const value = await withRetries(async () => 42, { policy: { maxAttempts: 3 } });
 * ```
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: WithRetriesOptions = {},
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  const sleep = options.sleep ?? abortableSleep;
  const { signal } = options;
  for (let attempt = 0;; attempt++) {
    if (signal?.aborted) throw new AbortedError();
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw error instanceof AbortedError ? error : new AbortedError();
      if (!isRetryable(error)) throw error;
      if (attempt + 1 >= maxAttempts) throw new RetriesExhaustedError(attempt + 1, error);
      const delayMs = backoffDelay(attempt, policy, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
}
