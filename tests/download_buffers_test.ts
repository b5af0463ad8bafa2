/**
 * The memory a download holds per connection: two blocks of `chunkSize` (one filling while the
 * other is written), whatever the object's size. A flush waits for the write before it, so a
 * third block would only wait in the pool.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import type { BlockWriter, FileSystem } from "../src/fs/file_system.ts";
import { DEST, fixture, sameBytes } from "./_engine_fixture.ts";

/** `fs` whose block writers record the memory of every block they are given. */
function recordingBlocks(fs: FileSystem, seen: Set<ArrayBufferLike>): FileSystem {
  return new Proxy(fs, {
    get(target, name) {
      if (name !== "openBlockWriter") {
        const value = Reflect.get(target, name, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: Parameters<NonNullable<FileSystem["openBlockWriter"]>>) => {
        const writer = await target.openBlockWriter!(...args);
        if (!writer) return null;
        return {
          write(block, length, offset) {
            seen.add(block.buffer);
            return writer.write(block, length, offset);
          },
          close: () => writer.close(),
        } satisfies BlockWriter;
      };
    },
  });
}

test("a download holds two blocks per connection, however many blocks it writes", async () => {
  for (const concurrency of [1, 3]) {
    const f = await fixture(1_000_000, 70 + concurrency);
    const seen = new Set<ArrayBufferLike>();
    const result = await download(f.options({
      fs: recordingBlocks(f.fs, seen),
      writeInWorker: true,
      concurrency,
      partSize: 256 * 1024,
      chunkSize: 16 * 1024,
    }));
    assert.equal(result.writesOffThread, true);
    assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
    // 61 blocks written; the memory of at most two per connection.
    assert.ok(seen.size <= 2 * concurrency, `${seen.size} block buffers for ${concurrency}`);
  }
});
