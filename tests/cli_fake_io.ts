/**
 * Test helper: a {@linkcode CliIo} that records output, signal handlers and exits, and never
 * touches the process.
 *
 * @module
 */
import type { CliIo, CliSignal } from "../src/cli/cli_io.ts";

/** Thrown by the fake `exit`/`exitNow` (which must not return). */
export class FakeExit extends Error {
  /** The exit code asked for. */
  readonly code: number;
  /** @param code the exit code */
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** A recording CliIo. */
export interface FakeIo {
  /** The io to pass to the CLI. */
  io: CliIo;
  /** stdout so far. */
  out(): string;
  /** stderr so far. */
  err(): string;
  /** Delivers a signal to the registered handlers. */
  signal(name: CliSignal): void;
  /** How many handlers are registered for `name`. */
  listeners(name: CliSignal): number;
  /** Codes passed to `exitNow`. */
  exits: number[];
}

/** Builds a fake io for `args` with environment `env`. */
export function fakeIo(args: string[], env: Record<string, string> = {}): FakeIo {
  let out = "";
  let err = "";
  const handlers: Record<CliSignal, Array<() => void>> = { SIGINT: [], SIGTERM: [] };
  const exits: number[] = [];
  const io: CliIo = {
    args,
    program: "ossdl",
    stderrIsTty: false,
    columns: () => 80,
    writeOut: (t) => void (out += t),
    writeErr: (t) => void (err += t),
    onSignal(name, handler) {
      handlers[name].push(handler);
      return () => {
        handlers[name] = handlers[name].filter((h) => h !== handler);
      };
    },
    env: (n) => env[n],
    makeTempDir: () => Promise.reject(new Error("no temp dirs in this fake")),
    removeDir: () => Promise.resolve(),
    exit: (code) => Promise.reject(new FakeExit(code)),
    exitNow(code: number): never {
      exits.push(code);
      throw new FakeExit(code);
    },
  };
  return {
    io,
    out: () => out,
    err: () => err,
    signal: (name) => {
      for (const h of [...handlers[name]]) h();
    },
    listeners: (name) => handlers[name].length,
    exits,
  };
}
