/**
 * `ossdl serve`: serve a directory like OSS (each sub-directory a bucket) until SIGINT/SIGTERM.
 *
 * @module
 */
import { type ServedDirectory, serveDirectory } from "../emulator/serve_directory.ts";
import { defaultFileSystem } from "../fs/default_file_system.ts";
import type { CliIo } from "./cli_io.ts";
import { type FaultsWatch, watchFaultsFile } from "./faults_file.ts";
import type { ServeCommand } from "./parse_command.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Serves until a signal arrives, then closes the server and returns 0.
 *
 * @example
 * ```ts ignore
 * import { runServe } from "./serve_command.ts";
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * await io.exit(await runServe({ kind: "serve", root: ".", port: 9000, host: "127.0.0.1", debug: false }, io));
 * ```
 */
export async function runServe(command: ServeCommand, io: CliIo): Promise<number> {
  const fs = await defaultFileSystem();
  const info = await fs.stat(command.root);
  if (!info?.isDirectory) {
    throw new UsageError(
      `--root ${JSON.stringify(command.root)} is not a directory`,
      "give a directory whose sub-directories are the buckets",
    );
  }
  let server: ServedDirectory;
  try {
    server = await serveDirectory(command.root, {
      port: command.port,
      hostname: command.host,
      credentials: command.credentials,
      region: command.region,
      writable: !command.readOnly,
    });
  } catch (error) {
    if (!isAddrInUse(error)) throw error;
    throw new UsageError(
      `port ${command.port} on ${command.host} is already in use`,
      "pick another port with --port (or stop the program listening on it)",
    );
  }
  let watch: FaultsWatch | null = null;
  if (command.faults !== undefined) {
    try {
      watch = await watchFaultsFile(command.faults, {
        fs,
        apply: (faults) => server.emulator.setFaults(faults),
        report: (line) => io.writeErr(`${line}\n`),
      });
    } catch (error) {
      await server.close();
      throw new UsageError(
        (error as Error).message,
        "give a JSON object with the fields of the emulator's Faults (see --help)",
      );
    }
  }
  const access = command.credentials
    ? `signed requests only, access key id ${command.credentials.accessKeyId}`
    : "anonymous access";
  const writes = command.readOnly ? "read-only" : "PutObject and DeleteObject write to it";
  io.writeOut(
    `serving ${command.root} at ${server.url} (each sub-directory is a bucket; ${access}; ` +
      `${writes})\n` +
      `try: ${io.program} oss://BUCKET/KEY ./KEY --endpoint ${server.url}\n` +
      `press Ctrl-C to stop\n`,
  );
  const signal = await new Promise<string>((resolve) => {
    const offs = (["SIGINT", "SIGTERM"] as const).map((s) =>
      io.onSignal(s, () => {
        for (const off of offs) off();
        resolve(s);
      })
    );
  });
  watch?.stop();
  await server.close();
  io.writeErr(`${signal}: stopped\n`);
  return 0;
}

/** Deno throws `Deno.errors.AddrInUse`; Node and Bun an error with code `EADDRINUSE`. */
function isAddrInUse(error: unknown): boolean {
  return error instanceof Error &&
    (error.name === "AddrInUse" || (error as { code?: unknown }).code === "EADDRINUSE");
}
