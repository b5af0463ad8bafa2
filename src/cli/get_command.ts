/**
 * `ossdl [get] <source> <destination>`: download one object with progress, resumable.
 *
 * @module
 */
import { resolveDownloadPaths } from "../download/destination_path.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { FileSystem } from "../fs/file_system.ts";
import type { CliIo } from "./cli_io.ts";
import { addressing, type GetCommand } from "./parse_command.ts";
import { runGetPrefix } from "./get_prefix_command.ts";
import { runDownload } from "./run_download.ts";
import { credentialFlags } from "./credential_flags.ts";
import { resumeCommand, shellQuote } from "./shell_quote.ts";
import { runGetStdout } from "./get_stdout_command.ts";
import { transferOptions } from "./transfer_options.ts";

/**
 * The command that shows what an interrupted download saved: `status` of the file the download
 * writes (inside the destination when that is a directory), or of the `--checkpoint` journal.
 * `null` when the file cannot be named (the download itself then fails with the reason).
 *
 * @example
 * ```ts ignore
 * import { statusCommandFor } from "./get_command.ts";
 * await statusCommandFor("ossdl", command); // "ossdl status downloads/file.zip"
 * ```
 */
export async function statusCommandFor(
  program: string,
  command: GetCommand,
  fs?: FileSystem,
): Promise<string | null> {
  try {
    const files = fs ?? await defaultFileSystem();
    const paths = await resolveDownloadPaths(files, command.destination, command.source);
    return `${program} status ${shellQuote(command.checkpoint ?? paths.destination)}`;
  } catch {
    return null;
  }
}

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
  const transfer = transferOptions(command, io);
  if (command.recursive) return await runGetPrefix(command, io, undefined, transfer);
  if (command.destination === "-") return await runGetStdout(command, io, transfer);
  const flags = credentialFlags(command, io);
  const { exitCode } = await runDownload({
    io,
    output: command.output,
    debug: command.debug,
    secrets: flags.secrets,
    credentialsFound: flags.found,
    resumeCommand: resumeCommand(io.program, io.args),
    statusCommand: await statusCommandFor(io.program, command),
    options: {
      source: command.source,
      destination: command.destination,
      ...addressing(command),
      versionId: command.versionId,
      range: command.range,
      partSize: command.partSize,
      concurrency: command.concurrency,
      checkpoint: command.checkpoint,
      resume: command.resume,
      force: command.force,
      durability: command.durability,
      connectTimeoutMs: command.connectTimeoutMs,
      idleTimeoutMs: command.idleTimeoutMs,
      ...flags.options,
      ...transfer,
    },
  });
  return exitCode;
}
