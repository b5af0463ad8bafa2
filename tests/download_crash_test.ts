/**
 * Crash tests on the memory file system: crash at every counted file-system operation of a
 * download (writes, syncs, journal appends and compactions, renames), lose what was not durable,
 * restart, finish. Every run must end with the exact object, and a resumed run must fetch no more
 * than the bytes the journal did not yet cover.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import { MemoryFileSystem, SimulatedCrash } from "../src/fs/memory_file_system.ts";
import { checkedJournaledBytes, DEST, fixture, sameBytes } from "./_engine_fixture.ts";
import { CRASH_TUNING, JOURNAL, PARTIAL } from "./_crash_harness.ts";

const SIZE = 300_000;
const TUNING = CRASH_TUNING;

async function crashEverywhere(mode: "torn" | "lost" | "kept", seed: number) {
  const f = await fixture(SIZE, seed);
  // A clean run to count the operations.
  await download(f.options(TUNING));
  const total = f.fs.operationCount;
  assert.ok(total > 40, `only ${total} operations`);
  let crashes = 0;
  for (let k = 1; k <= total; k++) {
    const fs = new MemoryFileSystem({ seed: seed * 1000 + k, crashAt: k });
    fs.mkdirDurable("/data");
    let crashed = false;
    try {
      await download(f.options({ ...TUNING, fs }));
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
      crashed = true;
    }
    if (!crashed) continue;
    crashes++;
    const after = fs.restart({ unsynced: mode });
    // The destination never holds anything but the complete object.
    const dest = after.readDurable(DEST);
    if (dest) assert.ok(sameBytes(dest, f.object), `crash at ${k}: a partial destination`);
    const journaled = await checkedJournaledBytes(after);
    const result = await download(f.options({ ...TUNING, fs: after }));
    assert.ok(sameBytes(after.readLive(DEST), f.object), `crash at ${k}: wrong bytes`);
    assert.equal(result.verified, true);
    assert.ok(
      result.bytesFetched <= SIZE - journaled,
      `crash at ${k}: fetched ${result.bytesFetched}, journaled ${journaled}`,
    );
    assert.equal(after.exists(PARTIAL), false);
    assert.equal(after.exists(JOURNAL), false);
  }
  assert.ok(crashes >= total * 0.9, `${crashes} crashes of ${total} operations`);
}

test("crash at every operation (torn unsynced writes), restart, finish", async () => {
  await crashEverywhere("torn", 1);
});

test("crash at every operation (all unsynced data lost), restart, finish", async () => {
  await crashEverywhere("lost", 2);
});

test("crash at every operation (process killed, OS survives), restart, finish", async () => {
  await crashEverywhere("kept", 3);
});

test("crash tests exercise compaction and the final rename", async () => {
  const f = await fixture(SIZE, 4);
  await download(f.options(TUNING));
  const ops = f.fs.operations;
  assert.ok(ops.some((o) => o.op === "rename" && o.path.endsWith(".compact")), "no compaction");
  assert.ok(ops.some((o) => o.op === "rename" && o.to === DEST), "no final rename");
});

test("a crash after the final rename but before the journal is removed re-fetches nothing", async () => {
  const f = await fixture(SIZE, 5);
  await download(f.options(TUNING));
  const renameAt = f.fs.operations.findIndex((o) => o.op === "rename" && o.to === DEST) + 1;
  // Crash right after the rename's directory sync: the rename is durable, the journal remains.
  const fs = new MemoryFileSystem({ crashAt: renameAt + 2 });
  fs.mkdirDurable("/data");
  await assert.rejects(download(f.options({ ...TUNING, fs })), SimulatedCrash);
  const after = fs.restart({ unsynced: "lost" });
  assert.ok(after.exists(JOURNAL), "journal should still be there");
  assert.ok(sameBytes(after.readDurable(DEST), f.object));
  const result = await download(f.options({ ...TUNING, fs: after }));
  assert.equal(result.bytesFetched, 0);
  assert.ok(sameBytes(after.readLive(DEST), f.object));
  assert.equal(after.exists(JOURNAL), false);
});
