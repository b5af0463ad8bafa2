/**
 * `durability: "none"` (`--no-fsync`): no `datasync` and no `syncDir` at all, in `download()` and
 * in `downloadPrefix()`; a killed process at any file-system operation still resumes to the exact
 * object, fetching no byte the journal claimed; a power cut may lose progress but the next run
 * still ends with the exact object, verified (the read-back and the final CRC-64 catch what the
 * disk lost).
 *
 * Set `OSSDL_CRASH_REPORT=1` to print what each crash scenario did.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { download } from "../src/download/download.ts";
import { downloadPrefix } from "../src/batch/download_prefix.ts";
import type { DownloadOptions } from "../src/download/options.ts";
import { AbortedError } from "../src/errors.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { NoSyncFileSystem } from "../src/fs/no_sync_file_system.ts";
import {
  CRASH_TUNING,
  crashAtEveryOperation,
  type CrashMode,
  type CrashScenario,
  type DiskSnapshot,
  editSnapshot,
  JOURNAL,
  PARTIAL,
  snapshot,
  summary,
} from "./_crash_harness.ts";
import { DEST, type Fixture, fixture, sameBytes, testBytes } from "./_engine_fixture.ts";

const SIZE = 200_000;
const TUNING = { ...CRASH_TUNING, durability: "none" } satisfies Partial<DownloadOptions>;

const EMPTY: DiskSnapshot = new Map();

/** The syncs a memory file system has seen: `datasync` and `syncDir` calls. */
function syncs(fs: MemoryFileSystem): { datasync: number; syncDir: number } {
  return {
    datasync: fs.datasyncCount,
    syncDir: fs.operations.filter((o) => o.op === "syncDir").length,
  };
}

/**
 * The disk after a `durability: "none"` download of `f`'s object was stopped (AbortSignal) once
 * half of it had arrived, as the stopped process left it (`processOnly`: nothing was synced).
 */
async function stoppedHalfway(f: Fixture, extra: Partial<DownloadOptions> = {}) {
  const fs = new MemoryFileSystem({ seed: 99 });
  fs.mkdirDurable("/data");
  const controller = new AbortController();
  await assert.rejects(
    download(f.options({
      ...TUNING,
      ...extra,
      fs,
      progressIntervalMs: 0,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone >= p.bytesTotal / 2) controller.abort();
      },
    })),
    AbortedError,
  );
  assert.deepEqual(syncs(fs), { datasync: 0, syncDir: 0 });
  const disk = snapshot(fs.restart({ processOnly: true }));
  assert.ok(disk.get(PARTIAL) && disk.get(JOURNAL), "the stopped run left a partial and a journal");
  return disk;
}

function scenario(
  name: string,
  f: Fixture,
  start: DiskSnapshot,
  seed: number,
  modes: readonly CrashMode[],
  extra: Partial<DownloadOptions> = {},
): CrashScenario {
  const process = modes.length === 1 && modes[0] === "process";
  return {
    name,
    start,
    seed,
    expected: f.object,
    run: (fs) => f.options({ ...TUNING, ...extra, fs }),
    modes,
    powerCutSafe: false,
    // A killed process loses nothing the journal claimed: the next run fetches only the rest.
    refetchBound: process,
  };
}

async function check(s: CrashScenario): Promise<void> {
  const report = await crashAtEveryOperation(s);
  if (process.env.OSSDL_CRASH_REPORT) console.log(summary(report));
  assert.ok(report.crashPoints >= report.operations * 0.9, summary(report));
}

test("durability none: no datasync and no syncDir in a fresh, a resumed and a read-back run", async () => {
  const f = await fixture(SIZE, 31);
  // Fresh, on this thread and through the (modelled) worker block writer.
  for (const writeInWorker of [false, true]) {
    const fs = new MemoryFileSystem({ seed: 31 });
    fs.mkdirDurable("/data");
    const result = await download(f.options({ ...TUNING, writeInWorker, fs }));
    assert.equal(result.verified, true);
    assert.equal(result.durability, "none");
    assert.equal(result.writesOffThread, writeInWorker);
    assert.ok(sameBytes(fs.readLive(DEST), f.object));
    assert.ok(fs.operations.some((o) => o.op === "write" && o.path === JOURNAL), "journaled");
    assert.deepEqual(syncs(fs), { datasync: 0, syncDir: 0 }, `writeInWorker ${writeInWorker}`);
  }
  // Resumed, with kept bytes that do not match their journal record (forgotten, compacted).
  const start = editSnapshot(await stoppedHalfway(f), (files) => {
    const partial = files.get(PARTIAL)!.slice();
    partial[100] ^= 0xff;
    files.set(PARTIAL, partial);
  });
  const fs = new MemoryFileSystem({ seed: 32 });
  fs.mkdirDurable("/data");
  for (const [path, bytes] of start) fs.writeDurable(path, bytes);
  const notices: string[] = [];
  const resumed = await download(
    f.options({ ...TUNING, fs, onNotice: (n) => notices.push(n.code) }),
  );
  assert.equal(resumed.resumed, true);
  assert.ok(notices.includes("KEPT_BYTES_DAMAGED"), notices.join());
  assert.ok(sameBytes(fs.readLive(DEST), f.object));
  assert.deepEqual(syncs(fs), { datasync: 0, syncDir: 0 });
  // The count can fail: the same download with full durability syncs.
  const full = new MemoryFileSystem({ seed: 33 });
  full.mkdirDurable("/data");
  const durable = await download(f.options({ ...TUNING, durability: "full", fs: full }));
  assert.equal(durable.durability, "full");
  assert.ok(syncs(full).datasync > 0 && syncs(full).syncDir > 0);
});

