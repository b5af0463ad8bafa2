/**
 * What `get -r` prints: a progress line redrawn in place (stderr is a terminal) with objects and
 * bytes done, the rate, the ETA and the largest transfers in flight; one line per failed object;
 * a summary with the failures. With `--json`: one record per object, progress records and a final
 * record with `"done": true`.
 *
 * @module
 */
import type {
  ObjectOutcome,
  PrefixDownloadResult,
  PrefixProgress,
} from "../batch/download_prefix.ts";
import type { DownloadNotice } from "../download/options.ts";
import { formatBytes, formatDuration, formatEta, formatRate } from "./format_units.ts";

/** Where and how to report. */
export interface PrefixReporterOptions {
  /** `normal`, `quiet` or `json`. */
  mode: "normal" | "quiet" | "json";
  /** stderr is a terminal. */
  tty: boolean;
  /** Write to stdout. */
  writeOut(text: string): void;
  /** Write to stderr. */
  writeErr(text: string): void;
  /** Terminal width. @default () => 80 */
  columns?: () => number;
  /** Masks secrets in printed text. @default identity */
  mask?: (text: string) => string;
}

const CLEAR_LINE = "\r\x1b[2K";
const TTY_INTERVAL_MS = 150;
const JSON_INTERVAL_MS = 250;
/** Failures listed in the summary at most (the JSON records list them all). */
const SUMMARY_FAILURES = 20;

/**
 * The one progress line of a prefix download.
 *
 * @example
 * ```ts
 * import { prefixProgressLine } from "./prefix_reporter.ts";
 * const line = prefixProgressLine({
 *   objectsDone: 3, objectsTotal: 10, listingDone: false, bytesDone: 1024, bytesTotal: 4096,
 *   bytesPerSecond: 512, etaSeconds: null, inFlight: [],
 * }, 80);
 * console.log(line); // "objects 3/10+ · 1.0 KiB/4.0 KiB+ · 512 B/s · ETA ?"
 * ```
 */
export function prefixProgressLine(p: PrefixProgress, columns: number): string {
  const more = p.listingDone ? "" : "+";
  let line = `objects ${p.objectsDone}/${p.objectsTotal}${more} · ` +
    `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}${more} · ` +
    `${formatRate(p.bytesPerSecond)} · ETA ${formatEta(p.etaSeconds)}`;
  for (const t of p.inFlight) {
    const name = t.key.slice(t.key.lastIndexOf("/") + 1) || t.key;
    const pct = t.bytesTotal > 0 ? Math.floor((100 * t.bytesDone) / t.bytesTotal) : 100;
    line += ` · ${name} ${pct}%`;
  }
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 2)) + "…" : line;
}

/**
 * Reports a prefix download.
 *
 * @example
 * ```ts
 * import { PrefixReporter } from "./prefix_reporter.ts";
 * let out = "";
 * const r = new PrefixReporter({
 *   mode: "json", tty: false, writeOut: (t) => out += t, writeErr: () => {},
 * });
 * r.object({ key: "a", path: "a", status: "done", bytes: 1, crc64: "0" });
 * console.log(out); // {"type":"object","key":"a","path":"a","status":"done",...}
 * ```
 */
export class PrefixReporter {
  #o: Required<PrefixReporterOptions>;
  #last: PrefixProgress | null = null;
  #lastDrawn = -Infinity;
  #lineShown = false;

  /** @param options mode and streams */
  constructor(options: PrefixReporterOptions) {
    this.#o = { columns: () => 80, mask: (t) => t, ...options };
  }

  /** The latest progress seen, or `null`. */
  get lastProgress(): PrefixProgress | null {
    return this.#last;
  }

