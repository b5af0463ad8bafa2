/**
 * CRC-64 of whole parts on a worker thread, so that the thread that receives the parts does not
 * also hash them: each part's buffer is transferred to the worker and back (no copy).
 *
 * @module
 */

interface Reply {
  id?: number;
  crc?: string;
  buffer?: ArrayBuffer;
  ready?: boolean;
}

interface Pending {
  length: number;
  resolve(part: { bytes: Uint8Array; crc: bigint }): void;
  reject(error: Error): void;
}

/** Where the worker's module may be (see `src/fs/worker_block_writer.ts` for the same logic). */
function workerUrls(): string[] {
  const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  const beside = new URL(`./crc_worker${extension}`, import.meta.url).href;
  if (import.meta.url.includes("/$bunfs/")) {
    return [new URL("./src/stream/crc_worker.ts", import.meta.url).href, beside];
  }
  return [beside];
}

/**
 * A worker that hashes part buffers.
 *
 * @example
 * ```ts ignore
 * import { WorkerCrc } from "./worker_crc.ts";
 * const worker = await WorkerCrc.start();
 * if (worker) {
 *   const { bytes, crc } = await worker.hash(new Uint8Array(1024)); // bytes: the same memory
 *   worker.close();
 * }
 * ```
 */
export class WorkerCrc {
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<Reply>) => this.#receive(event.data);
    worker.onerror = (event: Event) => {
      event.preventDefault?.();
      this.#fail(new Error(`the CRC-64 worker failed: ${(event as ErrorEvent).message ?? event}`));
    };
  }

  /**
   * Starts a worker; `null` when workers are not available here (or it does not answer within
   * `timeoutMs`): the caller then hashes on its own thread.
   */
  static async start(timeoutMs = 10_000): Promise<WorkerCrc | null> {
    for (const url of workerUrls()) {
      let worker: Worker;
      try {
        worker = new Worker(url, { type: "module" });
      } catch {
        continue;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ready = await new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        worker.onmessage = (event: MessageEvent<Reply>) => resolve(event.data?.ready === true);
        worker.onerror = (event: Event) => {
          event.preventDefault?.();
          resolve(false);
        };
      });
      clearTimeout(timer);
      if (ready) return new WorkerCrc(worker);
      worker.terminate();
    }
    return null;
  }

  /**
   * The CRC-64 of `bytes` (which must start at offset 0 of their buffer); resolves with the same
   * memory as a new view (the old one is detached while the worker has it).
   */
  hash(bytes: Uint8Array): Promise<{ bytes: Uint8Array; crc: bigint }> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (bytes.byteOffset !== 0) throw new RangeError("the bytes must start their buffer");
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { length: bytes.length, resolve, reject });
      const buffer = bytes.buffer as ArrayBuffer;
      this.#worker.postMessage({ id, buffer, length: bytes.length }, [buffer]);
    });
  }

  /** Stops the worker; pending hashes fail. */
  close(): void {
    this.#fail(new Error("the CRC-64 worker was stopped"));
    this.#worker.terminate();
  }

  #receive(reply: Reply): void {
    const pending = reply.id === undefined ? undefined : this.#pending.get(reply.id);
    if (!pending || !reply.buffer || reply.crc === undefined) return;
    this.#pending.delete(reply.id!);
    pending.resolve({
      bytes: new Uint8Array(reply.buffer, 0, pending.length),
      crc: BigInt(reply.crc),
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const p of this.#pending.values()) p.reject(this.#failure);
    this.#pending.clear();
  }
}
