/**
 * Runs one `download()` for the CLI: progress and notices through a {@linkcode Reporter},
 * SIGINT/SIGTERM through an `AbortController` (a second signal exits at once, and so does a
 * watchdog when the download has not stopped a few seconds after the first), errors to exit codes
 * and messages with secrets masked.
 *
 * @module
 */
import { download } from "../download/download.ts";
import type { DownloadOptions, DownloadResult } from "../download/options.ts";
import type { CliIo } from "./cli_io.ts";
import { exitCodeOfSignal, stopOnSignals } from "./stop_on_signal.ts";
import { describeError, EXIT } from "./exit_codes.ts";
import { maskSecrets } from "./mask_secrets.ts";
import type { OutputMode } from "./parse_command.ts";
import { Reporter } from "./reporter.ts";
import { shellQuote } from "./shell_quote.ts";

/** Environment variables whose values are secrets. */
export const SECRET_ENV = [
  "OSS_ACCESS_KEY_SECRET",
  "OSS_SESSION_TOKEN",
  "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
  "ALIBABA_CLOUD_SECURITY_TOKEN",
] as const;

/** How to run and report a download. */
export interface RunDownloadInput {
  /** The process. */
  io: CliIo;
  /** The download (signal, onProgress, onNotice and env are filled in). */
  options: DownloadOptions;
  /** `normal`, `quiet` or `json`. */
  output: OutputMode;
  /** Print stack traces. */
  debug: boolean;
  /** The command that resumes this download, for the interruption message. */
  resumeCommand: string;
  /** Secret values to mask in everything printed, besides those in the environment. */
  secrets?: readonly string[];
  /**
   * Whether the download found credentials (`undefined`: not known), for the hint of a 403.
   * @default the options' credentials or the environment's access key id
   */
  credentialsFound?: () => boolean | undefined;
  /**
   * The command that shows exactly what an interrupted download saved, or `null` for none.
   * @default `${io.program} status <checkpoint or destination>`
   */
  statusCommand?: string | null;
  /**
   * How long the download gets to stop after the first SIGINT/SIGTERM before the process exits
   * anyway (with the same code): the journal is consistent at every instant, so exiting loses
   * nothing durable. In milliseconds.
   * @default 5000
   */
  stopGraceMs?: number;
}

/** The default of {@linkcode RunDownloadInput.stopGraceMs}. */
export { STOP_GRACE_MS } from "./stop_on_signal.ts";

/** The outcome: the exit code, and the result when the download finished. */
export interface RunDownloadOutcome {
  /** 0 on success. */
  exitCode: number;
  /** The result, on success. */
  result: DownloadResult | null;
}

/**
 * Runs a download and reports it; never throws.
 *
 * @example
 * ```ts ignore
 * import { runDownload } from "./run_download.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * const { exitCode } = await runDownload({
 *   io, output: "normal", debug: false, resumeCommand: "ossdl oss://b/k out",
 *   options: { source: "oss://b/k", destination: "out" },
 * });
 * ```
 */
export async function runDownload(input: RunDownloadInput): Promise<RunDownloadOutcome> {
  const { io, options, output, debug } = input;
  const literals = [...SECRET_ENV.map((n) => io.env(n)), ...(input.secrets ?? [])];
  const mask = (text: string) => maskSecrets(text, literals);
  const reporter = new Reporter({
    mode: output,
    tty: io.stderrIsTty,
    writeOut: (t) => io.writeOut(t),
    writeErr: (t) => io.writeErr(t),
    columns: () => io.columns(),
    mask,
  });
  const statusCommand = () =>
    input.statusCommand !== undefined
      ? input.statusCommand
      : `${io.program} status ${shellQuote(options.checkpoint ?? options.destination)}`;
  // Whatever the engine is doing, the process ends: the journal only ever records durable
  // bytes, so exiting before the download has wound down loses nothing that was saved.
  const stop = stopOnSignals(io, {
    graceMs: input.stopGraceMs,
    what: "the download",
    safeBecause: "the journal is consistent: what it records is on disk",
    beforeForcedExit: (signal, code) =>
      reporter.interrupted(signal, code, input.resumeCommand, statusCommand() ?? undefined),
  });
  try {
    const result = await download({
      env: (name) => io.env(name),
      ...options,
      signal: stop.signal,
      onProgress: (p) => reporter.progress(p),
      onNotice: (n) => reporter.notice(n),
    });
    reporter.done(result);
    return { exitCode: EXIT.OK, result };
  } catch (error) {
    const stoppedBy = stop.stoppedBy();
    if (stoppedBy !== null) {
      const code = exitCodeOfSignal(stoppedBy);
      reporter.interrupted(stoppedBy, code, input.resumeCommand, statusCommand() ?? undefined);
      return { exitCode: code, result: null };
    }
    const source = typeof options.source === "string" ? options.source : "oss://";
    const report = describeError(error, {
      ossSource: /^oss:\/\//i.test(source),
      hasCredentials: input.credentialsFound?.() ?? (options.credentials !== undefined ||
        Boolean(io.env("OSS_ACCESS_KEY_ID") || io.env("ALIBABA_CLOUD_ACCESS_KEY_ID"))),
    });
    reporter.failed(report, debug ? debugText(error) : undefined);
    return { exitCode: report.exitCode, result: null };
  } finally {
    stop.dispose();
  }
}

/**
 * The stack trace and the chain of causes of an error, for `--debug`.
 *
 * @example
 * ```ts
 * import { debugText } from "./run_download.ts";
 * console.log(debugText(new Error("outer", { cause: new Error("inner") })));
 * ```
 */
export function debugText(error: unknown): string {
  const lines: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    const prefix = depth === 0 ? "" : "caused by: ";
    lines.push(prefix + (e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e)));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join("\n");
}
