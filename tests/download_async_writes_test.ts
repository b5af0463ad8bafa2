/**
 * The engine against the memory file system's model of the worker block writer (writes land later
 * than the call, in a random order) and of a failing datasync (a writeback error): crash at every
 * counted operation, or fail every datasync in turn, and prove that no journal record ever claims
 * bytes the data file does not durably hold, that nothing reaches the destination unverified, and
 * that a rerun finishes with the exact object.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import type { DownloadOptions } from "../src/download/options.ts";
import { FileSystemError } from "../src/errors.ts";
import {
  MemoryFileSystem,
  type MemoryFileSystemOptions,
  SimulatedCrash,
} from "../src/fs/memory_file_system.ts";
import {
  checkedJournaledBytes,
  DEST,
  type Fixture,
  fixture,
  sameBytes,
} from "./_engine_fixture.ts";

const PARTIAL = DEST + ".ossdl-part";
const JOURNAL = DEST + ".ossdl-journal";

const SIZE = 300_000;
const TUNING: Partial<DownloadOptions> = {
  partSize: 48 * 1024,
  chunkSize: 8 * 1024,
  commitBytes: 16 * 1024,
  concurrency: 3,
  journalCompactBytes: 600,
  // Blocks go through fs.openBlockWriter: with blockWriter "async", they land later.
  writeInWorker: true,
};

/** A memory file system with the async block writer (its default, made explicit) and /data. */
function asyncFs(options: MemoryFileSystemOptions = {}): MemoryFileSystem {
  const fs = new MemoryFileSystem({ blockWriter: "async", ...options });
  fs.mkdirDurable("/data");
  return fs;
}

/** Download again on `fs` and check the exact object arrives, verified, with nothing left over. */
async function finish(
  f: Fixture,
  fs: MemoryFileSystem,
  what: string,
  tuning = TUNING,
): Promise<number> {
  const result = await download(f.options({ ...tuning, fs }));
  assert.ok(sameBytes(fs.readLive(DEST), f.object), `${what}: wrong bytes after the rerun`);
  assert.equal(result.verified, true);
  if (result.bytesFetched > 0) {
    assert.equal(result.writesOffThread, tuning.writeInWorker, `${what}: which block writer?`);
  }
  assert.equal(fs.exists(PARTIAL), false);
  assert.equal(fs.exists(JOURNAL), false);
  return result.bytesFetched;
}

async function crashEverywhere(mode: "torn" | "lost" | "kept", seed: number) {
  const f = await fixture(SIZE, seed);
  // A clean run to count the operations.
  const clean = asyncFs({ seed });
  const result = await download(f.options({ ...TUNING, fs: clean }));
  assert.equal(result.writesOffThread, true);
  assert.ok(sameBytes(clean.readLive(DEST), f.object));
  const total = clean.operationCount;
  assert.ok(total > 60, `only ${total} operations`);
  let crashes = 0;
  let inFlightWrites = 0;
  for (let k = 1; k <= total; k++) {
    const fs = asyncFs({ seed: seed * 1000 + k, crashAt: k });
    let crashed: SimulatedCrash | null = null;
    try {
      await download(f.options({ ...TUNING, fs }));
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
      crashed = error;
    }
    if (!crashed) continue;
    crashes++;
    const at = fs.operations[k - 1];
    if (at?.op === "write" && at.path === PARTIAL) inFlightWrites++;
    const after = fs.restart({ unsynced: mode });
    const what = `crash at ${k} (${at?.op} ${at?.path})`;
    // The destination never holds anything but the complete object.
    const dest = after.readDurable(DEST);
    if (dest) assert.ok(sameBytes(dest, f.object), `${what}: a partial destination`);
    const journaled = await checkedJournaledBytes(after, "durable", what);
    const fetched = await finish(f, after, what);
    assert.ok(fetched <= SIZE - journaled, `${what}: fetched ${fetched}, journaled ${journaled}`);
  }
  // Operation counts vary a little between runs (commits coalesce by timing).
  assert.ok(crashes >= total * 0.8, `${crashes} crashes of ${total} operations`);
  assert.ok(inFlightWrites > 20, `only ${inFlightWrites} crashes hit a block write`);
}

test("async block writes: crash at every operation (torn unsynced writes), restart, finish", async () => {
  await crashEverywhere("torn", 11);
});

test("async block writes: crash at every operation (unsynced data lost), restart, finish", async () => {
  await crashEverywhere("lost", 12);
});

test("async block writes: crash at every operation (process killed), restart, finish", async () => {
  await crashEverywhere("kept", 13);
});

/**
 * Fail each datasync of a download in turn. The download must fail with the FileSystemError,
 * never finish with bytes the disk lost; then a rerun (on the same system, or after a crash)
 * finishes with the exact object.
 */
async function failEveryDatasync(seed: number, writeInWorker: boolean) {
  const f = await fixture(SIZE, seed);
  const tuning = { ...TUNING, writeInWorker };
  const clean = asyncFs({ seed });
  await download(f.options({ ...tuning, fs: clean }));
  const total = clean.datasyncCount;
  assert.ok(total > 10, `only ${total} datasyncs`);
  let failures = 0;
  let dataFileFailures = 0;
  for (let n = 1; n <= total; n++) {
    const fs = asyncFs({ seed: seed * 1000 + n, failDatasyncAt: n });
    let error: unknown = null;
    try {
      await download(f.options({ ...tuning, fs }));
    } catch (e) {
      error = e;
    }
    const failed = fs.operations.filter((o) => o.op === "datasync")[n - 1];
    const what = `datasync ${n} failing (${failed?.path})`;
    if (error === null) {
      // Only a run that did fewer datasyncs than the clean one may finish.
      assert.ok(fs.datasyncCount < n, `${what}: the download ignored it and finished`);
      assert.ok(sameBytes(fs.readLive(DEST), f.object), `${what}: wrong bytes`);
      continue;
    }
    assert.ok(error instanceof FileSystemError, `${what}: ${error}`);
    assert.equal(error.operation, "datasync");
    failures++;
    if (failed.path === PARTIAL) dataFileFailures++;
    assert.equal(fs.exists(DEST), false, `${what}: something at the destination`);
    assert.equal(fs.existsDurable(DEST), false, `${what}: something durable at the destination`);
    await checkedJournaledBytes(fs, "live", what);
    await checkedJournaledBytes(fs, "durable", what);
    const after = n % 2 === 0 ? fs : fs.restart({ unsynced: "torn" });
    await finish(f, after, what, tuning);
  }
  assert.ok(failures >= total * 0.8, `${failures} failures of ${total} datasyncs`);
  assert.ok(dataFileFailures > 3, `only ${dataFileFailures} failures of the data file's datasync`);
}

test("a failing datasync (async block writes) fails the download; the rerun finishes", async () => {
  await failEveryDatasync(21, true);
});

test("a failing datasync (inline writes) fails the download; the rerun finishes", async () => {
  await failEveryDatasync(22, false);
});
