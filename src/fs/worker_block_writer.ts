/**
 * A {@linkcode BlockWriter} on a worker thread (`block_writer_worker.ts`): blocks are transferred
 * to the worker, hashed and written there with `node:fs`, and transferred back for reuse. The
 * thread that drives the downloads then only receives; on Deno, where a file write and the HTTP
 * client both run on that thread, this is what lets it keep up with the network (bench/README.md).
 *
 * @module
 */
import { FileSystemError } from "../errors.ts";
import type { BlockWriter, BlockWriterOptions, WrittenBlock } from "./file_system.ts";
import { toFileSystemError } from "./_map_error.ts";

/** The default largest `pwrite`. */
export const DEFAULT_MAX_WRITE_BYTES = 16384;

interface ErrorLike {
  code?: string;
  name?: string;
  message: string;
}

type Reply =
  | { op: "opened" }
  | { op: "open-failed"; error: ErrorLike }
  | { op: "written"; id: number; crc64: bigint; buffer: ArrayBuffer }
  | { op: "failed"; id: number; error: ErrorLike; buffer: ArrayBuffer }
  | { op: "closed" };

interface Pending {
  resolve(block: WrittenBlock): void;
  reject(error: Error): void;
}

/**
 * Where the worker's module may be: beside this file (as `.ts`, or `.js` when this file is a
 * transpiled `.js`), or, in a Bun single-file executable built
 * from the repository root with the worker as an extra entry point (`deno task compile:bun`), at
 * its path from the root (the bundle flattens this file into the executable's root module).
 */
function workerUrls(): string[] {
  // Transpiled copies (JSR's npm tarballs) have `.js` files beside each other.
  const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  const beside = new URL(`./block_writer_worker${extension}`, import.meta.url).href;
  if (import.meta.url.includes("/$bunfs/")) {
    return [new URL("./src/fs/block_writer_worker.ts", import.meta.url).href, beside];
  }
  return [beside];
}

/** An `Error` with the fields the worker sent, for the usual mapping to a `FileSystemError`. */
function revive(error: ErrorLike): Error {
  const e = new Error(error.message) as Error & { code?: string };
  if (error.name) e.name = error.name;
  if (error.code) e.code = error.code;
  return e;
}

/**
 * Writes and hashes blocks of one file on a worker thread.
 *
 * @example
 * ```ts ignore
 * import { WorkerBlockWriter } from "./worker_block_writer.ts";
 * const writer = await WorkerBlockWriter.open("data.bin");
 * if (writer) {
 *   const { crc64 } = await writer.write(new Uint8Array(1024), 1024, 0);
 *   await writer.close();
 * }
 * ```
 */
export class WorkerBlockWriter implements BlockWriter {
  #worker: Worker;
  #path: string;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | null = null;
  #opened: ((reply: Reply) => void) | null = null;
  #closed: Promise<void> | null = null;
  #onClosed: (() => void) | null = null;
  #onIdle: (() => void) | null = null;

  private constructor(worker: Worker, path: string) {
    this.#worker = worker;
    this.#path = path;
    worker.onmessage = (event: MessageEvent<Reply>) => this.#receive(event.data);
    worker.onerror = (event: Event) => {
      event.preventDefault?.();
      const message = (event as ErrorEvent).message ?? String(event);
      this.#fail(this.#workerError(`the block-writer worker failed: ${message}`));
    };
    // A reply that cannot be read would leave its write pending forever: fail them all instead.
    worker.onmessageerror = () => {
      this.#fail(this.#workerError("a reply of the block-writer worker could not be read"));
    };
  }

