/**
 * Directories a download creates survive a power cut: `ensureDirectory` syncs the parent of each
 * directory it creates, so a file reported complete in a new directory is durable with it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import { ensureDirectory } from "../src/fs/ensure_directory.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { fixture, sameBytes } from "./_engine_fixture.ts";

test("ensureDirectory: created directories are durable; existing ones cost no sync", async () => {
  const fs = new MemoryFileSystem({ seed: 1 });
  await ensureDirectory(fs, "/a/b/c");
  const after = fs.operationCount;
  await ensureDirectory(fs, "/a/b/c");
  assert.equal(fs.operationCount, after, "an existing directory was synced again");
  fs.crash({ unsynced: "lost" });
  assert.equal((await fs.stat("/a/b/c"))?.isDirectory, true);
});

test("ensureDirectory: a file in the way fails clearly", async () => {
  const fs = new MemoryFileSystem({ seed: 2 });
  fs.writeDurable("/f", new Uint8Array(1));
  await assert.rejects(ensureDirectory(fs, "/f/x"), (e: Error & { code?: string }) => {
    assert.match(e.code ?? "", /^FS_/);
    return true;
  });
});

for (const mode of ["lost", "torn"] as const) {
  test(`download into new directories: the file survives a power cut right after (${mode})`, async () => {
    const f = await fixture(100_000, 3);
    const destination = "/data/new/deeper/out.bin";
    const result = await download(f.options({ destination }));
    assert.equal(result.verified, true);
    f.fs.crash({ unsynced: mode });
    assert.ok(sameBytes(f.fs.readDurable(destination), f.object));
  });
}