test("durability: anything but full or none is a TypeError", async () => {
  const f = await fixture(1000, 34);
  await assert.rejects(
    download(f.options({ durability: "some" as "none" })),
    TypeError,
  );
});

test("NoSyncFileSystem forwards everything but the syncs, and wraps once", async () => {
  const memory = new MemoryFileSystem();
  const fs = NoSyncFileSystem.wrap(memory);
  assert.equal(NoSyncFileSystem.wrap(fs), fs);
  await fs.mkdir("/d");
  const file = await fs.open("/d/a", { create: true });
  await file.write(new Uint8Array([1, 2, 3]), 0);
  await file.truncate(4);
  assert.equal(await file.size(), 4);
  const back = new Uint8Array(4);
  assert.equal(await file.read(back, 0), 4);
  assert.deepEqual([...back], [1, 2, 3, 0]);
  await file.datasync();
  await file.close();
  await fs.rename("/d/a", "/d/b");
  await fs.link("/d/b", "/d/c");
  await fs.syncDir("/d");
  assert.deepEqual([...await fs.readFile("/d/c")], [1, 2, 3, 0]);
  assert.equal((await fs.stat("/d/b"))?.size, 4);
  await fs.remove("/d/b");
  assert.equal(await fs.stat("/d/b"), null);
  assert.deepEqual(syncs(memory), { datasync: 0, syncDir: 0 });
  assert.equal(typeof fs.openBlockWriter, "function");
  // A power cut loses all of it: nothing was made durable.
  const after = memory.restart({ unsynced: "lost" });
  assert.equal(after.exists("/d"), false);
});

test("durability none: a killed process at every operation of a fresh run resumes exactly", async () => {
  const f = await fixture(SIZE, 41);
  await check(scenario("none: fresh, killed", f, EMPTY, 41, ["process"]));
});

test("durability none: a killed process at every operation, worker block writer", async () => {
  const f = await fixture(SIZE, 42);
  await check(
    scenario("none: fresh worker, killed", f, EMPTY, 42, ["process"], { writeInWorker: true }),
  );
});

test("durability none: a killed process at every operation of a resumed run", async () => {
  const f = await fixture(SIZE, 43);
  await check(scenario("none: resume, killed", f, await stoppedHalfway(f), 43, ["process"]));
});

test("durability none: a killed process at every operation of a download without a journal", async () => {
  const f = await fixture(40_000, 44);
  await check(scenario("none: small, killed", f, EMPTY, 44, ["process"]));
});

test("durability none: a power cut at every operation; the next run ends exact, verified", async () => {
  const f = await fixture(SIZE, 45);
  await check(scenario("none: fresh, power cut", f, EMPTY, 45, ["torn", "lost"]));
});

test("durability none: a power cut at every operation of a resumed run (claims may be lost)", async () => {
  const f = await fixture(SIZE, 46);
  await check(
    scenario("none: resume, power cut", f, await stoppedHalfway(f), 46, ["torn", "lost"], {
      writeInWorker: true,
    }),
  );
});

test("durability none: a finished file whose name reached the disk but not its data is replaced by the next run", async () => {
  for (const unsynced of ["lost", "torn"] as const) {
    const f = await fixture(SIZE, 47);
    await download(f.options({ ...TUNING }));
    assert.deepEqual(syncs(f.fs), { datasync: 0, syncDir: 0 });
    // The OS wrote the directory (the rename) but not the file's data, then the power went.
    await f.fs.syncDir("/data");
    const after = f.fs.restart({ unsynced });
    const wrong = after.readLive(DEST);
    assert.ok(wrong && !sameBytes(wrong, f.object), "the power cut left a wrong file");
    const result = await download(f.options({ ...TUNING, fs: after }));
    assert.equal(result.verified, true);
    assert.equal(result.upToDate, false);
    assert.ok(sameBytes(after.readLive(DEST), f.object), unsynced);
  }
});

test("downloadPrefix durability none: no datasync and no syncDir, every object exact", async () => {
  const emulator = new OssEmulator();
  const objects = new Map<string, Uint8Array>();
  const sizes: Record<string, number> = { "data/a.bin": 1000, "data/s/b.bin": 70_000, "data/c": 5 };
  let i = 0;
  for (const [key, size] of Object.entries(sizes)) {
    objects.set(key, testBytes(size, 50 + i++));
    await emulator.put("bucket", key, objects.get(key)!);
  }
  const run = async (durability: "full" | "none") => {
    const fs = new MemoryFileSystem({ seed: 51 });
    const result = await downloadPrefix({
      source: "oss://bucket/data/",
      directory: "/out",
      endpoint: "http://127.0.0.1:9",
      fs,
      fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
        emulator.handle(new Request(input, init))) as typeof fetch,
      env: () =>
        undefined,
      partSize: 64 * 1024,
      chunkSize: 16 * 1024,
      durability,
    });
    assert.equal(result.done, objects.size);
    for (const [key, bytes] of objects) {
      assert.ok(sameBytes(fs.readLive(`/out/${key.slice(5)}`), bytes), key);
    }
    return syncs(fs);
  };
  assert.deepEqual(await run("none"), { datasync: 0, syncDir: 0 });
  const full = await run("full");
  assert.ok(full.datasync > 0 && full.syncDir > 0);
});
