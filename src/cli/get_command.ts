/**
 * `ossdl [get] <source> <destination>`: download one object with progress, resumable.
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";
import type { GetCommand } from "./parse_command.ts";
import { runDownload } from "./run_download.ts";
import { resumeCommand } from "./shell_quote.ts";

/**
 * Runs the download command and returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { runGet } from "./get_command.ts";
 * import { parseCommand } from "./parse_command.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * const command = parseCommand(io.args);
 * if (command.kind === "get") await io.exit(await runGet(command, io));
 * ```
 */
export async function runGet(command: GetCommand, io: CliIo): Promise<number> {
  const { exitCode } = await runDownload({
    io,
    output: command.output,
    debug: command.debug,
    resumeCommand: resumeCommand(io.program, io.args),
    options: {
      source: command.source,
      destination: command.destination,
      endpoint: command.endpoint,
      region: command.region,
      signatureVersion: command.signatureVersion,
      pathStyle: command.pathStyle,
      versionId: command.versionId,
      range: command.range,
      partSize: command.partSize,
      concurrency: command.concurrency,
      checkpoint: command.checkpoint,
      resume: command.resume,
    },
  });
  return exitCode;
}
