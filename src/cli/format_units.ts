/**
 * Numbers for people: byte counts in binary units, rates, ETAs and durations.
 *
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * Formats a byte count in binary units with three significant digits (`512 B`, `1.00 KiB`,
 * `12.3 MiB`, `456 GiB`).
 *
 * @example
 * ```ts
 * import { formatBytes } from "./format_units.ts";
 * formatBytes(1536); // "1.50 KiB"
 * formatBytes(64 * 1024 * 1024); // "64.0 MiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const fixed = (v: number) => v >= 99.95 ? v.toFixed(0) : v >= 9.995 ? v.toFixed(1) : v.toFixed(2);
  // 1023.9 KiB would print as "1024 KiB": move up a unit instead.
  if (Number(fixed(value)) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${fixed(value)} ${UNITS[unit]}`;
}

/**
 * Formats a transfer rate (`54.2 MiB/s`).
 *
 * @example
 * ```ts
 * import { formatRate } from "./format_units.ts";
 * formatRate(3 * 1024 * 1024); // "3.00 MiB/s"
 * ```
 */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * Formats an ETA in seconds as `m:ss` (under an hour) or `h:mm:ss`; `--:--` when unknown.
 *
 * @example
 * ```ts
 * import { formatEta } from "./format_units.ts";
 * formatEta(75); // "1:15"
 * formatEta(3725); // "1:02:05"
 * formatEta(null); // "--:--"
 * ```
 */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.ceil(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Formats a duration in seconds for a summary: `0.42 s`, `12.3 s`, `3 min 07 s`, `2 h 05 min`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./format_units.ts";
 * formatDuration(12.34); // "12.3 s"
 * formatDuration(187); // "3 min 07 s"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "? s";
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  if (total < 3600) {
    return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
  }
  const minutes = Math.round(total / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/**
 * The percentage `done / total`, rounded down to one decimal and kept in `[0, 100]`; 100 only
 * when complete (or when `total` is 0), so `99.97%` of a big file never rounds up to a false 100.
 *
 * @example
 * ```ts
 * import { percentOf } from "./format_units.ts";
 * percentOf(1, 3); // 33.3
 * percentOf(9999, 10000); // 99.9
 * percentOf(0, 0); // 100
 * ```
 */
export function percentOf(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 1000) / 10));
}

/**
 * Formats {@linkcode percentOf} with one decimal and a `%` sign (`42.3%`).
 *
 * @example
 * ```ts
 * import { formatPercent } from "./format_units.ts";
 * formatPercent(1, 3); // "33.3%"
 * formatPercent(9999, 10000); // "99.9%"
 * ```
 */
export function formatPercent(done: number, total: number): string {
  return `${percentOf(done, total).toFixed(1)}%`;
}
