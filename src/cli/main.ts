/**
 * The CLI's entry point: parse the arguments, run the command, map any error to an exit code and
 * one or two lines on stderr (`error: ...`, `hint: ...`), secrets masked.
 *
 * @module
 */
import type { CliIo } from "./cli_io.ts";
import { runCrc64 } from "./crc64_command.ts";
import { describeError, EXIT } from "./exit_codes.ts";
import { runGet } from "./get_command.ts";
import { helpText, USAGE } from "./help_text.ts";
import { maskSecrets } from "./mask_secrets.ts";
import { type Command, parseCommand } from "./parse_command.ts";
import { debugText, SECRET_ENV } from "./run_download.ts";
import { runStatus } from "./status_command.ts";
import { runVerify } from "./verify_command.ts";
import { VERSION } from "./version.ts";

/**
 * Runs the command line in `io` and returns the exit status (it does not exit).
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * await io.exit(await main(io));
 * ```
 */
export async function main(io: CliIo): Promise<number> {
  const mask = (text: string) => maskSecrets(text, SECRET_ENV.map((n) => io.env(n)));
  let command: Command;
  try {
    command = parseCommand(io.args);
  } catch (error) {
    const report = describeError(error);
    io.writeErr(`error: ${mask(report.message)}\n`);
    io.writeErr(`hint: ${mask(report.hint ?? USAGE)}\n`);
    return report.exitCode;
  }
  try {
    switch (command.kind) {
      case "help":
        io.writeOut(helpText(io.program, VERSION));
        return EXIT.OK;
      case "version":
        io.writeOut(`ossdl ${VERSION}\n`);
        return EXIT.OK;
      case "get":
        return await runGet(command, io);
      case "verify":
        return await runVerify(command, io);
      // The emulator is loaded only by the commands that serve it (less memory for a download).
      case "demo":
        return await (await import("./demo_command.ts")).runDemo(command, io);
      case "serve":
        return await (await import("./serve_command.ts")).runServe(command, io);
      case "crc64":
        return await runCrc64(command.file, (t) => io.writeOut(t));
      case "status":
        return await runStatus(command.checkpoint, {
          json: command.json,
          writeOut: (t) => io.writeOut(t),
        });
    }
  } catch (error) {
    const report = describeError(error);
    io.writeErr(`error: ${mask(report.message)}\n`);
    if (report.hint) io.writeErr(`hint: ${mask(report.hint)}\n`);
    if ("debug" in command && command.debug) io.writeErr(mask(debugText(error)) + "\n");
    return report.exitCode;
  }
}