  /**
   * Start a worker that writes to the existing file at `path`; `null` when workers, the file or
   * `node:fs` in a worker are not available here (the caller then writes on its own thread).
   */
  static async open(
    path: string,
    options: BlockWriterOptions = {},
    timeoutMs = 10_000,
  ): Promise<WorkerBlockWriter | null> {
    const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES;
    if (!Number.isSafeInteger(maxWriteBytes) || maxWriteBytes <= 0) {
      throw new RangeError(`maxWriteBytes must be a positive integer, got ${maxWriteBytes}`);
    }
    for (const url of workerUrls()) {
      const writer = await WorkerBlockWriter.#tryOpen(url, path, maxWriteBytes, timeoutMs);
      if (writer) return writer;
    }
    return null;
  }

  static async #tryOpen(
    url: string,
    path: string,
    maxWriteBytes: number,
    timeoutMs: number,
  ): Promise<WorkerBlockWriter | null> {
    let writer: WorkerBlockWriter;
    try {
      writer = new WorkerBlockWriter(new Worker(url, { type: "module" }), path);
    } catch {
      return null;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const reply = await new Promise<Reply>((resolve, reject) => {
        writer.#opened = resolve;
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
        writer.#worker.postMessage({ op: "open", path, maxWriteBytes });
      });
      // "opened" comes after the worker's hasher is ready and the file is open for writing.
      if (reply.op !== "opened") throw new Error("not usable");
      return writer;
    } catch {
      writer.#worker.terminate();
      return null;
    } finally {
      clearTimeout(timer);
      writer.#opened = null;
    }
  }

  /** Hash and write a block in the worker; the block's memory travels there and back. */
  write(block: Uint8Array, length: number, offset: number): Promise<WrittenBlock> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(this.#closedError());
    if (block.byteOffset !== 0 || block.byteLength !== block.buffer.byteLength) {
      return Promise.reject(new RangeError("a block must own its whole ArrayBuffer"));
    }
    if (!Number.isSafeInteger(length) || length < 0 || length > block.length) {
      return Promise.reject(new RangeError(`bad block length ${length}`));
    }
    const id = this.#nextId++;
    return new Promise<WrittenBlock>((resolve, reject) => {
      const buffer = block.buffer as ArrayBuffer;
      try {
        this.#worker.postMessage({ op: "write", id, buffer, length, offset }, [buffer]);
      } catch (error) {
        // Never sent (e.g. the memory cannot be transferred): nothing will answer this write.
        reject(
          new FileSystemError("FS_ERROR", "write", this.#path, {
            cause: new Error("the block could not be sent to the block-writer worker", {
              cause: error,
            }),
          }),
        );
        return;
      }
      this.#pending.set(id, { resolve, reject });
    });
  }

  /** Wait for the pending writes, close the file in the worker and stop it. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    if (this.#pending.size > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
    if (!this.#failure) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#onClosed = resolve;
        // A stuck worker must not hold the download; its file closes when it is terminated.
        timer = setTimeout(resolve, 10_000);
        this.#worker.postMessage({ op: "close" });
      });
      clearTimeout(timer);
    }
    this.#worker.terminate();
    this.#fail(this.#closedError());
  }

  #receive(reply: Reply): void {
    if (reply.op === "opened" || reply.op === "open-failed") {
      this.#opened?.(reply);
    } else if (reply.op === "closed") {
      this.#onClosed?.();
    } else {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.op === "written") {
        pending.resolve({ crc64: reply.crc64, block: new Uint8Array(reply.buffer) });
      } else {
        pending.reject(toFileSystemError(revive(reply.error), "write", this.#path));
      }
      if (this.#pending.size === 0) this.#onIdle?.();
    }
  }

  #workerError(message: string): FileSystemError {
    return new FileSystemError("FS_ERROR", "write", this.#path, { cause: new Error(message) });
  }

  #closedError(): FileSystemError {
    return new FileSystemError("FS_ERROR", "write", this.#path, {
      cause: new Error("the block writer is closed"),
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    // A worker that fails while starting (e.g. its module is missing) ends the wait at once.
    this.#opened?.({ op: "open-failed", error: { message: error.message } });
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    this.#onIdle?.();
  }
}
