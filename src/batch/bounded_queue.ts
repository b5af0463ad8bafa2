/**
 * A first-in first-out queue with a size limit between one producer (the listing) and many
 * consumers (the workers): `push` waits while the queue is full, `take` waits while it is empty,
 * and `close` lets the consumers drain it and then stop.
 *
 * @module
 */
import { AbortedError } from "../errors.ts";

/**
 * A bounded queue.
 *
 * @example
 * ```ts
 * import { BoundedQueue } from "./bounded_queue.ts";
 * const queue = new BoundedQueue<number>(2);
 * await queue.push(1);
 * queue.close();
 * console.log(await queue.take(), await queue.take()); // 1 undefined
 * ```
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #head = 0;
  #limit: number;
  #closed = false;
  #takers: Array<(item: T | undefined) => void> = [];
  #pushers: Array<() => void> = [];

  /** @param limit items held at most */
  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError("limit must be >= 1");
    this.#limit = limit;
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Add an item, waiting while the queue is full; `AbortedError` when `signal` aborts first. */
  async push(item: T, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new Error("push after close");
    const taker = this.#takers.shift();
    if (taker) return taker(item);
    while (this.size >= this.#limit) {
      if (signal?.aborted) throw new AbortedError();
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#pushers.push(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        });
      });
      if (signal?.aborted) throw new AbortedError();
    }
    this.#items.push(item);
  }

  /** The next item, waiting while the queue is empty; `undefined` once closed and drained. */
  take(): Promise<T | undefined> {
    if (this.size > 0) {
      const item = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      this.#pushers.shift()?.();
      return Promise.resolve(item);
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  /** No more items: waiting and later takers get `undefined` once the queue is empty. */
  close(): void {
    this.#closed = true;
    for (const taker of this.#takers.splice(0)) taker(undefined);
    for (const pusher of this.#pushers.splice(0)) pusher();
  }
}