  /** Progress of the whole run. */
  progress(p: PrefixProgress): void {
    this.#last = p;
    const now = performance.now();
    if (this.#o.mode === "json") {
      if (now - this.#lastDrawn < JSON_INTERVAL_MS) return;
      this.#lastDrawn = now;
      this.#json({ type: "progress", ...p });
      return;
    }
    if (this.#o.mode !== "normal" || !this.#o.tty) return;
    if (now - this.#lastDrawn < TTY_INTERVAL_MS) return;
    this.#lastDrawn = now;
    this.#draw();
  }

  /** One object finished: a record with --json; a line for a failure otherwise. */
  object(o: ObjectOutcome): void {
    const mask = this.#o.mask;
    if (this.#o.mode === "json") {
      this.#json({
        type: "object",
        key: o.key,
        path: o.path,
        status: o.status,
        bytes: o.bytes,
        crc64: o.crc64,
        verified: o.verified,
        ...(o.reason ? { reason: mask(o.reason) } : {}),
        ...(o.error
          ? {
            code: o.error.code,
            ossCode: o.error.ossCode ?? null,
            requestId: o.error.requestId ?? null,
          }
          : {}),
      });
      return;
    }
    if (o.status !== "failed" || this.#o.mode === "quiet") return;
    this.#clear();
    this.#o.writeErr(`failed: ${mask(o.key)}: ${mask(failureText(o))}\n`);
    if (this.#o.tty && this.#last) this.#draw();
  }

  /** A notice of one object's download (retries, restarts). */
  notice(n: DownloadNotice & { key?: string }): void {
    const mask = this.#o.mask;
    if (this.#o.mode === "json") {
      this.#json({ type: "notice", code: n.code, key: n.key ?? null, message: mask(n.message) });
      return;
    }
    if (this.#o.mode === "quiet" || n.code === "RETRY") return;
    this.#clear();
    this.#o.writeErr(`note: ${n.key ? `${mask(n.key)}: ` : ""}${mask(n.message)}\n`);
    if (this.#o.tty && this.#last) this.#draw();
  }

  /** The run ended (some objects may have failed). */
  done(r: PrefixDownloadResult): void {
    if (this.#o.mode === "json") {
      this.#json({
        type: "result",
        done: true,
        ok: r.failed === 0,
        objects: r.objects,
        downloaded: r.done,
        skipped: r.skipped,
        failed: r.failed,
        unverified: r.unverified,
        bytes: r.bytes,
        bytesFetched: r.bytesFetched,
        seconds: r.durationMs / 1000,
      });
      return;
    }
    this.#clear();
    if (this.#o.mode === "quiet" && r.failed === 0) return;
    const seconds = r.durationMs / 1000;
    this.#o.writeErr(
      `${r.failed === 0 ? "done" : "done with failures"}: ${r.objects} object${
        r.objects === 1 ? "" : "s"
      } ` +
        `(${r.done} downloaded, ${r.skipped} already complete, ${r.failed} failed), ` +
        `${formatBytes(r.bytesFetched)} fetched in ${formatDuration(seconds)}` +
        (seconds > 0 ? ` (${formatRate(r.bytesFetched / seconds)})` : "") +
        (r.unverified === 0
          ? "; every downloaded object verified by CRC-64\n"
          : `; ${r.unverified} downloaded object${r.unverified === 1 ? "" : "s"} NOT verified ` +
            "(the server gave no x-oss-hash-crc64ecma; their CRC-64 was computed locally), " +
            "the others verified by CRC-64\n"),
    );
    const mask = this.#o.mask;
    for (const f of r.failures.slice(0, SUMMARY_FAILURES)) {
      this.#o.writeErr(`  failed: ${mask(f.key)}: ${mask(failureText(f))}\n`);
    }
    if (r.failed > SUMMARY_FAILURES) {
      this.#o.writeErr(`  ... and ${r.failed - SUMMARY_FAILURES} more (--json lists them all)\n`);
    }
  }

  /** Stopped by a signal: what is kept and how to resume (always printed). */
  interrupted(signal: string, exitCode: number, resume: string): void {
    this.#clear();
    const p = this.#last;
    if (this.#o.mode === "json") {
      this.#json({
        type: "interrupted",
        done: true,
        ok: false,
        code: "ABORTED",
        signal,
        exitCode,
        objectsDone: p?.objectsDone ?? 0,
        resume,
      });
    }
    this.#o.writeErr(
      `interrupted by ${signal}: ${p?.objectsDone ?? 0} objects finished; complete objects and ` +
        `the durable parts of the others are kept\n`,
    );
    this.#o.writeErr(`resume with: ${resume}\n`);
  }

  /** Clear the progress line (before an error is printed). */
  clear(): void {
    this.#clear();
  }

  #json(record: Record<string, unknown>): void {
    this.#o.writeOut(JSON.stringify(record) + "\n");
  }

  #draw(): void {
    if (!this.#last) return;
    this.#o.writeErr(CLEAR_LINE + prefixProgressLine(this.#last, this.#o.columns()));
    this.#lineShown = true;
  }

  #clear(): void {
    if (this.#lineShown) {
      this.#o.writeErr(CLEAR_LINE);
      this.#lineShown = false;
    }
  }
}

function failureText(o: ObjectOutcome): string {
  const e = o.error;
  const text = o.reason ?? e?.message ?? "failed";
  // The Code and RequestId, unless the text already says them (an OSS error's message does).
  const detail = e
    ? [e.ossCode, e.requestId ? `RequestId ${e.requestId}` : null]
      .filter((d) => d && !text.includes(d)).join(", ")
    : "";
  return `${text}${detail ? ` (${detail})` : ""}`;
}
