/**
 * `ossdl get -r oss://bucket/prefix dir/`: every object under a prefix, resumable and verified,
 * with progress, one record per object with `--json`, and exit 12 when some objects failed.
 *
 * @module
 */
import { downloadPrefix } from "../batch/download_prefix.ts";
import type { CliIo, CliSignal } from "./cli_io.ts";
import { describeError, EXIT } from "./exit_codes.ts";
import { maskSecrets } from "./mask_secrets.ts";
import type { GetCommand } from "./parse_command.ts";
import { PrefixReporter } from "./prefix_reporter.ts";
import { debugText, SECRET_ENV, STOP_GRACE_MS } from "./run_download.ts";
import { resumeCommand } from "./shell_quote.ts";

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
): Promise<number> {
  const mask = (text: string) => maskSecrets(text, SECRET_ENV.map((n) => io.env(n)));
  const reporter = new PrefixReporter({
    mode: command.output,
    tty: io.stderrIsTty,
    writeOut: (t) => io.writeOut(t),
    writeErr: (t) => io.writeErr(t),
    columns: () => io.columns(),
    mask,
  });
  const resume = resumeCommand(io.program, io.args);
  const controller = new AbortController();
  let stoppedBy: CliSignal | null = null;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const codeOf = (s: CliSignal) => s === "SIGINT" ? EXIT.SIGINT : EXIT.SIGTERM;
  const onSignal = (signal: CliSignal) => () => {
    if (stoppedBy !== null) {
      io.writeErr(`\n${signal} again: exiting now\n`);
      io.exitNow(codeOf(signal));
    }
    stoppedBy = signal;
    controller.abort();
    watchdog = setTimeout(() => {
      io.writeErr(
        `\n${signal}: the downloads did not stop within ${stopGraceMs / 1000} s; exiting anyway ` +
          `(journals and the manifest are consistent: what they record is on disk)\n`,
      );
      reporter.interrupted(signal, codeOf(signal), resume);
      io.exitNow(codeOf(signal));
    }, stopGraceMs);
  };
  const unsubscribe = [
    io.onSignal("SIGINT", onSignal("SIGINT")),
    io.onSignal("SIGTERM", onSignal("SIGTERM")),
  ];
  try {
    const result = await downloadPrefix({
      source: command.source,
      directory: command.destination,
      endpoint: command.endpoint,
      region: command.region,
      signatureVersion: command.signatureVersion,
      pathStyle: command.pathStyle,
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
      env: (name) => io.env(name),
      signal: controller.signal,
      onObject: (o) => reporter.object(o),
      onProgress: (p) => reporter.progress(p),
      onNotice: (n) => reporter.notice(n),
    });
    reporter.done(result);
    return result.failed === 0 ? EXIT.OK : EXIT.SOME_FAILED;
  } catch (error) {
    if (stoppedBy !== null) {
      const code = codeOf(stoppedBy);
      reporter.interrupted(stoppedBy, code, resume);
      return code;
    }
    reporter.clear();
    const report = describeError(error, {
      ossSource: true,
      hasCredentials: Boolean(io.env("OSS_ACCESS_KEY_ID") || io.env("ALIBABA_CLOUD_ACCESS_KEY_ID")),
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
    clearTimeout(watchdog);
    for (const off of unsubscribe) off();
  }
}
