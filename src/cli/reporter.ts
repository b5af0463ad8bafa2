/**
 * What the CLI shows while a download runs and when it ends, in one of four styles: a redrawn
 * progress line (stderr is a terminal), a final summary line only (stderr is not a terminal),
 * nothing on success (`--quiet`), or JSON lines on stdout (`--json`).
 *
 * @module
 */
import type { DownloadNotice, DownloadProgress, DownloadResult } from "../download/options.ts";
import type { ErrorReport } from "./exit_codes.ts";
import {
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  percentOf,
} from "./format_units.ts";
import type { OutputMode } from "./parse_command.ts";
import { renderProgressLine } from "./progress_line.ts";

/** Where and how the reporter writes. */
export interface ReporterOptions {
  /** `normal`, `quiet` or `json`. */
  mode: OutputMode;
  /** Redraw a progress line (only in `normal` mode). */
  tty: boolean;
  /** Write to stdout. */
  writeOut: (text: string) => void;
  /** Write to stderr. */
  writeErr: (text: string) => void;
  /** Terminal width. @default () => 80 */
  columns?: () => number;
  /** Clock in ms. @default performance.now */
  now?: () => number;
  /** Removes secrets from text before it is written. @default identity */
  mask?: (text: string) => string;
}

/** Minimum ms between redraws of the progress line. */
const TTY_INTERVAL_MS = 100;
/** Minimum ms between JSON progress records (at most 4 per second). */
const JSON_INTERVAL_MS = 250;
const CLEAR_LINE = "\r\x1b[2K";

/**
 * The one summary line of a finished download.
 *
 * @example
 * ```ts ignore
 * import { summaryLine } from "./reporter.ts";
 * console.log(summaryLine(result)); // "done: 64.0 MiB -> big.bin in 1.20 s (53.3 MiB/s), ..."
 * ```
 */
export function summaryLine(r: DownloadResult): string {
  if (r.upToDate) {
    return `up to date: ${r.destination} already holds the object (${formatBytes(r.bytes)}, ` +
      `CRC-64 ${r.crc64} equal to the server's); nothing fetched (--force downloads anyway)`;
  }
  const seconds = r.durationMs / 1000;
  const rate = seconds > 0 ? `, ${formatRate(r.bytesFetched / seconds)}` : "";
  let line = `done: ${formatBytes(r.bytes)} -> ${r.destination} in ${formatDuration(seconds)}` +
    `${rate}; CRC-64 ${r.crc64} `;
  line += r.verified ? "verified against the server's" : `(${r.verification})`;
  if (r.resumed) {
    line += `; resumed: ${formatBytes(r.bytesResumed)} kept from before, ` +
      `${formatBytes(r.bytesFetched)} fetched now`;
  }
  if (r.restarts > 0) line += `; ${r.restarts} restart${r.restarts === 1 ? "" : "s"}`;
  if (r.durability === "none") line += "; not fsync'd (--no-fsync): a power cut may still lose it";
  return line;
}

/**
 * The JSON record printed last by `--json` on success.
 *
 * @example
 * ```ts ignore
 * import { resultRecord } from "./reporter.ts";
 * console.log(JSON.stringify(resultRecord(result)));
 * ```
 */
export function resultRecord(r: DownloadResult): Record<string, unknown> {
  return {
    type: "result",
    done: true,
    ok: true,
    destination: r.destination,
    bytes: r.bytes,
    crc64: r.crc64,
    verified: r.verified,
    verification: r.verification,
    etag: r.etag,
    versionId: r.versionId,
    resumed: r.resumed,
    bytesResumed: r.bytesResumed,
    bytesFetched: r.bytesFetched,
    seconds: Math.round(r.durationMs) / 1000,
    parts: r.parts,
    retries: r.retries,
    restarts: r.restarts,
    writesOffThread: r.writesOffThread,
    durability: r.durability,
  };
}

/**
 * Reports one download.
 *
 * @example
 * ```ts
 * import { Reporter } from "./reporter.ts";
 * let err = "";
 * const reporter = new Reporter({
 *   mode: "normal", tty: false, writeOut: () => {}, writeErr: (t) => err += t,
 * });
 * reporter.notice({ code: "RETRY", message: "503; retry 1 in 200 ms" });
 * console.log(err); // "note: 503; retry 1 in 200 ms\n"
 * ```
 */
export class Reporter {
  #o: Required<ReporterOptions>;
  #last: DownloadProgress | null = null;
  #lastDrawn = -Infinity;
  #lineShown = false;

