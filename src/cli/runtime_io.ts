/**
 * The {@linkcode CliIo} of the running process, on Deno and Bun (and Node): `node:process` for
 * arguments, streams, signals and exit, `node:fs/promises` and `node:os` for temporary
 * directories. The only file of the CLI that touches the runtime.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import process from "node:process";
import type { CliIo, CliSignal } from "./cli_io.ts";
import { shellQuote } from "./shell_quote.ts";
import { stdoutSink } from "../runtime/stdout_sink.ts";
import { proxyFetch, takeProxyEnvironment } from "../runtime/proxy_fetch.ts";
import type { ProxySettings } from "../proxy/proxy_settings.ts";

function flush(stream: { write(chunk: string, callback: () => void): boolean }): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write("", () => resolve());
    } catch {
      resolve();
    }
  });
}

function displayPath(path: string): string {
  if (!path) return path;
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * How the CLI was started: `deno run -A <script>`, `bun <script>`, or the compiled binary.
 *
 * @example
 * ```ts
 * import { programName } from "./runtime_io.ts";
 * console.log(programName()); // e.g. "deno run -A cli.ts"
 * ```
 */
export function programName(): string {
  const exe = process.execPath.split(/[\\/]/).pop()?.replace(/\.exe$/i, "") ?? "";
  const script = process.argv[1] ?? "";
  const isBundled = script.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(script);
  if ("Deno" in globalThis && exe === "deno") {
    return `deno run -A ${shellQuote(displayPath(script))}`;
  }
  if (exe === "bun" && script && !isBundled) return `bun ${shellQuote(displayPath(script))}`;
  const path = displayPath(process.execPath);
  return shellQuote(path.includes("/") || path.includes("\\") ? path : `./${path}`);
}

/**
 * The process's {@linkcode CliIo}.
 *
 * @example
 * ```ts ignore
 * import { processIo } from "./runtime_io.ts";
 * const io = processIo();
 * io.writeErr(`args: ${io.args.join(" ")}\n`);
 * ```
 */
export function processIo(): CliIo {
  const args = process.argv.slice(2);
  let proxies: ProxySettings | null = null;
  return {
    args,
    program: programName(),
    stderrIsTty: process.stderr.isTTY === true,
    columns: () => process.stderr.columns || 80,
    writeOut: (text) => void process.stdout.write(text),
    writeErr: (text) => void process.stderr.write(text),
    onSignal(signal: CliSignal, handler: () => void): () => void {
      try {
        process.on(signal, handler);
      } catch {
        return () => {}; // e.g. SIGTERM on Windows
      }
      return () => void process.off(signal, handler);
    },
    env: (name) => process.env[name],
    makeTempDir: (prefix) => mkdtemp(join(tmpdir(), prefix)),
    removeDir: (path) => rm(path, { recursive: true, force: true }),
    async exit(code: number): Promise<never> {
      await Promise.all([flush(process.stdout), flush(process.stderr)]);
      process.exit(code);
    },
    exitNow(code: number): never {
      process.exit(code);
    },
    openStdout: () => stdoutSink(),
    proxyFetch: (onChoice) => proxyFetch(proxies ??= takeProxyEnvironment(), onChoice),
  };
}
