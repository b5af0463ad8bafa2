// The worker block writer (src/fs/worker_block_writer.ts) on a real file system: blocks land at
// their offsets, CRCs are right, memory comes back for reuse, errors map, and the inline writer
// over a memory file system agrees with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc64 } from "../src/crc64/crc64.ts";
import { FileSystemError } from "../src/errors.ts";
import type { BlockWriter } from "../src/fs/file_system.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { NodeFileSystem } from "../src/fs/node_file_system.ts";
import { WorkerBlockWriter } from "../src/fs/worker_block_writer.ts";
import { InlineBlockWriter } from "../src/download/inline_block_writer.ts";
import { seededRandom } from "../src/seeded_random.ts";
import { sameBytes, testBytes } from "./_engine_fixture.ts";

/** A temp dir holding `data.bin` of `size` bytes filled with `fill`; removed after `body`. */
async function withFile(
  size: number,
  body: (path: string) => Promise<void>,
  fill = 0xee,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ossdl-bw-"));
  try {
    const path = join(dir, "data.bin");
    writeFileSync(path, new Uint8Array(size).fill(fill));
    await body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Open a worker writer, failing the test when the worker is not available. */
async function openWriter(path: string, maxWriteBytes?: number): Promise<WorkerBlockWriter> {
  const writer = await WorkerBlockWriter.open(path, { maxWriteBytes });
  assert.ok(writer, "the worker block writer should open on this runtime");
  return writer;
}

/** `count` blocks of varied sizes laid end to end: [offset, bytes]. */
function layout(count: number, seed: number): Array<[number, Uint8Array]> {
  const blocks: Array<[number, Uint8Array]> = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const size = 1000 + ((i * 7919) % 20_000);
    blocks.push([offset, testBytes(size, seed + i)]);
    offset += size;
  }
  return blocks;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const r = seededRandom(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test("worker block writer: 30 blocks in flight, out of order, land at their offsets", async () => {
  const blocks = layout(30, 11);
  const total = blocks.reduce((n, [, b]) => n + b.length, 0);
  await withFile(total + 100, async (path) => {
    const writer = await openWriter(path);
    try {
      const order = shuffled(blocks, 5);
      // Copies go to the worker (their memory moves there); the originals are the expectation.
      const results = await Promise.all(
        order.map(([offset, bytes]) => writer.write(bytes.slice(), bytes.length, offset)),
      );
      for (let i = 0; i < order.length; i++) {
        const [, bytes] = order[i];
        assert.equal(results[i].crc64, await crc64(bytes), `block ${i}`);
        assert.ok(sameBytes(results[i].block, bytes), `block ${i} comes back unchanged`);
      }
    } finally {
      await writer.close();
    }
    const file = readFileSync(path);
    assert.equal(file.length, total + 100);
    for (const [offset, bytes] of blocks) {
      assert.ok(sameBytes(file.subarray(offset, offset + bytes.length), bytes), `at ${offset}`);
    }
    // Bytes past the last block are untouched.
    assert.ok(file.subarray(total).every((b) => b === 0xee));
  });
});

test("worker block writer: only block[0, length) is written and hashed", async () => {
  await withFile(50_000, async (path) => {
    const writer = await openWriter(path);
    try {
      const block = testBytes(8192, 3);
      const expected = block.slice(0, 5000);
      const { crc64: crc, block: back } = await writer.write(block, 5000, 40_000);
      assert.equal(crc, await crc64(expected));
      assert.equal(back.length, 8192, "the whole block's memory comes back");
      assert.ok(sameBytes(back, testBytes(8192, 3)));
    } finally {
      await writer.close();
    }
    const file = readFileSync(path);
    assert.ok(sameBytes(file.subarray(40_000, 45_000), testBytes(8192, 3).subarray(0, 5000)));
    assert.ok(file.subarray(45_000).every((b) => b === 0xee));
    assert.ok(file.subarray(0, 40_000).every((b) => b === 0xee));
  });
});

test("worker block writer: a returned block can be filled and written again", async () => {
  await withFile(64 * 1024, async (path) => {
    const writer = await openWriter(path);
    try {
      let block: Uint8Array = new Uint8Array(16 * 1024);
      for (let round = 0; round < 4; round++) {
        const bytes = testBytes(block.length, 100 + round);
        block.set(bytes);
        const written = await writer.write(block, block.length, round * block.length);
        assert.equal(written.crc64, await crc64(bytes));
        block = written.block;
        assert.equal(block.length, 16 * 1024);
      }
    } finally {
      await writer.close();
    }
    const file = readFileSync(path);
    for (let round = 0; round < 4; round++) {
      const slice = file.subarray(round * 16 * 1024, (round + 1) * 16 * 1024);
      assert.ok(sameBytes(slice, testBytes(16 * 1024, 100 + round)), `round ${round}`);
    }
  });
});

test("worker block writer: a tiny maxWriteBytes and a length not a multiple of it", async () => {
  await withFile(3000, async (path) => {
    const writer = await openWriter(path, 7);
    const a = testBytes(1000, 21); // 1000 = 142 * 7 + 6
    const b = testBytes(1, 22);
    try {
      const [ra, rb] = await Promise.all([
        writer.write(a.slice(), 1000, 1234),
        writer.write(b.slice(), 1, 2999),
      ]);
      assert.equal(ra.crc64, await crc64(a));
      assert.equal(rb.crc64, await crc64(b));
    } finally {
      await writer.close();
    }
    const file = readFileSync(path);
    assert.ok(sameBytes(file.subarray(1234, 2234), a));
    assert.equal(file[2999], b[0]);
    assert.ok(file.subarray(0, 1234).every((x) => x === 0xee));
    assert.ok(file.subarray(2234, 2999).every((x) => x === 0xee));
  });
});

test("worker block writer: a length-0 write hashes to 0 and changes nothing", async () => {
  await withFile(100, async (path) => {
    const writer = await openWriter(path);
    try {
      const block = testBytes(64, 9);
      const written = await writer.write(block, 0, 50);
      assert.equal(written.crc64, 0n);
      assert.ok(sameBytes(written.block, testBytes(64, 9)));
      // Also at the end of the file, and with an empty block.
      assert.equal((await writer.write(new Uint8Array(0), 0, 100)).crc64, 0n);
    } finally {
      await writer.close();
    }
    const file = readFileSync(path);
    assert.equal(file.length, 100);
    assert.ok(file.every((x) => x === 0xee));
  });
});

test("worker block writer: a missing file gives null, quickly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ossdl-bw-"));
  try {
    const started = performance.now();
    const writer = await WorkerBlockWriter.open(join(dir, "absent.bin"));
    const elapsed = performance.now() - started;
    assert.equal(writer, null);
    // The worker answers "open-failed" at once; the 10 s start-up timeout is not what ends it.
    assert.ok(elapsed < 5000, `took ${Math.round(elapsed)} ms`);
    // And it did not create the file.
    assert.equal(existsSync(join(dir, "absent.bin")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("worker block writer: a write to /dev/full fails with FS_NO_SPACE", async () => {
  // The machines running these tests are Linux; without /dev/full this test must fail, not skip.
  assert.ok(existsSync("/dev/full"), "/dev/full is required (Linux)");
  const writer = await openWriter("/dev/full");
  try {
    await assert.rejects(writer.write(testBytes(4096, 1), 4096, 0), (e: unknown) => {
      assert.ok(e instanceof FileSystemError, `got ${e}`);
      assert.equal(e.code, "FS_NO_SPACE");
      assert.match(e.message, /\/dev\/full/);
      return true;
    });
    // One failed write does not break the writer: the next one fails the same way.
    await assert.rejects(writer.write(testBytes(10, 2), 10, 0), (e: unknown) => {
      assert.equal((e as FileSystemError).code, "FS_NO_SPACE");
      return true;
    });
  } finally {
    await writer.close();
  }
});

test("worker block writer: close waits for pending writes, then writes reject", async () => {
  await withFile(40_000, async (path) => {
    const writer = await openWriter(path);
    const blocks = [0, 1, 2, 3].map((i) => testBytes(10_000, 30 + i));
    const writes = blocks.map((b, i) => writer.write(b.slice(), b.length, i * 10_000));
    const closing = writer.close();
    assert.equal(writer.close(), closing, "close() is idempotent: the same promise");
    const results = await Promise.all(writes);
    await closing;
    for (let i = 0; i < 4; i++) assert.equal(results[i].crc64, await crc64(blocks[i]));
    const file = readFileSync(path);
    for (let i = 0; i < 4; i++) {
      assert.ok(sameBytes(file.subarray(i * 10_000, (i + 1) * 10_000), blocks[i]), `block ${i}`);
    }
    await assert.rejects(writer.write(new Uint8Array(10), 10, 0), FileSystemError);
    await writer.close(); // again, after it finished
    // Nothing was written after close.
    assert.ok(sameBytes(readFileSync(path).subarray(0, 10_000), blocks[0]));
  });
});

test("worker block writer: close with nothing written, twice", async () => {
  await withFile(10, async (path) => {
    const writer = await openWriter(path);
    await writer.close();
    await writer.close();
    await assert.rejects(writer.write(new Uint8Array(1), 1, 0), FileSystemError);
  });
});

test("worker block writer: a view into a larger buffer and a bad length are RangeErrors", async () => {
  await withFile(1000, async (path) => {
    const writer = await openWriter(path);
    try {
      const buffer = new ArrayBuffer(200);
      const tail = new Uint8Array(buffer, 100, 100);
      const head = new Uint8Array(buffer, 0, 100);
      await assert.rejects(writer.write(tail, 100, 0), RangeError);
      await assert.rejects(writer.write(head, 100, 0), RangeError);
      // A rejected view did not take (detach) the memory.
      assert.equal(buffer.byteLength, 200);
      const block = testBytes(16, 4);
      await assert.rejects(writer.write(block, 17, 0), RangeError);
      await assert.rejects(writer.write(block, -1, 0), RangeError);
      await assert.rejects(writer.write(block, 1.5, 0), RangeError);
      // The writer still works afterwards.
      assert.equal((await writer.write(block, 16, 0)).crc64, await crc64(testBytes(16, 4)));
    } finally {
      await writer.close();
    }
    assert.ok(sameBytes(readFileSync(path).subarray(0, 16), testBytes(16, 4)));
  });
});

test("worker block writer: an invalid maxWriteBytes is a RangeError", async () => {
  await withFile(10, async (path) => {
    for (const maxWriteBytes of [0, 1.5, -1, Number.NaN]) {
      await assert.rejects(
        WorkerBlockWriter.open(path, { maxWriteBytes }),
        RangeError,
        `maxWriteBytes ${maxWriteBytes}`,
      );
    }
  });
});

test("NodeFileSystem.openBlockWriter: a worker writer honouring maxWriteBytes", async () => {
  await withFile(5000, async (path) => {
    const fs = new NodeFileSystem();
    const writer = await fs.openBlockWriter(path, { maxWriteBytes: 100 });
    assert.ok(writer);
    try {
      const bytes = testBytes(4321, 8);
      assert.equal((await writer.write(bytes.slice(), 4321, 10)).crc64, await crc64(bytes));
      assert.ok(sameBytes(readFileSync(path).subarray(10, 4331), bytes));
    } finally {
      await writer.close();
    }
    await assert.rejects(fs.openBlockWriter(path, { maxWriteBytes: 0 }), RangeError);
    assert.equal(await fs.openBlockWriter(path + ".missing"), null);
  });
});

test("inline block writer over memory and worker writer agree on CRCs and bytes", async () => {
  const blocks = layout(12, 50);
  const total = blocks.reduce((n, [, b]) => n + b.length, 0);
  const memory = new MemoryFileSystem();
  const file = await memory.open("/data.bin", { create: true });
  const inline: BlockWriter = await InlineBlockWriter.create(file);
  const fromInline: bigint[] = [];
  try {
    for (const [offset, bytes] of shuffled(blocks, 9)) {
      const written = await inline.write(bytes.slice(), bytes.length, offset);
      fromInline[offset] = written.crc64;
    }
    // A partial block too.
    fromInline[total] = (await inline.write(testBytes(300, 77), 123, total)).crc64;
  } finally {
    await inline.close();
    await file.close();
  }
  await withFile(total + 123, async (path) => {
    const writer = await openWriter(path, 4096);
    const fromWorker: bigint[] = [];
    try {
      await Promise.all(blocks.map(async ([offset, bytes]) => {
        fromWorker[offset] = (await writer.write(bytes.slice(), bytes.length, offset)).crc64;
      }));
      fromWorker[total] = (await writer.write(testBytes(300, 77), 123, total)).crc64;
    } finally {
      await writer.close();
    }
    for (const [offset, bytes] of blocks) {
      assert.equal(fromWorker[offset], fromInline[offset], `at ${offset}`);
      assert.equal(fromWorker[offset], await crc64(bytes));
    }
    assert.equal(fromWorker[total], fromInline[total]);
    assert.equal(fromWorker[total], await crc64(testBytes(300, 77).subarray(0, 123)));
    assert.ok(sameBytes(readFileSync(path), memory.readLive("/data.bin")!));
  });
});
