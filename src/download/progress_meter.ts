/**
 * Turns byte counts into progress reports: a rate over a sliding window and an ETA, delivered at
 * most once per interval.
 *
 * @module
 */
import type { DownloadProgress } from "./options.ts";

/**
 * Measures progress.
 *
 * @example
 * ```ts
 * import { ProgressMeter } from "./progress_meter.ts";
 * const meter = new ProgressMeter(1000, 0, 200, (p) => console.log(p.bytesDone), () => 0);
 * meter.add(100);
 * meter.report({ activeParts: 1, partsDone: 0, partsTotal: 1 }, true);
 * ```
 */
export class ProgressMeter {
  #total: number;
  #resumed: number;
  #done: number;
  #interval: number;
  #listener?: (p: DownloadProgress) => void;
  #now: () => number;
  #last = -Infinity;
  /** (time, bytesDone) samples of the last few seconds. */
  #samples: Array<[number, number]> = [];

  /**
   * @param total bytes in all
   * @param resumed bytes already on disk
   * @param intervalMs least ms between reports
   * @param listener receives reports
   * @param now a clock in ms
   */
  constructor(
    total: number,
    resumed: number,
    intervalMs: number,
    listener?: (p: DownloadProgress) => void,
    now: () => number = () => performance.now(),
  ) {
    this.#total = total;
    this.#resumed = resumed;
    this.#done = resumed;
    this.#interval = intervalMs;
    this.#listener = listener;
    this.#now = now;
    this.#samples.push([now(), resumed]);
  }

  /** Bytes done so far. */
  get done(): number {
    return this.#done;
  }

  /** Count bytes written. */
  add(bytes: number): void {
    this.#done += bytes;
  }

  /** Deliver a report if the interval has passed (or always when `force`). */
  report(parts: { activeParts: number; partsDone: number; partsTotal: number }, force = false) {
    if (!this.#listener) return;
    const t = this.#now();
    if (!force && t - this.#last < this.#interval) return;
    this.#last = t;
    this.#samples.push([t, this.#done]);
    while (this.#samples.length > 2 && t - this.#samples[0][0] > 5000) this.#samples.shift();
    const [t0, b0] = this.#samples[0];
    const rate = t > t0 ? ((this.#done - b0) * 1000) / (t - t0) : 0;
    const left = this.#total - this.#done;
    this.#listener({
      bytesDone: this.#done,
      bytesTotal: this.#total,
      bytesResumed: this.#resumed,
      bytesPerSecond: rate,
      etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : null,
      ...parts,
    });
  }
}
