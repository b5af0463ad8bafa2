/**
 * The {@linkcode BlockWriter} of file systems that offer none of their own (the memory file system
 * of the tests, `DenoFileSystem`, or where workers are unavailable): each block is written
 * through the {@linkcode PositionalFile} and hashed on this thread while the write runs.
 *
 * @module
 */
import { crc64Of } from "../crc64/crc64.ts";
import type { BlockWriter, PositionalFile, WrittenBlock } from "../fs/file_system.ts";

/**
 * Writes through a {@linkcode PositionalFile}, hashing on the calling thread.
 *
 * @example
 * ```ts
 * import { InlineBlockWriter } from "./inline_block_writer.ts";
 * import { MemoryFileSystem } from "../fs/memory_file_system.ts";
 * const fs = new MemoryFileSystem();
 * const file = await fs.open("/data", { create: true });
 * const writer = await InlineBlockWriter.create(file);
 * const block = new TextEncoder().encode("123456789");
 * console.log((await writer.write(block, 9, 0)).crc64); // 11051210869376104954n
 * await writer.close();
 * ```
 */
export class InlineBlockWriter implements BlockWriter {
  #file: PositionalFile;
  #hash: (data: Uint8Array) => bigint;

  private constructor(file: PositionalFile, hash: (data: Uint8Array) => bigint) {
    this.#file = file;
    this.#hash = hash;
  }

  /** A writer for `file` (which stays open and owned by the caller). */
  static async create(file: PositionalFile): Promise<InlineBlockWriter> {
    return new InlineBlockWriter(file, await crc64Of());
  }

  /** Start the write, hash while it runs, resolve when both are done. */
  async write(block: Uint8Array, length: number, offset: number): Promise<WrittenBlock> {
    const bytes = block.subarray(0, length);
    const writing = this.#file.write(bytes, offset);
    // Both only read the block; the write runs off this thread in the runtime.
    let crc64: bigint;
    try {
      crc64 = this.#hash(bytes);
    } finally {
      await writing;
    }
    return { crc64, block };
  }

  /** Nothing to release: the file belongs to the caller. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
