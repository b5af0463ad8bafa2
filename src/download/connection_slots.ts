/**
 * A cap on open connections shared by several downloads (a prefix download runs many objects at
 * once, each with its own parallel parts, under one limit): a part's request holds a slot while it
 * runs, and waits for one when all are taken.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";

/**
 * Counting slots, handed out in request order.
 *
 * @example
 * ```ts
 * import { ConnectionSlots } from "./connection_slots.ts";
 * const slots = new ConnectionSlots(2);
 * const release = await slots.acquire();
 * try {
 *   // ... one request ...
 * } finally {
 *   release();
 * }
 * ```
 */
export class ConnectionSlots {
  /** The number of slots. */
  readonly size: number;
  #free: number;
  #waiting: Array<() => void> = [];

  /**
   * Make `size` slots.
   *
   * @param size how many connections may be open at once (>= 1)
   */
  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RangeError(`the connection limit must be a positive integer, got ${size}`);
    }
    this.size = size;
    this.#free = size;
  }

  /** Slots in use now. */
  get inUse(): number {
    return this.size - this.#free;
  }

  /**
   * Wait for a free slot; resolves with its release function (idempotent). Rejects with
   * `AbortedError` when `signal` aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise((resolve, reject) => {
      let onAbort: (() => void) | null = null;
      const grant = () => {
        if (onAbort) signal?.removeEventListener("abort", onAbort);
        this.#free--;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#free++;
          this.#waiting.shift()?.();
        });
      };
      if (this.#free > 0 && this.#waiting.length === 0) return grant();
      this.#waiting.push(grant);
      onAbort = () => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(new AbortedError());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
