/**
 * Ctrl-C and SIGTERM for the commands that transfer: the first signal aborts the work (which then
 * winds down and reports what it kept), a second one exits at once, and a watchdog exits anyway
 * when the work has not stopped a few seconds after the first. Exiting early loses nothing: the
 * journals and the manifest only ever record what is on disk.
 *
 * @module
 */
import type { CliIo, CliSignal } from "./cli_io.ts";
import { EXIT } from "./exit_codes.ts";

/** How long the work may take to stop after the first signal before the process exits anyway. */
export const STOP_GRACE_MS = 5000;

/** The exit status for a signal: 130 for SIGINT, 143 for SIGTERM. */
export function exitCodeOfSignal(signal: CliSignal): number {
  return signal === "SIGINT" ? EXIT.SIGINT : EXIT.SIGTERM;
}

/** What {@linkcode stopOnSignals} gives the command. */
export interface SignalStop {
  /** Aborts at the first signal. */
  readonly signal: AbortSignal;
  /** The signal that stopped the work, or `null`. */
  stoppedBy(): CliSignal | null;
  /** Stop listening (and disarm the watchdog); call in a `finally`. */
  dispose(): void;
}

/** Options of {@linkcode stopOnSignals}. */
export interface StopOnSignalsOptions {
  /** Ms between the first signal and the forced exit. @default STOP_GRACE_MS */
  graceMs?: number;
  /** What the work is, for the watchdog's message, e.g. "the download". */
  what: string;
  /** Why exiting early is safe, for the watchdog's message. */
  safeBecause: string;
  /** Called just before the watchdog exits (e.g. to report how to resume). */
  beforeForcedExit?: (signal: CliSignal, code: number) => void;
}

/**
 * Listen for SIGINT and SIGTERM while a command transfers.
 *
 * @example
 * ```ts ignore
 * const stop = stopOnSignals(io, { what: "the download", safeBecause: "the journal is on disk" });
 * try {
 *   await download({ ...options, signal: stop.signal });
 * } finally {
 *   stop.dispose();
 * }
 * ```
 */
export function stopOnSignals(io: CliIo, options: StopOnSignalsOptions): SignalStop {
  const controller = new AbortController();
  const graceMs = options.graceMs ?? STOP_GRACE_MS;
  let stoppedBy: CliSignal | null = null;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const onSignal = (signal: CliSignal) => () => {
    if (stoppedBy !== null) {
      io.writeErr(`\n${signal} again: exiting now\n`);
      io.exitNow(exitCodeOfSignal(signal));
    }
    stoppedBy = signal;
    controller.abort();
    watchdog = setTimeout(() => {
      const code = exitCodeOfSignal(signal);
      io.writeErr(
        `\n${signal}: ${options.what} did not stop within ${graceMs / 1000} s; exiting anyway ` +
          `(${options.safeBecause})\n`,
      );
      options.beforeForcedExit?.(signal, code);
      io.exitNow(code);
    }, graceMs);
  };
  const unsubscribe = [
    io.onSignal("SIGINT", onSignal("SIGINT")),
    io.onSignal("SIGTERM", onSignal("SIGTERM")),
  ];
  return {
    signal: controller.signal,
    stoppedBy: () => stoppedBy,
    dispose: () => {
      clearTimeout(watchdog);
      for (const off of unsubscribe) off();
    },
  };
}
