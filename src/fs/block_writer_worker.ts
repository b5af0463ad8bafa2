/**
 * The body of the block-writer worker ({@linkcode WorkerBlockWriter}): it opens one existing file,
 * then for every block it receives (transferred, not copied) computes the CRC-64 and writes it at
 * its offset with `pwrite` calls of at most `maxWriteBytes`, and sends the CRC back with the block.
 * Not an API.
 *
 * Small writes are deliberate: on VMs that hand free memory back to the host (free page
 * reporting, e.g. Firecracker), a large buffered write allocates large page-cache folios from
 * returned memory and runs several times slower than the same bytes in 16 KiB writes
 * (bench/README.md). Elsewhere, 64 small `pwrite`s per MiB cost little, on this thread.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { type Crc64Hasher, createCrc64 } from "../crc64/crc64.ts";

/** Messages to the worker. */
type Request =
  | { op: "open"; path: string; maxWriteBytes: number }
  | { op: "write"; id: number; buffer: ArrayBuffer; length: number; offset: number }
  | { op: "close" };

interface WorkerScope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** What an error looks like on the way back (codes are mapped on the other side). */
function describe(error: unknown): { code?: string; name?: string; message: string } {
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  return {
    code: typeof e?.code === "string" ? e.code : undefined,
    name: typeof e?.name === "string" ? e.name : undefined,
    message: typeof e?.message === "string" ? e.message : String(error),
  };
}

const scope = globalThis as unknown as WorkerScope;
const hasherReady = createCrc64();
let fd: number | null = null;
// Set by the "open" request, which always comes first.
let maxWriteBytes = 0;
// Requests run in arrival order; the first ones wait for the hasher (the handler is installed
// before anything is awaited, so no message arrives unhandled).
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  // Every request is answered, whatever happened before it: a write left unanswered would keep
  // the download waiting forever.
  queue = queue.then(async () => {
    try {
      handle(request, await hasherReady);
    } catch (error) {
      refuse(request, error);
    }
  });
};

/** The answer to a request that could not be handled at all. */
function refuse(request: Request, error: unknown): void {
  if (request.op === "write") {
    const { id, buffer } = request;
    try {
      scope.postMessage({ op: "failed", id, error: describe(error), buffer }, [buffer]);
    } catch {
      scope.postMessage({ op: "failed", id, error: describe(error), buffer: new ArrayBuffer(0) });
    }
  } else if (request.op === "open") {
    scope.postMessage({ op: "open-failed", error: describe(error) });
  } else {
    scope.postMessage({ op: "closed" });
  }
}

function handle(request: Request, hasher: Crc64Hasher): void {
  if (request.op === "write") {
    const { id, buffer, length, offset } = request;
    try {
      if (fd === null) throw new Error("the block writer has no open file");
      const bytes = new Uint8Array(buffer, 0, length);
      hasher.reset();
      hasher.update(bytes);
      const crc64 = hasher.digest();
      let done = 0;
      while (done < length) {
        const n = writeSync(fd, bytes, done, Math.min(maxWriteBytes, length - done), offset + done);
        if (n <= 0) throw new Error("the write made no progress");
        done += n;
      }
      scope.postMessage({ op: "written", id, crc64, buffer }, [buffer]);
    } catch (error) {
      scope.postMessage({ op: "failed", id, error: describe(error), buffer }, [buffer]);
    }
  } else if (request.op === "open") {
    try {
      maxWriteBytes = request.maxWriteBytes;
      fd = openSync(request.path, "r+");
      scope.postMessage({ op: "opened" });
    } catch (error) {
      scope.postMessage({ op: "open-failed", error: describe(error) });
    }
  } else if (request.op === "close") {
    try {
      if (fd !== null) closeSync(fd);
    } catch {
      // Closing after a failed write may fail again; nothing is left to release.
    }
    fd = null;
    scope.postMessage({ op: "closed" });
  }
}
