/**
 * `ossdl get -r oss://bucket/prefix dir/`: every object under a prefix, resumable and verified,
 * with progress, one record per object with `--json`, and exit 12 when some objects failed.
 *
 * @module
 */
import type { TransferOptions } from "./transfer_options.ts";
import { downloadPrefix } from "../batch/download_prefix.ts";
import type { CliIo } from "./cli_io.ts";
import { exitCodeOfSignal, STOP_GRACE_MS, stopOnSignals } from "./stop_on_signal.ts";
import { describeError, EXIT } from "./exit_codes.ts";
import { maskSecrets } from "./mask_secrets.ts";
import { addressing, type GetCommand } from "./parse_command.ts";
import { PrefixReporter } from "./prefix_reporter.ts";
import { debugText, SECRET_ENV } from "./run_download.ts";
import { resumeCommand } from "./shell_quote.ts";
import { credentialFlags } from "./credential_flags.ts";

/**
 * Runs a prefix download and returns the exit code; never throws.
 *
 * @example
 * ```ts ignore
 * import { runGetPrefix } from "./get_prefix_command.ts";
 * import { parseCommand } from "./parse_command.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * const command = parseCommand(io.args);
 * if (command.kind === "get" && command.recursive) await io.exit(await runGetPrefix(command, io));
 * ```
 */
export async function runGetPrefix(
  command: GetCommand,
  io: CliIo,
  stopGraceMs: number = STOP_GRACE_MS,
  transfer: TransferOptions = {},
): Promise<number> {
  const flags = credentialFlags(command, io);
  const literals = [...SECRET_ENV.map((n) => io.env(n)), ...flags.secrets];
  const mask = (text: string) => maskSecrets(text, literals);
  const reporter = new PrefixReporter({
    mode: command.output,
    tty: io.stderrIsTty,
    writeOut: (t) => io.writeOut(t),
    writeErr: (t) => io.writeErr(t),
    columns: () => io.columns(),
    mask,
  });
  const resume = resumeCommand(io.program, io.args);
  const stop = stopOnSignals(io, {
    graceMs: stopGraceMs,
    what: "the downloads",
    safeBecause: "journals and the manifest are consistent: what they record is on disk",
    beforeForcedExit: (signal, code) => reporter.interrupted(signal, code, resume),
  });
  try {
    const result = await downloadPrefix({
      source: command.source,
      directory: command.destination,
      ...addressing(command),
      partSize: command.partSize,
      concurrency: command.concurrency,
      connectTimeoutMs: command.connectTimeoutMs,
      idleTimeoutMs: command.idleTimeoutMs,
      filters: command.filters,
      jobs: command.jobs,
      checksum: command.checksum,
      force: command.force,
      durability: command.durability,
      shard: command.shard,
      ...flags.options,
      env: (name) => io.env(name),
      signal: stop.signal,
      onObject: (o) => reporter.object(o),
      onProgress: (p) => reporter.progress(p),
      onNotice: (n) => reporter.notice(n),
      ...transfer,
    });
    reporter.done(result);
    return result.failed === 0 ? EXIT.OK : EXIT.SOME_FAILED;
  } catch (error) {
    const stoppedBy = stop.stoppedBy();
    if (stoppedBy !== null) {
      const code = exitCodeOfSignal(stoppedBy);
      reporter.interrupted(stoppedBy, code, resume);
      return code;
    }
    reporter.clear();
    const report = describeError(error, {
      ossSource: true,
      hasCredentials: flags.found() ??
        Boolean(io.env("OSS_ACCESS_KEY_ID") || io.env("ALIBABA_CLOUD_ACCESS_KEY_ID")),
    });
    if (command.output === "json") {
      io.writeOut(
        JSON.stringify({
          type: "error",
          done: true,
          ok: false,
          code: report.code,
          exitCode: report.exitCode,
          message: mask(report.message),
          hint: report.hint === null ? null : mask(report.hint),
        }) + "\n",
      );
    }
    io.writeErr(`error: ${mask(report.message)}\n`);
    if (report.hint) io.writeErr(`hint: ${mask(report.hint)}\n`);
    if (command.debug) io.writeErr(mask(debugText(error)) + "\n");
    return report.exitCode;
  } finally {
    stop.dispose();
  }
}
