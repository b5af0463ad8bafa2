/**
 * Bytes to the process's stdout with back-pressure, on Deno (`Deno.stdout.write`) and on Bun /
 * Node (`process.stdout.write` and `drain`). A reader that went away (a closed pipe: EPIPE,
 * `BrokenPipe`) is reported as {@linkcode StdoutClosedError}, never as an uncaught error.
 *
 * @module
 */
import process from "node:process";

/** Where bytes go, one write at a time. */
export interface ByteSink {
  /** Resolves when `bytes` are handed to the operating system (back-pressure). */
  write(bytes: Uint8Array): Promise<void>;
}

/**
 * The reader of stdout went away (the other end of the pipe closed, e.g. `| head -c 10`).
 *
 * @example
 * ```ts
 * import { StdoutClosedError } from "./stdout_sink.ts";
 * new StdoutClosedError().name; // "StdoutClosedError"
 * ```
 */
export class StdoutClosedError extends Error {
  /** @param cause the runtime's error */
  constructor(cause?: unknown) {
    super("stdout was closed by its reader", { cause });
    this.name = "StdoutClosedError";
  }
}

interface DenoStdout {
  Deno?: { stdout: { write(bytes: Uint8Array): Promise<number> } };
}

function isClosedPipe(error: unknown): boolean {
  const e = error as { code?: string; name?: string } | null;
  return e?.code === "EPIPE" || e?.name === "BrokenPipe" || e?.code === "ERR_STREAM_DESTROYED" ||
    /broken pipe|EPIPE/i.test(String((error as Error)?.message ?? ""));
}

/**
 * The stdout of this process as a {@linkcode ByteSink}.
 *
 * @example
 * ```ts ignore
 * import { stdoutSink } from "./stdout_sink.ts";
 * await stdoutSink().write(new TextEncoder().encode("hello\n"));
 * ```
 */
export function stdoutSink(): ByteSink {
  const deno = (globalThis as DenoStdout).Deno;
  if (deno) {
    return {
      async write(bytes: Uint8Array): Promise<void> {
        try {
          for (let at = 0; at < bytes.length;) at += await deno.stdout.write(bytes.subarray(at));
        } catch (error) {
          throw isClosedPipe(error) ? new StdoutClosedError(error) : error;
        }
      },
    };
  }
  let failure: unknown = null;
  // An EPIPE comes as an 'error' event: without a listener it would be an uncaught exception.
  process.stdout.on("error", (error) => void (failure ??= error));
  return {
    write(bytes: Uint8Array): Promise<void> {
      return new Promise((resolve, reject) => {
        const fail = (error: unknown) =>
          reject(isClosedPipe(error) ? new StdoutClosedError(error) : error);
        if (failure) return fail(failure);
        const onError = (error: unknown) => {
          process.stdout.off("drain", onDrain);
          fail(error);
        };
        const onDrain = () => {
          process.stdout.off("error", onError);
          resolve();
        };
        let ready: boolean;
        try {
          ready = process.stdout.write(bytes, (error) => error && onError(error));
        } catch (error) {
          return fail(error);
        }
        if (ready) return resolve();
        process.stdout.once("drain", onDrain);
        process.stdout.once("error", onError);
      });
    },
  };
}
