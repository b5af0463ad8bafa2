/**
 * Hashing of whole blocks, on the calling thread or in a worker. The engine writes a block, hands
 * it to a {@linkcode BlockHasher}, and combines the block CRCs of a segment in order
 * (`combine.ts`). In a worker, hashing runs on another core while the main thread keeps the
 * downloads streaming; blocks are transferred, not copied, and come back for reuse.
 *
 * @module
 */
import { type Crc64Hasher, createCrc64 } from "./crc64.ts";

/** A hashed block: its CRC-64 and the buffer, handed back for reuse. */
export interface HashedBlock {
  /** CRC-64 of the first `length` bytes of the buffer. */
  crc: bigint;
  /** The buffer that was hashed (the same memory, owned by the caller again). */
  buffer: Uint8Array;
}

/**
 * Hashes blocks. `hash` takes ownership of `buffer` until its promise resolves.
 *
 * @example
 * ```ts
 * import { InlineBlockHasher } from "./block_hasher.ts";
 * const hasher = await InlineBlockHasher.create();
 * const { crc } = await hasher.hash(new TextEncoder().encode("123456789"), 9);
 * console.log(crc); // 11051210869376104954n
 * hasher.close();
 * ```
 */
export interface BlockHasher {
  /**
   * `true` when `hash` moves the buffer to another thread (it must not be in use elsewhere, e.g.
   * by a pending write); `false` when it only reads it, on this thread, during the call.
   */
  readonly takesBuffer: boolean;
  /** CRC-64 of `buffer[0, length)`. The buffer must not be touched until the promise resolves. */
  hash(buffer: Uint8Array, length: number): Promise<HashedBlock>;
  /** Release the worker, if any. Pending hashes reject. */
  close(): void;
}

/**
 * Hashes on the calling thread.
 *
 * @example
 * ```ts
 * import { InlineBlockHasher } from "./block_hasher.ts";
 * const hasher = await InlineBlockHasher.create();
 * console.log((await hasher.hash(new Uint8Array(4), 4)).crc);
 * ```
 */
export class InlineBlockHasher implements BlockHasher {
  /** Reads the buffer during the call only. */
  readonly takesBuffer = false;
  #hasher: Crc64Hasher;

  private constructor(hasher: Crc64Hasher) {
    this.#hasher = hasher;
  }

  /** Create one. */
  static async create(): Promise<InlineBlockHasher> {
    return new InlineBlockHasher(await createCrc64());
  }

  /** Hash now. */
  hash(buffer: Uint8Array, length: number): Promise<HashedBlock> {
    this.#hasher.reset();
    this.#hasher.update(buffer.subarray(0, length));
    return Promise.resolve({ crc: this.#hasher.digest(), buffer });
  }

  /** Nothing to release. */
  close(): void {}
}

/**
 * Where the worker's module may be: beside this file, or, in a Bun single-file executable built
 * from the repository root with the worker as an extra entry point (`deno task compile:bun`), at
 * its path from the root (the bundle flattens this file into the executable's root module).
 */
function workerUrls(): string[] {
  const urls = [new URL("./crc64_worker.ts", import.meta.url).href];
  if (import.meta.url.includes("/$bunfs/")) {
    urls.push(new URL("./src/crc64/crc64_worker.ts", import.meta.url).href);
  }
  return urls;
}

interface Reply {
  id: number;
  crc?: bigint;
  error?: string;
  buffer: ArrayBuffer;
}

interface Pending {
  resolve(block: HashedBlock): void;
  reject(error: Error): void;
}

/**
 * Hashes in a dedicated worker (`crc64_worker.ts`).
 *
 * @example
 * ```ts ignore
 * import { WorkerBlockHasher } from "./block_hasher.ts";
 * const hasher = await WorkerBlockHasher.start();
 * if (hasher) {
 *   console.log((await hasher.hash(new Uint8Array(1024), 1024)).crc);
 *   hasher.close();
 * }
 * ```
 */
export class WorkerBlockHasher implements BlockHasher {
  /** Transfers the buffer to the worker and back. */
  readonly takesBuffer = true;
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const { id, crc, error, buffer } = event.data;
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      if (error !== undefined || crc === undefined) {
        pending.reject(new Error(`CRC-64 worker: ${error ?? "no result"}`));
      } else {
        pending.resolve({ crc, buffer: new Uint8Array(buffer) });
      }
    };
    worker.onerror = (event: Event) => {
      event.preventDefault?.();
      this.#fail(new Error(`CRC-64 worker failed: ${(event as ErrorEvent).message ?? event}`));
    };
  }

  /**
   * Start the worker and check that it answers; `null` when workers are not available here (the
   * caller then hashes inline).
   */
  static async start(timeoutMs = 10_000): Promise<WorkerBlockHasher | null> {
    for (const url of workerUrls()) {
      const hasher = await WorkerBlockHasher.#tryStart(url, timeoutMs);
      if (hasher) return hasher;
    }
    return null;
  }

  static async #tryStart(url: string, timeoutMs: number): Promise<WorkerBlockHasher | null> {
    let hasher: WorkerBlockHasher;
    try {
      hasher = new WorkerBlockHasher(new Worker(url, { type: "module" }));
    } catch {
      return null;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const probe = new Uint8Array(9);
      probe.set([49, 50, 51, 52, 53, 54, 55, 56, 57]); // "123456789"
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      });
      const { crc } = await Promise.race([hasher.hash(probe, 9), timeout]);
      if (crc !== 0x995DC9BBDF1939FAn) throw new Error("wrong check value");
      return hasher;
    } catch {
      hasher.close();
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Hash in the worker; the buffer is transferred there and back. */
  hash(buffer: Uint8Array, length: number): Promise<HashedBlock> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) {
      throw new RangeError("a block must own its whole ArrayBuffer");
    }
    const id = this.#nextId++;
    return new Promise<HashedBlock>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const arrayBuffer = buffer.buffer as ArrayBuffer;
      this.#worker.postMessage({ id, buffer: arrayBuffer, length }, [arrayBuffer]);
    });
  }

  /** Stop the worker; pending hashes reject. */
  close(): void {
    this.#fail(new Error("CRC-64 worker closed"));
    this.#worker.terminate();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