  /** @param options mode, streams, clock */
  constructor(options: ReporterOptions) {
    this.#o = {
      columns: () => 80,
      now: () => performance.now(),
      mask: (t) => t,
      ...options,
    };
  }

  /** The latest progress seen, or `null`. */
  get lastProgress(): DownloadProgress | null {
    return this.#last;
  }

  /** A progress report from the engine. */
  progress(p: DownloadProgress): void {
    this.#last = p;
    const { mode, tty } = this.#o;
    const now = this.#o.now();
    const complete = p.bytesDone >= p.bytesTotal;
    if (mode === "json") {
      if (now - this.#lastDrawn < JSON_INTERVAL_MS && !complete) return;
      this.#lastDrawn = now;
      this.#json({
        type: "progress",
        ...p,
        percent: percentOf(p.bytesDone, p.bytesTotal),
      });
      return;
    }
    if (mode !== "normal" || !tty) return;
    if (now - this.#lastDrawn < TTY_INTERVAL_MS && !complete) return;
    this.#lastDrawn = now;
    this.#draw();
  }

  /** A notice from the engine: one line on stderr, or a JSON record. */
  notice(n: DownloadNotice): void {
    const { mode } = this.#o;
    if (mode === "json") {
      this.#json({ type: "notice", code: n.code, message: this.#o.mask(n.message) });
      return;
    }
    // UP_TO_DATE says what the summary line says: print it once, there.
    if (mode === "quiet" || n.code === "UP_TO_DATE") return;
    this.#clear();
    this.#o.writeErr(`note: ${this.#o.mask(n.message)}\n`);
    if (this.#o.tty && this.#last) this.#draw();
  }

  /** The download finished. */
  done(r: DownloadResult): void {
    const { mode } = this.#o;
    if (mode === "json") {
      this.#json(resultRecord(r));
      return;
    }
    this.#clear();
    if (mode === "quiet") return;
    this.#o.writeErr(this.#o.mask(summaryLine(r)) + "\n");
  }

  /** The download failed: `error:` and `hint:` lines on stderr (and a JSON record with --json). */
  failed(report: ErrorReport, debugText?: string): void {
    this.#clear();
    const mask = this.#o.mask;
    if (this.#o.mode === "json") {
      this.#json({
        type: "error",
        done: true,
        ok: false,
        code: report.code,
        exitCode: report.exitCode,
        message: mask(report.message),
        hint: report.hint === null ? null : mask(report.hint),
      });
    }
    this.#o.writeErr(`error: ${mask(report.message)}\n`);
    if (report.hint) this.#o.writeErr(`hint: ${mask(report.hint)}\n`);
    if (debugText) this.#o.writeErr(mask(debugText) + "\n");
  }

  /**
   * The download was stopped by a signal: about how much had arrived (from the last progress
   * report, which is throttled and counts bytes received, not bytes made durable), the command
   * that shows the exact durable figure, and the command that resumes (always printed, also with
   * --quiet; a JSON record too with --json).
   */
  interrupted(signal: string, exitCode: number, resume: string, status?: string): void {
    this.#clear();
    const p = this.#last;
    const received = p
      ? `about ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} ` +
        `(${formatPercent(p.bytesDone, p.bytesTotal)}) received`
      : "nothing received yet";
    if (this.#o.mode === "json") {
      this.#json({
        type: "interrupted",
        done: true,
        ok: false,
        code: "ABORTED",
        signal,
        exitCode,
        bytesDone: p?.bytesDone ?? 0,
        bytesTotal: p?.bytesTotal ?? null,
        resume,
      });
    }
    const mask = this.#o.mask;
    this.#o.writeErr(
      `interrupted by ${signal}: ${received}; what was written durably is kept\n`,
    );
    if (status) this.#o.writeErr(`exactly what is saved: ${mask(status)}\n`);
    this.#o.writeErr(`resume with: ${resume}\n`);
  }

  #json(record: Record<string, unknown>): void {
    this.#o.writeOut(JSON.stringify(record) + "\n");
  }

  #draw(): void {
    if (!this.#last) return;
    const line = renderProgressLine(this.#last, this.#o.columns());
    this.#o.writeErr(CLEAR_LINE + line);
    this.#lineShown = true;
  }

  #clear(): void {
    if (this.#lineShown) {
      this.#o.writeErr(CLEAR_LINE);
      this.#lineShown = false;
    }
  }
}
