/**
 * The one-line progress display: bar, percent, bytes done / total, rate, ETA and active parts,
 * fitted to the terminal width.
 *
 * @module
 */
import type { DownloadProgress } from "../download/options.ts";
import { formatBytes, formatEta, formatPercent, formatRate } from "./format_units.ts";

/**
 * Draws a progress bar of `width` cells (`#` done, `.` to go).
 *
 * @example
 * ```ts
 * import { progressBar } from "./progress_line.ts";
 * progressBar(1, 4, 8); // "##......"
 * ```
 */
export function progressBar(done: number, total: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.floor(fraction * w);
  return "#".repeat(filled) + ".".repeat(w - filled);
}

/**
 * Renders one progress line, at most `columns - 1` characters (so that the terminal never wraps):
 * `[#####.....]  42.3%  1.21 GiB / 2.86 GiB  54.2 MiB/s  ETA 0:31  8 parts`. The bar shrinks
 * first, then the parts and the rate are dropped on narrow terminals.
 *
 * @example
 * ```ts
 * import { renderProgressLine } from "./progress_line.ts";
 * const line = renderProgressLine({
 *   bytesDone: 512, bytesTotal: 1024, bytesResumed: 0, bytesPerSecond: 256, etaSeconds: 2,
 *   activeParts: 2, partsDone: 0, partsTotal: 2,
 * }, 80);
 * console.log(line);
 * ```
 */
export function renderProgressLine(p: DownloadProgress, columns: number): string {
  const max = Math.max(20, columns) - 1;
  const percent = formatPercent(p.bytesDone, p.bytesTotal).padStart(6);
  const bytes = `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`;
  const rate = formatRate(p.bytesPerSecond);
  const eta = `ETA ${formatEta(p.etaSeconds)}`;
  const parts = `${p.activeParts} part${p.activeParts === 1 ? "" : "s"}`;
  const candidates = [
    [percent, bytes, rate, eta, parts],
    [percent, bytes, rate, eta],
    [percent, bytes, eta],
    [percent, eta],
    [percent],
  ];
  for (const fields of candidates) {
    const text = fields.join("  ");
    const room = max - text.length - 4; // "[" + "]" + two spaces
    if (room >= 10) {
      const barWidth = Math.min(40, room);
      return `[${progressBar(p.bytesDone, p.bytesTotal, barWidth)}]  ${text}`;
    }
  }
  return percent.trim().slice(0, max);
}
