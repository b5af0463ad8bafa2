import { test } from "node:test";
import assert from "node:assert/strict";
import { InlineBlockHasher, WorkerBlockHasher } from "../src/crc64/block_hasher.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { testBytes } from "./_engine_fixture.ts";

test("block hasher: the worker starts, agrees with the inline hasher, and hands buffers back", async () => {
  const worker = await WorkerBlockHasher.start();
  assert.ok(worker, "workers are available on Deno and Bun");
  const inline = await InlineBlockHasher.create();
  try {
    for (const size of [0, 1, 1000, 65_536, 300_001]) {
      const data = testBytes(size + 7, size + 1);
      const expected = await crc64(data.subarray(0, size));
      const block = data.slice();
      const fromWorker = await worker.hash(block, size);
      assert.equal(fromWorker.crc, expected, `worker, ${size} bytes`);
      assert.equal(fromWorker.buffer.length, data.length);
      assert.deepEqual(fromWorker.buffer.subarray(0, 16), data.subarray(0, 16));
      assert.equal((await inline.hash(data, size)).crc, expected, `inline, ${size} bytes`);
    }
  } finally {
    worker.close();
    inline.close();
  }
});

test("block hasher: many blocks in flight resolve each to its own CRC", async () => {
  const worker = (await WorkerBlockHasher.start())!;
  try {
    const blocks = Array.from({ length: 20 }, (_, i) => testBytes(10_000 + i, i + 1));
    const expected = await Promise.all(blocks.map((b) => crc64(b)));
    const results = await Promise.all(blocks.map((b) => worker.hash(b.slice(), b.length)));
    assert.deepEqual(results.map((r) => r.crc), expected);
  } finally {
    worker.close();
  }
});

test("block hasher: after close, hashing rejects instead of hanging", async () => {
  const worker = (await WorkerBlockHasher.start())!;
  worker.close();
  await assert.rejects(worker.hash(new Uint8Array(8), 8), /closed/);
});

test("block hasher: a view into a larger buffer is refused (it could not be transferred)", async () => {
  const worker = (await WorkerBlockHasher.start())!;
  try {
    assert.throws(() => worker.hash(new Uint8Array(16).subarray(4), 4), RangeError);
  } finally {
    worker.close();
  }
});
