// download() on a real file system (NodeFileSystem in a temp dir) with blocks written and hashed
// by the worker block writer, and with the inline writer when asked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { download } from "../src/download/download.ts";
import type { DownloadOptions } from "../src/download/options.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { AbortedError, IntegrityError } from "../src/errors.ts";
import type { BlockWriter, BlockWriterOptions, WrittenBlock } from "../src/fs/file_system.ts";
import { NodeFileSystem } from "../src/fs/node_file_system.ts";
import { WorkerBlockWriter } from "../src/fs/worker_block_writer.ts";
import { type Fixture, fixture, sameBytes } from "./_engine_fixture.ts";

const SIZE = 1_000_003;

/** A NodeFileSystem that records the block writers the engine opens and the writes they get. */
class RecordingFileSystem extends NodeFileSystem {
  /** The options of every `openBlockWriter` call. */
  readonly opened: Array<BlockWriterOptions | undefined> = [];
  /** Whether each opened writer is a worker writer. */
  readonly workers: boolean[] = [];
  /** Blocks written through the opened writers. */
  writes = 0;

  override async openBlockWriter(
    path: string,
    options?: BlockWriterOptions,
  ): Promise<BlockWriter | null> {
    this.opened.push(options);
    const writer = await super.openBlockWriter(path, options);
    this.workers.push(writer instanceof WorkerBlockWriter);
    if (!writer) return null;
    return {
      write: (block: Uint8Array, length: number, offset: number): Promise<WrittenBlock> => {
        this.writes++;
        return writer.write(block, length, offset);
      },
      close: () => writer.close(),
    };
  }
}

interface RealFixture {
  f: Fixture;
  dir: string;
  dest: string;
  options(fs: NodeFileSystem, extra?: Partial<DownloadOptions>): DownloadOptions;
}

/** The emulator fixture, downloading into `out.bin` in a fresh temp dir removed after `body`. */
async function withRealDir(
  size: number,
  body: (r: RealFixture) => Promise<void>,
): Promise<void> {
  const f = await fixture(size);
  const dir = mkdtempSync(join(tmpdir(), "ossdl-dlw-"));
  const dest = join(dir, "out.bin");
  try {
    await body({
      f,
      dir,
      dest,
      options: (fs, extra = {}) => f.options({ fs, destination: dest, ...extra }),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("download to a real dir with writeInWorker: verified, exact bytes, no leftovers", async () => {
  await withRealDir(SIZE, async ({ f, dir, dest, options }) => {
    const fs = new RecordingFileSystem();
    const result = await download(options(fs, { writeInWorker: true }));
    assert.ok(sameBytes(readFileSync(dest), f.object));
    assert.equal(result.bytes, SIZE);
    assert.equal(result.verified, true);
    assert.equal(result.crc64, (await crc64(f.object)).toString());
    assert.equal(result.bytesFetched, SIZE);
    // The worker wrote the blocks, with the default largest write.
    assert.deepEqual(fs.workers, [true]);
    assert.equal(fs.opened[0]?.maxWriteBytes, 16384);
    assert.ok(fs.writes >= SIZE / (16 * 1024), `writes ${fs.writes}`);
    assert.deepEqual(readdirSync(dir), ["out.bin"]);
  });
});

test("download with writeInWorker and maxWriteBytes 1000", async () => {
  await withRealDir(SIZE, async ({ f, dir, dest, options }) => {
    const fs = new RecordingFileSystem();
    const result = await download(options(fs, { writeInWorker: true, maxWriteBytes: 1000 }));
    assert.ok(sameBytes(readFileSync(dest), f.object));
    assert.equal(result.verified, true);
    assert.equal(result.crc64, (await crc64(f.object)).toString());
    assert.deepEqual(fs.workers, [true]);
    assert.equal(fs.opened[0]?.maxWriteBytes, 1000);
    assert.deepEqual(readdirSync(dir), ["out.bin"]);
  });
});

test("download with writeInWorker: a flipped byte is an IntegrityError, nothing kept", async () => {
  await withRealDir(SIZE, async ({ f, dir, dest, options }) => {
    f.emulator.setFaults({ flipByteAt: 654_321 });
    const fs = new RecordingFileSystem();
    await assert.rejects(download(options(fs, { writeInWorker: true })), IntegrityError);
    assert.deepEqual(fs.workers, [true]);
    assert.equal(existsSync(dest), false);
    assert.deepEqual(readdirSync(dir), []);
  });
});

test("download with writeInWorker: aborted at half, then resumed", async () => {
  await withRealDir(SIZE, async ({ f, dir, dest, options }) => {
    const controller = new AbortController();
    const first = new RecordingFileSystem();
    await assert.rejects(
      download(options(first, {
        writeInWorker: true,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.bytesDone >= SIZE / 2) controller.abort();
        },
      })),
      AbortedError,
    );
    assert.deepEqual(first.workers, [true]);
    assert.equal(existsSync(dest), false);
    assert.ok(existsSync(dest + ".ossdl-journal"), "the journal stays for the resume");

    const second = new RecordingFileSystem();
    const result = await download(options(second, { writeInWorker: true }));
    assert.ok(sameBytes(readFileSync(dest), f.object));
    assert.equal(result.resumed, true);
    assert.ok(result.bytesResumed > 0, `resumed ${result.bytesResumed}`);
    assert.equal(result.bytesFetched, SIZE - result.bytesResumed);
    assert.equal(result.verified, true);
    assert.equal(result.crc64, (await crc64(f.object)).toString());
    assert.deepEqual(second.workers, [true]);
    assert.deepEqual(readdirSync(dir), ["out.bin"]);
  });
});

test("download with writeInWorker: false writes inline on the real fs and verifies", async () => {
  await withRealDir(SIZE, async ({ f, dir, dest, options }) => {
    const fs = new RecordingFileSystem();
    const result = await download(options(fs, { writeInWorker: false }));
    assert.ok(sameBytes(readFileSync(dest), f.object));
    assert.equal(result.verified, true);
    assert.equal(result.crc64, (await crc64(f.object)).toString());
    assert.equal(fs.opened.length, 0, "no block writer was asked for");
    assert.deepEqual(readdirSync(dir), ["out.bin"]);
  });
});

test("download with writeInWorker unset: under 16 MiB to fetch stays on this thread", async () => {
  await withRealDir(300_000, async ({ f, dest, options }) => {
    const fs = new RecordingFileSystem();
    const result = await download(options(fs));
    assert.ok(sameBytes(readFileSync(dest), f.object));
    assert.equal(result.verified, true);
    assert.equal(fs.opened.length, 0);
  });
});

test("download with writeInWorker unset: 16 MiB or more to fetch uses the worker", async () => {
  const size = 16 * 1024 * 1024 + 5;
  await withRealDir(size, async ({ f, dest, options }) => {
    const fs = new RecordingFileSystem();
    const result = await download(options(fs, {
      partSize: 4 * 1024 * 1024,
      chunkSize: 256 * 1024,
      commitBytes: 8 * 1024 * 1024,
    }));
    assert.ok(sameBytes(readFileSync(dest), f.object));
    assert.equal(result.verified, true);
    assert.deepEqual(fs.workers, [true]);
    assert.equal(fs.opened[0]?.maxWriteBytes, 16384);
  });
});
