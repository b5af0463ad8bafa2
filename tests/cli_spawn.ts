/**
 * Test helper: run the real CLI (`cli.ts`) as a child process of the current runtime
 * (`deno run -A cli.ts` on Deno, `bun cli.ts` on Bun) and watch its output.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** How a run ended. */
export interface CliExit {
  /** Exit code, or `null` when killed by a signal. */
  code: number | null;
  /** The signal that killed it, or `null`. */
  signal: string | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** A running CLI. */
export interface CliProcess {
  /** The child. */
  child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** The JSON records printed so far (with --json). */
  records(): Record<string, unknown>[];
  /**
   * Sends a signal with `process.kill(pid)`. (Deno's `ChildProcess.kill` reports every child it
   * signalled as killed by that signal, even one that handled it and exited with a code.)
   */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the child has exited and its streams are closed. */
  exited: Promise<CliExit>;
  /** Resolves when `predicate` holds for a JSON record, rejects after `timeoutMs`. */
  waitForRecord(
    predicate: (r: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

const CREDENTIAL_VARS = /^(OSS_|ALIBABA_CLOUD_)/;

/** Starts the CLI with `args`; the environment has no OSS credentials except those in `env`. */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !CREDENTIAL_VARS.test(k)) base[k] = v;
  }
  const runtimeArgs = "Deno" in globalThis ? ["run", "-A", "--quiet", "cli.ts"] : ["cli.ts"];
  const child = spawn(process.execPath, [...runtimeArgs, ...args], {
    cwd: ROOT,
    env: { ...base, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (d: string) => {
    out += d;
    for (const w of [...waiters]) w();
  });
  child.stderr!.on("data", (d: string) => void (err += d));
  const exited = new Promise<CliExit>((resolve) => {
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout: out, stderr: err });
      for (const w of [...waiters]) w();
    });
  });
  const records = () =>
    out.split("\n").filter((l) => l.startsWith("{")).map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {}; // a line still being written
      }
    });
  let closed = false;
  exited.then(() => closed = true);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    records,
    exited,
    kill: (signal) => void process.kill(child.pid!, signal),
    waitForRecord(predicate, timeoutMs = 15000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = records().find(predicate);
          if (found) {
            done();
            resolve(found);
          } else if (closed) {
            done();
            reject(new Error(`the CLI exited first; stdout: ${out}\nstderr: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out; stdout: ${out.slice(-2000)}\nstderr: ${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
        };
        waiters.push(check);
        check();
      });
    },
  };
}

/** Runs the CLI to the end. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliExit> {
  return startCli(args, env).exited;
}

/** The last JSON record of a `--json` run's stdout. */
export function lastRecord(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}
