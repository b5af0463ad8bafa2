/**
 * Hands work to idle workers: first the planned parts, then, when none is left, the second half of
 * the segment with the most bytes still to come (work stealing, against tail latency).
 *
 * @module
 */
import type { Segment } from "./segment.ts";

/**
 * The work queue.
 *
 * @example
 * ```ts ignore
 * const scheduler = new Scheduler(segments, 1 << 20, makeSegment);
 * const next = scheduler.next(); // a Segment or null when nothing is left to share
 * ```
 */
export class Scheduler {
  #queue: Segment[];
  #all: Segment[];
  #minSteal: number;
  #split: (from: number, end: number) => Segment;
  /** Number of tails taken over. */
  steals = 0;

  /**
   * @param segments the work, in order
   * @param minSteal the least bytes a lagging segment must still have for its tail to be split off
   * @param split makes a new segment for `[from, end)`
   */
  constructor(
    segments: Segment[],
    minSteal: number,
    split: (from: number, end: number) => Segment,
  ) {
    this.#queue = [...segments];
    this.#all = [...segments];
    this.#minSteal = minSteal;
    this.#split = split;
  }

  /** Every segment handed out or planned so far, in creation order. */
  get segments(): readonly Segment[] {
    return this.#all;
  }

  /** The next segment for an idle worker, or `null` when there is nothing worth taking. */
  next(): Segment | null {
    const queued = this.#queue.shift();
    if (queued) {
      queued.active = true;
      return queued;
    }
    let victim: Segment | null = null;
    for (const s of this.#all) {
      if (s.active && (!victim || s.remaining > victim.remaining)) victim = s;
    }
    if (!victim || victim.remaining < this.#minSteal) return null;
    // Split what is left in two, on a 64 KiB boundary when one falls inside, and only when the
    // tail is still worth a request of its own.
    const align = 64 * 1024;
    let cut = victim.received + Math.ceil(victim.remaining / 2);
    const aligned = Math.floor(cut / align) * align;
    if (aligned > victim.received) cut = aligned;
    if (victim.end - cut < this.#minSteal / 2) return null;
    const tail = this.#split(cut, victim.end);
    victim.end = cut;
    tail.active = true;
    this.#all.push(tail);
    this.steals++;
    return tail;
  }
}
