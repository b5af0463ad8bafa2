/**
 * The port between the CLI and the process it runs in: arguments, output streams, signals,
 * environment, temporary directories, exit. `runtime_io.ts` implements it with `node:process`
 * (Deno and Bun); tests can pass their own.
 *
 * @module
 */

import type { FetchFunction } from "../oss/http_send.ts";
import type { ProxyChoice } from "../proxy/proxy_settings.ts";
import type { ByteSink } from "../runtime/stdout_sink.ts";

/** The signals the CLI handles. */
export type CliSignal = "SIGINT" | "SIGTERM";

/**
 * What the CLI needs from its process.
 *
 * @example
 * ```ts
 * import type { CliIo } from "./cli_io.ts";
 * function hello(io: CliIo): void {
 *   io.writeErr(`hello from ${io.program}\n`);
 * }
 * ```
 */
export interface CliIo {
  /** The arguments after the program. */
  readonly args: readonly string[];
  /** How the CLI was started, shell-quoted, for messages (e.g. `deno run -A cli.ts`). */
  readonly program: string;
  /** Whether stderr is a terminal (progress is redrawn in place only then). */
  readonly stderrIsTty: boolean;
  /** Terminal width in columns (80 when unknown). */
  columns(): number;
  /** Write to stdout. */
  writeOut(text: string): void;
  /** Write to stderr. */
  writeErr(text: string): void;
  /** Call `handler` on each `signal`; returns a function that stops listening. */
  onSignal(signal: CliSignal, handler: () => void): () => void;
  /** An environment variable, or `undefined`. */
  env(name: string): string | undefined;
  /** Create a fresh temporary directory whose name starts with `prefix`. */
  makeTempDir(prefix: string): Promise<string>;
  /** Remove a directory and everything in it. */
  removeDir(path: string): Promise<void>;
  /** Flush stdout and stderr, then end the process with `code`. */
  exit(code: number): Promise<never>;
  /** End the process with `code` now, without waiting for anything. */
  exitNow(code: number): never;
  /**
   * Bytes to stdout with back-pressure (`get SOURCE -`); a closed pipe rejects with
   * `StdoutClosedError`. Absent: stdout mode is not available.
   */
  openStdout?(): ByteSink;
  /**
   * The fetch that honours the proxy variables (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` and their
   * lower-case forms), telling `onChoice` the proxy chosen for each origin. Absent: the global
   * fetch.
   */
  proxyFetch?(onChoice: (origin: string, choice: ProxyChoice) => void): FetchFunction;
}
