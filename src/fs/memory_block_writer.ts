/**
 * The {@linkcode BlockWriter} of the memory file system (its option `blockWriter: "async"`): a
 * model of the worker block writer (`worker_block_writer.ts`) for crash tests.
 *
 * Like the worker, it writes through a file handle of its own and a block's promise settles only
 * after the block's bytes were written, with the CRC-64 of those bytes. Unlike an inline write, a
 * block lands *later* than the call: each `maxWriteBytes` piece is written after a seeded-random
 * number of macrotask turns (0 to 3, and one time in eight 4 to 31), so blocks of different
 * segments land in a random order (the real worker lands them in call order: this is more
 * adversarial) and a commit that does not wait for the writes finds them missing. The block
 * belongs to the writer until its promise settles: each piece is read from it when it lands, so a
 * caller that reuses the memory too early writes the wrong bytes, as with a transferred buffer.
 *
 * Each piece is one `write` of the handle, counted by the memory file system when it lands (so
 * `crashAt` can hit it) and subject to its faults: a write that fails stops the block, its promise
 * rejects with that error (a `SimulatedCrash` after a crash) and the remaining pieces are not
 * written. A piece that has not landed at a crash is lost.
 *
 * @module
 */
import type { Crc64Hasher } from "../crc64/crc64.ts";
import { FileSystemError } from "../errors.ts";
import type { BlockWriter, PositionalFile, WrittenBlock } from "./file_system.ts";
import { checkPosition } from "./_check.ts";

/** The default largest single write, as for the worker writer. */
export const DEFAULT_MEMORY_MAX_WRITE_BYTES = 16384;

/** Options of {@linkcode MemoryBlockWriter}. */
export interface MemoryBlockWriterOptions {
  /** Largest single write (one counted operation), in bytes. @default 16384 */
  maxWriteBytes?: number;
  /** Decides how many turns each piece waits: a number in `[0, 1)` per call. @default Math.random */
  random?: () => number;
}

/** Runs `f` on a later macrotask turn (setImmediate where there is one: it costs microseconds). */
const nextTurn: (f: () => void) => void = typeof globalThis.setImmediate === "function"
  ? (f) => void globalThis.setImmediate(f)
  : (f) => void setTimeout(f, 0);

/**
 * Writes blocks through a {@linkcode PositionalFile} of its own, each piece landing a seeded-random
 * number of event-loop turns after the call, and hashes what landed.
 *
 * @example
 * ```ts
 * import { MemoryBlockWriter } from "./memory_block_writer.ts";
 * import { MemoryFileSystem } from "./memory_file_system.ts";
 * import { createCrc64 } from "../crc64/crc64.ts";
 * const fs = new MemoryFileSystem();
 * await (await fs.open("/data", { create: true })).close();
 * const writer = new MemoryBlockWriter(await fs.open("/data"), "/data", await createCrc64());
 * const written = writer.write(new TextEncoder().encode("123456789"), 9, 0);
 * console.log(fs.readLive("/data")!.length); // 0: not landed yet
 * console.log((await written).crc64); // 11051210869376104954n
 * await writer.close();
 * ```
 */
export class MemoryBlockWriter implements BlockWriter {
  #file: PositionalFile;
  #path: string;
  #hasher: Crc64Hasher;
  #maxWriteBytes: number;
  #random: () => number;
  #pending = new Set<Promise<unknown>>();
  #closed: Promise<void> | null = null;

  /**
   * A writer for the file behind `file`.
   *
   * @param file the handle to write through; the writer owns it and closes it on `close()`
   * @param path the file's path, for error messages
   * @param hasher a CRC-64 hasher for the writer's own use
   * @param options the largest single write and the random source of the delays
   */
  constructor(
    file: PositionalFile,
    path: string,
    hasher: Crc64Hasher,
    options: MemoryBlockWriterOptions = {},
  ) {
    const maxWriteBytes = options.maxWriteBytes ?? DEFAULT_MEMORY_MAX_WRITE_BYTES;
    if (!Number.isSafeInteger(maxWriteBytes) || maxWriteBytes <= 0) {
      throw new RangeError(`maxWriteBytes must be a positive integer, got ${maxWriteBytes}`);
    }
    this.#file = file;
    this.#path = path;
    this.#hasher = hasher;
    this.#maxWriteBytes = maxWriteBytes;
    this.#random = options.random ?? Math.random;
  }

  /** Write `block[0, length)` at `offset` later, piece by piece; settles once all of it landed. */
  write(block: Uint8Array, length: number, offset: number): Promise<WrittenBlock> {
    if (this.#closed) {
      return Promise.reject(
        new FileSystemError("FS_ERROR", "write", this.#path, {
          cause: new Error("the block writer is closed"),
        }),
      );
    }
    if (!Number.isSafeInteger(length) || length < 0 || length > block.length) {
      return Promise.reject(new RangeError(`bad block length ${length}`));
    }
    try {
      checkPosition(offset, "offset");
    } catch (error) {
      return Promise.reject(error);
    }
    const landing = this.#land(block, length, offset);
    this.#pending.add(landing);
    const settled = () => void this.#pending.delete(landing);
    landing.then(settled, settled);
    return landing;
  }

  /** Wait for every pending write to land (or fail), then close the handle. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      await this.#file.close();
    })();
    return this.#closed;
  }

  async #land(block: Uint8Array, length: number, offset: number): Promise<WrittenBlock> {
    const pieces: Uint8Array[] = [];
    let done = 0;
    do {
      await this.#later();
      const n = Math.min(this.#maxWriteBytes, length - done);
      if (n === 0) break;
      // Read from the block now, when the piece lands: the caller must not touch it before.
      const piece = block.slice(done, done + n);
      await this.#file.write(piece, offset + done);
      pieces.push(piece);
      done += n;
    } while (done < length);
    this.#hasher.reset();
    for (const piece of pieces) this.#hasher.update(piece);
    return { crc64: this.#hasher.digest(), block };
  }

  /** Wait 0 to 3 macrotask turns, one time in eight 4 to 31 (a slow write). */
  async #later(): Promise<void> {
    const turns = this.#random() < 0.125
      ? 4 + Math.floor(this.#random() * 28)
      : Math.floor(this.#random() * 4);
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => nextTurn(resolve));
  }
}
