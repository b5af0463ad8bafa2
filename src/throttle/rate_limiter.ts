/**
 * One bandwidth limit shared by every request that holds it: a token bucket refilled at
 * `bytesPerSecond`, with a small burst (a tenth of a second's worth), served first come, first
 * served. The rate can be changed at any moment; waiting requests follow the new rate at once.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";

/** Options of {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /**
   * How much a burst may exceed the rate: the bucket holds this many seconds' worth of bytes.
   * @default 0.1
   */
  burstSeconds?: number;
  /** The clock, in milliseconds (tests). @default performance.now */
  now?: () => number;
}

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** The smallest piece a body is cut into, in bytes (limits below ~10 KiB/s still progress). */
const MIN_PIECE = 1024;
/** The largest piece a body is cut into, in bytes. */
const MAX_PIECE = 64 * 1024;

/**
 * A process-wide (or caller-wide) bandwidth limit in bytes per second. Give the same limiter to
 * every download that must share the limit; change {@linkcode RateLimiter.bytesPerSecond} while
 * they run. `Infinity` (or 0) means no limit.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * const limiter = new RateLimiter(4 * 1024 * 1024); // 4 MiB/s for everyone holding it
 * await limiter.take(65536); // resolves when 64 KiB may pass
 * limiter.bytesPerSecond = 8 * 1024 * 1024; // faster from now on
 * ```
 */
export class RateLimiter {
  #rate: number;
  #burstSeconds: number;
  #now: () => number;
  #tokens: number;
  #last: number;
  #queue: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Make a limiter whose bucket starts full.
   *
   * @param bytesPerSecond the limit; `Infinity` or 0 for none
   * @param options burst and clock
   * @throws {RangeError} when the limit is negative or not a number
   */
  constructor(bytesPerSecond: number, options: RateLimiterOptions = {}) {
    this.#rate = checkRate(bytesPerSecond);
    this.#burstSeconds = options.burstSeconds ?? 0.1;
    if (!(this.#burstSeconds > 0)) throw new RangeError("burstSeconds must be > 0");
    this.#now = options.now ?? (() => performance.now());
    this.#last = this.#now();
    this.#tokens = this.#capacity();
  }

  /** The limit in bytes per second (`Infinity`: none). Setting it applies at once. */
  get bytesPerSecond(): number {
    return this.#rate;
  }

  set bytesPerSecond(value: number) {
    this.#refill();
    this.#rate = checkRate(value);
    this.#tokens = Math.min(this.#tokens, this.#capacity());
    this.#schedule();
  }

  /**
   * The size of the pieces a throttled body is cut into: small enough that many parts share the
   * limit smoothly, large enough to keep the overhead low; never more than the burst.
   */
  get pieceBytes(): number {
    if (!Number.isFinite(this.#rate)) return MAX_PIECE;
    const piece = Math.floor(this.#rate / 64);
    return Math.max(MIN_PIECE, Math.min(MAX_PIECE, piece, Math.floor(this.#capacity())));
  }

  /**
   * Waits until `bytes` may pass (first come, first served), then takes them from the bucket.
   * Requests larger than the burst pass when the bucket is full and leave it in debt.
   *
   * @throws {AbortedError} when `signal` aborts while waiting
   */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (!Number.isFinite(this.#rate) || bytes <= 0) return Promise.resolve();
    this.#refill();
    if (this.#queue.length === 0 && this.#tokens >= Math.min(bytes, this.#capacity())) {
      this.#tokens -= bytes;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(new AbortedError());
          this.#schedule();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#schedule();
    });
  }

  #capacity(): number {
    return Number.isFinite(this.#rate) ? Math.max(MIN_PIECE, this.#rate * this.#burstSeconds) : 0;
  }

  #refill(): void {
    const now = this.#now();
    if (Number.isFinite(this.#rate)) {
      this.#tokens = Math.min(
        this.#capacity(),
        this.#tokens + (now - this.#last) / 1000 * this.#rate,
      );
    }
    this.#last = now;
  }

  /** Grants what the bucket allows, in order, and sets a timer for the next waiter. */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#refill();
    while (this.#queue.length > 0) {
      const head = this.#queue[0];
      const unlimited = !Number.isFinite(this.#rate);
      const need = Math.min(head.bytes, this.#capacity());
      if (!unlimited && this.#tokens < need) {
        const ms = Math.max(1, Math.ceil((need - this.#tokens) / this.#rate * 1000));
        this.#timer = setTimeout(() => this.#schedule(), ms);
        return;
      }
      this.#queue.shift();
      if (!unlimited) this.#tokens -= head.bytes;
      if (head.onAbort) head.signal?.removeEventListener("abort", head.onAbort);
      head.resolve();
    }
  }
}

function checkRate(value: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`bytesPerSecond must be a number >= 0, got ${value}`);
  }
  return value === 0 ? Infinity : value;
}
