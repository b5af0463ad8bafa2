/**
 * `ossdl verify <source> <file>`: check a local file against the object's CRC-64 without
 * downloading it. Exit 0 when they match, 6 when the size or the CRC-64 differs, 12 when the server
 * gives no CRC-64; other failures as for a download.
 *
 * @module
 */
import type { FileSystem } from "../fs/file_system.ts";
import { verifyFile, type VerifyFileResult } from "../verify/verify_file.ts";
import type { CliIo } from "./cli_io.ts";
import { describeError, EXIT } from "./exit_codes.ts";
import { formatBytes, formatDuration } from "./format_units.ts";
import { maskSecrets } from "./mask_secrets.ts";
import { addressing, type VerifyCommand } from "./parse_command.ts";
import { Reporter } from "./reporter.ts";
import { debugText, SECRET_ENV } from "./run_download.ts";
import { credentialFlags } from "./credential_flags.ts";
import { proxiedFetch } from "./transfer_options.ts";

/** What tests (or an embedding program) may replace. */
export interface VerifyDependencies {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The file system. @default defaultFileSystem() */
  fs?: FileSystem;
}

/**
 * The JSON record `verify --json` prints for a result (match or mismatch).
 *
 * @example
 * ```ts ignore
 * import { verifyRecord } from "./verify_command.ts";
 * console.log(JSON.stringify(verifyRecord(result)));
 * ```
 */
export function verifyRecord(r: VerifyFileResult): Record<string, unknown> {
  return {
    type: "result",
    done: true,
    ok: r.match,
    exitCode: r.match ? EXIT.OK : EXIT.INTEGRITY,
    match: r.match,
    mismatch: r.mismatch,
    file: r.file,
    source: r.source,
    bytes: r.bytes,
    serverBytes: r.serverBytes,
    crc64: r.localCrc64,
    serverCrc64: r.serverCrc64,
    etag: r.etag,
    versionId: r.versionId,
    seconds: Math.round(r.durationMs) / 1000,
  };
}

/**
 * What a mismatch prints: the `error:` sentence and the `hint:`.
 *
 * @example
 * ```ts ignore
 * import { mismatchText } from "./verify_command.ts";
 * const { message, hint } = mismatchText(result);
 * ```
 */
export function mismatchText(r: VerifyFileResult): { message: string; hint: string } {
  if (r.mismatch === "size") {
    return {
      message: `${r.file} does not match ${r.source}: the file has ${r.bytes} bytes, the object ` +
        `${r.serverBytes} (sizes differ, the file was not hashed)`,
      hint: "the file is not this object (or not all of it): download it again",
    };
  }
  return {
    message: `CRC-64 mismatch: ${r.file} gives ${r.localCrc64}, the server's ` +
      `x-oss-hash-crc64ecma for ${r.source} is ${r.serverCrc64}`,
    hint: "the file differs from the object (corrupted, or another version): download it again",
  };
}

/**
 * Runs `verify` and returns the exit code; never throws. Success prints one line on stdout
 * (nothing with `--quiet`); a mismatch or an error prints `error:` and `hint:` on stderr; `--json`
 * prints one record on stdout in every case.
 *
 * @example
 * ```ts ignore
 * import { runVerify } from "./verify_command.ts";
 * import { parseCommand } from "./parse_command.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * const command = parseCommand(io.args);
 * if (command.kind === "verify") await io.exit(await runVerify(command, io));
 * ```
 */
export async function runVerify(
  command: VerifyCommand,
  io: CliIo,
  dependencies: VerifyDependencies = {},
): Promise<number> {
  const flags = credentialFlags(command, io);
  const literals = [...SECRET_ENV.map((n) => io.env(n)), ...flags.secrets];
  const mask = (text: string) => maskSecrets(text, literals);
  const reporter = new Reporter({
    mode: command.output,
    tty: false,
    writeOut: (t) => io.writeOut(t),
    writeErr: (t) => io.writeErr(t),
    mask,
  });
  let result: VerifyFileResult;
  try {
    result = await verifyFile({
      source: command.source,
      file: command.file,
      ...addressing(command),
      versionId: command.versionId,
      connectTimeoutMs: command.connectTimeoutMs,
      ...flags.options,
      env: (name) => io.env(name),
      fetch: dependencies.fetch ?? proxiedFetch(io, command.debug),
      fs: dependencies.fs,
      onNotice: (n) => reporter.notice(n),
    });
  } catch (error) {
    const report = describeError(error, {
      ossSource: /^oss:\/\//i.test(command.source),
      hasCredentials: flags.found() ??
        Boolean(io.env("OSS_ACCESS_KEY_ID") || io.env("ALIBABA_CLOUD_ACCESS_KEY_ID")),
    });
    reporter.failed(report, command.debug ? debugText(error) : undefined);
    return report.exitCode;
  }
  if (command.output === "json") io.writeOut(mask(JSON.stringify(verifyRecord(result))) + "\n");
  if (result.match) {
    if (command.output === "normal") {
      io.writeOut(
        mask(
          `verified: ${result.file} matches ${result.source} (${formatBytes(result.bytes)}, ` +
            `CRC-64 ${result.localCrc64}, checked in ${formatDuration(result.durationMs / 1000)})`,
        ) + "\n",
      );
    }
    return EXIT.OK;
  }
  const { message, hint } = mismatchText(result);
  io.writeErr(`error: ${mask(message)}\n`);
  io.writeErr(`hint: ${mask(hint)}\n`);
  return EXIT.INTEGRITY;
}
