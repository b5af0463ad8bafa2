/**
 * `ossdl get SOURCE -`: the object's bytes in order on stdout (for `| tar x`, `| zstd -d`,
 * `| sha256sum`), fetched by parallel ranged parts ahead of the writer, with the memory of a window
 * of parts; progress, notices and `--json` records go to stderr. A CRC-64 mismatch is found only
 * at the end, when the bytes before the last part are already written: the exit status is then 6
 * and the message says that the output was wrong. A reader that closes the pipe (`| head -c 10`)
 * ends the process quietly with status 141.
 *
 * @module
 */
import { formatBytes } from "./format_units.ts";
import { openPartStream } from "../stream/part_stream.ts";
import type { DownloadStreamResult } from "../stream/stream_options.ts";
import { StdoutClosedError } from "../runtime/stdout_sink.ts";
import type { CliIo } from "./cli_io.ts";
import { exitCodeOfSignal, stopOnSignals } from "./stop_on_signal.ts";
import { describeError, EXIT } from "./exit_codes.ts";
import { maskSecrets } from "./mask_secrets.ts";
import { addressing, type GetCommand } from "./parse_command.ts";
import { Reporter } from "./reporter.ts";
import { debugText, SECRET_ENV } from "./run_download.ts";
import { credentialFlags } from "./credential_flags.ts";
import type { TransferOptions } from "./transfer_options.ts";

/** The exit status after the reader closed stdout (128 + SIGPIPE, as if killed by it). */
export const EXIT_CLOSED_PIPE = 141;

/**
 * Runs `get SOURCE -` and returns the exit code; never throws.
 *
 * @example
 * ```ts ignore
 * import { runGetStdout } from "./get_stdout_command.ts";
 * const code = await runGetStdout(command, io, {});
 * ```
 */
export async function runGetStdout(
  command: GetCommand,
  io: CliIo,
  transfer: TransferOptions,
): Promise<number> {
  const flags = credentialFlags(command, io);
  const literals = [...SECRET_ENV.map((n) => io.env(n)), ...flags.secrets];
  const mask = (text: string) => maskSecrets(text, literals);
  const reporter = new Reporter({
    mode: command.output,
    tty: io.stderrIsTty,
    // stdout carries the object: JSON records go to stderr.
    writeOut: (t) => io.writeErr(t),
    writeErr: (t) => io.writeErr(t),
    columns: () => io.columns(),
    mask,
  });
  if (!io.openStdout) {
    io.writeErr("error: this process cannot write bytes to stdout\n");
    return EXIT.USAGE;
  }
  const start = command.range?.start ?? 0;
  let written = 0;
  // The rest of the asked range, from the first byte not written (its end kept when given).
  const rest = () =>
    `--range ${start + written}-${command.range?.end === undefined ? "" : command.range.end - 1}`;
  const stop = stopOnSignals(io, {
    what: "the download",
    safeBecause: "nothing is kept: run again with the range of what is missing",
    beforeForcedExit: () => {
      clearLine();
      io.writeErr(
        `stopped after ${written} bytes on stdout; to continue, run again with ${rest()}\n`,
      );
    },
  });
  let result: DownloadStreamResult | null = null;
  try {
    const parts = openPartStream({
      source: command.source,
      ...addressing(command),
      versionId: command.versionId,
      range: command.range,
      partSize: command.partSize,
      concurrency: command.concurrency,
      connectTimeoutMs: command.connectTimeoutMs,
      idleTimeoutMs: command.idleTimeoutMs,
      env: (name) => io.env(name),
      signal: stop.signal,
      onProgress: (p) => reporter.progress(p),
      onNotice: (n) => reporter.notice(n),
      onResult: (r) => result = r,
      ...flags.options,
      ...transfer,
    });
    const sink = io.openStdout();
    try {
      for (let bytes; (bytes = await parts.next()) !== null;) {
        await sink.write(bytes);
        written += bytes.length;
        // Written: the buffer takes a later part (no new memory per part).
        parts.release(bytes);
      }
    } finally {
      parts.stop();
    }
    const r = result as DownloadStreamResult | null;
    if (r) report(r);
    return EXIT.OK;
  } catch (error) {
    if (error instanceof StdoutClosedError) return EXIT_CLOSED_PIPE;
    const stoppedBy = stop.stoppedBy();
    if (stoppedBy !== null) {
      clearLine();
      io.writeErr(
        `${stoppedBy}: stopped after ${written} bytes on stdout; to continue, run again with ` +
          `${rest()}\n`,
      );
      return exitCodeOfSignal(stoppedBy);
    }
    const report = describeError(error, {
      ossSource: /^oss:\/\//i.test(command.source),
      hasCredentials: flags.found() ??
        Boolean(io.env("OSS_ACCESS_KEY_ID") || io.env("ALIBABA_CLOUD_ACCESS_KEY_ID")),
    });
    reporter.failed(report, command.debug ? debugText(error) : undefined);
    if (report.exitCode !== EXIT.INTEGRITY && written > 0) {
      io.writeErr(
        `note: ${written} bytes were written to stdout before the error; to continue, run again ` +
          `with ${rest()}\n`,
      );
    }
    return report.exitCode;
  } finally {
    stop.dispose();
  }

  function clearLine(): void {
    if (io.stderrIsTty && command.output === "normal") io.writeErr("\r\x1b[2K");
  }

  function report(r: DownloadStreamResult): void {
    if (command.output === "json") {
      io.writeErr(
        JSON.stringify({ type: "result", done: true, ok: true, destination: "-", ...r }) + "\n",
      );
      return;
    }
    clearLine();
    if (command.output === "quiet") return;
    const seconds = r.durationMs / 1000;
    io.writeErr(
      `done: ${formatBytes(r.bytes)} -> stdout in ${seconds.toFixed(2)} s; ` +
        `CRC-64 ${r.crc64} ${
          r.verified ? "verified against the server's" : `(${r.verification})`
        }\n`,
    );
  }
}
