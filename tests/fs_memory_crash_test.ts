// The crash model and the fault hooks of MemoryFileSystem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FileSystemError } from "../src/errors.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import type { BlockWriter } from "../src/fs/file_system.ts";
import {
  MemoryFileSystem,
  type MemoryOperation,
  SimulatedCrash,
} from "../src/fs/memory_file_system.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A file system with a durable directory /d. */
function withDir(
  options: ConstructorParameters<typeof MemoryFileSystem>[0] = {},
): MemoryFileSystem {
  const fs = new MemoryFileSystem(options);
  fs.mkdirDurable("/d");
  return fs;
}

async function put(fs: MemoryFileSystem, path: string, text: string, sync = true): Promise<void> {
  const f = await fs.open(path, { create: true, truncate: true });
  await f.write(enc.encode(text), 0);
  if (sync) await f.datasync();
  await f.close();
}

async function text(fs: MemoryFileSystem, path: string): Promise<string | null> {
  return (await fs.stat(path)) ? dec.decode(await fs.readFile(path)) : null;
}

async function rejectsCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof FileSystemError, String(e));
    assert.equal(e.code, code);
    return true;
  });
}

test("synced data and synced names survive a crash", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/d");
  await fs.syncDir("/");
  await put(fs, "/d/a", "durable bytes");
  await fs.syncDir("/d");
  for (let i = 0; i < 5; i++) {
    fs.crash();
    assert.equal(await text(fs, "/d/a"), "durable bytes");
  }
});

test("un-synced data is lost with unsynced: lost, kept with unsynced: kept", async () => {
  for (const [mode, expected] of [["lost", "AAAA"], ["kept", "ABBA"]] as const) {
    const fs = withDir();
    fs.writeDurable("/d/f", enc.encode("AAAA"));
    const f = await fs.open("/d/f");
    await f.write(enc.encode("BB"), 1);
    assert.equal(dec.decode(fs.readLive("/d/f")!), "ABBA");
    assert.equal(dec.decode(fs.readDurable("/d/f")!), "AAAA");
    fs.crash({ unsynced: mode });
    assert.equal(await text(fs, "/d/f"), expected, mode);
  }
});

test("datasync makes the current contents durable, truncates included", async () => {
  const fs = withDir();
  fs.writeDurable("/d/f", enc.encode("0123456789"));
  const f = await fs.open("/d/f");
  await f.truncate(4);
  await f.write(enc.encode("xy"), 6);
  await f.datasync();
  await f.write(enc.encode("lost"), 0);
  fs.crash({ unsynced: "lost" });
  assert.deepEqual(await fs.readFile("/d/f"), new Uint8Array([48, 49, 50, 51, 0, 0, 120, 121]));
});

test("torn crash: an un-synced write lands whole, not at all, or as a prefix, by seed", async () => {
  const outcomes = new Set<string>();
  for (let seed = 1; seed <= 120; seed++) {
    const results: string[] = [];
    for (let again = 0; again < 2; again++) {
      const fs = withDir({ seed });
      fs.writeDurable("/d/f", new Uint8Array(8).fill(0x11));
      const f = await fs.open("/d/f");
      await f.write(new Uint8Array(8).fill(0x22), 4); // reaches past the end (8 -> 12)
      fs.crash();
      const got = await fs.readFile("/d/f");
      results.push(got.join(","));
      // The durable prefix is intact; then k bytes of the write; then old bytes; then zeros.
      assert.ok(got.length === 8 || got.length >= 8 && got.length <= 12, `size ${got.length}`);
      assert.deepEqual([...got.subarray(0, 4)], [0x11, 0x11, 0x11, 0x11]);
      let k = 0;
      while (4 + k < got.length && got[4 + k] === 0x22) k++;
      for (let i = 4 + k; i < got.length; i++) assert.equal(got[i], i < 8 ? 0x11 : 0, `byte ${i}`);
      const zeroTail = got.length > Math.max(8, 4 + k);
      if (zeroTail) assert.equal(got.length, 12);
      outcomes.add(k === 8 ? "whole" : k === 0 ? "none" : "prefix");
      if (zeroTail) outcomes.add("zero-extended");
    }
    assert.equal(results[0], results[1], `seed ${seed} is not deterministic`);
  }
  assert.deepEqual([...outcomes].sort(), ["none", "prefix", "whole", "zero-extended"]);
});

test("an un-synced create disappears, even when its data was synced", async () => {
  const fs = withDir();
  await put(fs, "/d/new", "data", true);
  assert.equal(fs.existsDurable("/d/new"), false);
  fs.crash({ unsynced: "kept" });
  assert.equal(await fs.stat("/d/new"), null);
  await put(fs, "/d/new", "data", true);
  await fs.syncDir("/d");
  assert.equal(fs.existsDurable("/d/new"), true);
  fs.crash();
  assert.equal(await text(fs, "/d/new"), "data");
});

test("an un-synced rename reverts; after syncDir it stays", async () => {
  const fs = withDir();
  fs.writeDurable("/d/dest", enc.encode("old"));
  fs.writeDurable("/d/tmp", enc.encode("new"));
  await fs.rename("/d/tmp", "/d/dest");
  assert.equal(await text(fs, "/d/dest"), "new");
  fs.crash();
  assert.equal(await text(fs, "/d/dest"), "old");
  assert.equal(await text(fs, "/d/tmp"), "new");
  await fs.rename("/d/tmp", "/d/dest");
  await fs.syncDir("/d");
  fs.crash();
  assert.equal(await text(fs, "/d/dest"), "new");
  assert.equal(await fs.stat("/d/tmp"), null);
});

test("a rename across directories is durable per directory", async () => {
  const fs = withDir();
  fs.mkdirDurable("/e");
  fs.writeDurable("/d/f", enc.encode("x"));
  await fs.rename("/d/f", "/e/f");
  await fs.syncDir("/e"); // the new name is durable, the removal of the old one is not
  fs.crash();
  assert.deepEqual(fs.listFiles(), ["/d/f", "/e/f"]);
});

test("an un-synced link disappears at a crash; after syncDir both names stay", async () => {
  const fs = withDir();
  fs.writeDurable("/d/tmp", enc.encode("record"));
  await fs.link("/d/tmp", "/d/lock");
  assert.equal(await text(fs, "/d/lock"), "record");
  assert.equal(fs.existsDurable("/d/lock"), false);
  fs.crash();
  assert.equal(await fs.stat("/d/lock"), null);
  assert.equal(await text(fs, "/d/tmp"), "record");
  await fs.link("/d/tmp", "/d/lock");
  await fs.syncDir("/d");
  fs.crash();
  assert.equal(await text(fs, "/d/lock"), "record");
  assert.equal(await text(fs, "/d/tmp"), "record");
  // One inode: un-synced data written through one name is lost (or kept) under both.
  const f = await fs.open("/d/lock");
  await f.write(enc.encode("R"), 0);
  assert.equal(await text(fs, "/d/tmp"), "Record");
  fs.crash({ unsynced: "lost" });
  assert.equal(await text(fs, "/d/tmp"), "record");
  assert.equal(await text(fs, "/d/lock"), "record");
});

test("link is counted and logged like rename, and crashAt a link leaves no new name", async () => {
  const fs = withDir();
  fs.writeDurable("/d/a", enc.encode("a"));
  await fs.link("/d/a", "/d/b");
  assert.deepEqual(fs.operations.at(-1), { index: 1, op: "link", path: "/d/a", to: "/d/b" });
  fs.crashAt = fs.operationCount + 1;
  await assert.rejects(fs.link("/d/a", "/d/c"), SimulatedCrash);
  assert.equal(fs.exists("/d/c"), false);
  fs.crash();
  assert.deepEqual(fs.listFiles(), ["/d/a"]);
  await rejectsCode(fs.link("/d/a", "/d/a"), "FS_EXISTS");
});

test("an un-synced remove comes back", async () => {
  const fs = withDir();
  fs.writeDurable("/d/j", enc.encode("journal"));
  await fs.remove("/d/j");
  assert.equal(fs.exists("/d/j"), false);
  fs.crash();
  assert.equal(await text(fs, "/d/j"), "journal");
  await fs.remove("/d/j");
  await fs.syncDir("/d");
  fs.crash();
  assert.equal(await fs.stat("/d/j"), null);
});

test("an un-synced mkdir disappears, with what was synced inside it", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/a/b");
  await put(fs, "/a/b/f", "x");
  await fs.syncDir("/a/b");
  await fs.syncDir("/a");
  assert.equal(fs.existsDurable("/a/b/f"), false); // /a itself is not durable in /
  assert.equal(fs.readDurable("/a/b/f"), null);
  fs.crash();
  assert.equal(await fs.stat("/a"), null);
  assert.deepEqual(fs.listFiles(), []);
});

test("a process-only crash keeps everything the OS accepted", async () => {
  const fs = withDir();
  fs.writeDurable("/d/old", enc.encode("old"));
  await put(fs, "/d/new", "never synced", false);
  await fs.rename("/d/old", "/d/renamed");
  fs.crash({ processOnly: true });
  assert.equal(await text(fs, "/d/new"), "never synced");
  assert.equal(await text(fs, "/d/renamed"), "old");
  assert.equal(await fs.stat("/d/old"), null);
  fs.crash(); // and now all of it is durable
  assert.deepEqual(fs.listFiles(), ["/d/new", "/d/renamed"]);
});

test("handles opened before a crash are dead; restart() retires the old instance", async () => {
  const fs = withDir();
  const f = await fs.open("/d/f", { create: true });
  assert.equal(fs.openFiles, 1);
  fs.crash();
  assert.equal(fs.openFiles, 0);
  await assert.rejects(f.write(new Uint8Array(1), 0), SimulatedCrash);
  await assert.rejects(f.read(new Uint8Array(1), 0), SimulatedCrash);
  await assert.rejects(f.datasync(), SimulatedCrash);
  await f.close(); // closing a dead handle is harmless
  const next = fs.restart();
  await assert.rejects(fs.stat("/d"), SimulatedCrash);
  await assert.rejects(fs.open("/d/g", { create: true }), SimulatedCrash);
  assert.throws(() => fs.crash(), SimulatedCrash);
  assert.equal((await next.stat("/d"))?.isDirectory, true);
  assert.equal(next.operationCount, fs.operationCount); // one disk, one count
});

test("crashAt k: the k-th counted operation throws SimulatedCrash, halts, and is one-shot", async () => {
  const fs = withDir({ crashAt: 4 });
  const f = await fs.open("/d/f", { create: true }); // 1
  await f.write(enc.encode("abc"), 0); // 2
  await f.datasync(); // 3
  const crash = await f.truncate(1).then(() => undefined, (e) => e); // 4
  assert.ok(crash instanceof SimulatedCrash);
  assert.equal(crash.operation?.index, 4);
  assert.equal(crash.operation?.op, "truncate");
  assert.equal(fs.halted, true);
  // Everything is refused now, reads included, until crash() or restart().
  await assert.rejects(f.size(), SimulatedCrash);
  await assert.rejects(fs.stat("/d/f"), SimulatedCrash);
  await assert.rejects(fs.readFile("/d/f"), SimulatedCrash);
  await assert.rejects(fs.mkdir("/x"), SimulatedCrash);
  assert.equal(fs.operationCount, 4); // refused calls are not counted
  assert.deepEqual(fs.operations.map((o) => o.op), ["open", "write", "datasync", "truncate"]);
  assert.deepEqual(fs.operations[1], { index: 2, op: "write", path: "/d/f", offset: 0, length: 3 });
  fs.crash({ unsynced: "kept" });
  assert.equal(fs.halted, false);
  assert.equal(await fs.stat("/d/f"), null); // the create was never synced in /d
  await put(fs, "/d/f", "abc"); // crashAt is spent: no second crash
  assert.equal(fs.crashAt, undefined);
  fs.crashAt = fs.operationCount + 1;
  await assert.rejects(fs.syncDir("/d"), SimulatedCrash);
  fs.crash();
  fs.crashAt = fs.operationCount + 10;
  fs.crash(); // a crash ends the run: an unreached crashAt is disarmed
  assert.equal(fs.crashAt, undefined);
});

/** Atomic replace as the engine publishes a file: write a temporary, sync, rename, sync dir. */
async function publish(fs: MemoryFileSystem, contents: string): Promise<void> {
  const f = await fs.open("/d/dest.tmp", { create: true, truncate: true });
  await f.write(enc.encode(contents.slice(0, 5)), 0);
  await f.write(enc.encode(contents.slice(5)), 5);
  await f.datasync();
  await f.close();
  await fs.rename("/d/dest.tmp", "/d/dest");
  await fs.syncDir("/d");
}

test("a crash at every operation of an atomic replace leaves old or new, never a mix", async () => {
  const NEW = "new contents, longer than before";
  const dry = withDir();
  dry.writeDurable("/d/dest", enc.encode("old contents"));
  await publish(dry, NEW);
  const n = dry.operationCount;
  assert.equal(n, 6);
  const seen = new Set<string>();
  for (let k = 1; k <= n + 1; k++) { // n + 1: the crash comes after the last operation
    for (let seed = 1; seed <= 8; seed++) {
      let fs = withDir({ crashAt: k, seed });
      fs.writeDurable("/d/dest", enc.encode("old contents"));
      const failure = await publish(fs, NEW).then(() => null, (e) => e);
      assert.ok(k <= n ? failure instanceof SimulatedCrash : failure === null, `k=${k}`);
      fs = fs.restart();
      const got = await text(fs, "/d/dest");
      assert.ok(got === "old contents" || got === NEW, `k=${k} seed=${seed}: ${got}`);
      seen.add(got!);
      await publish(fs, NEW); // the next run completes
      fs.crash();
      assert.equal(await text(fs, "/d/dest"), NEW);
    }
  }
  assert.deepEqual([...seen].sort(), [NEW, "old contents"]);
});

test("onOperation sees every counted operation and can fail it", async () => {
  const seen: MemoryOperation[] = [];
  const fs = withDir({
    onOperation: (op) => {
      seen.push(op);
      if (op.op === "rename") throw new FileSystemError("FS_ERROR", "rename", op.path);
      if (op.op === "syncDir") throw new SimulatedCrash("injected");
    },
  });
  await put(fs, "/d/a", "a");
  await assert.rejects(fs.rename("/d/a", "/d/b"), FileSystemError);
  assert.equal(fs.exists("/d/a"), true); // a failed operation has no effect
  assert.equal(fs.halted, false);
  await fs.stat("/d/a"); // reads are not counted
  await assert.rejects(fs.syncDir("/d"), SimulatedCrash);
  assert.equal(fs.halted, true);
  assert.deepEqual(seen.map((o) => `${o.index} ${o.op} ${o.path}`), [
    "1 open /d/a",
    "2 write /d/a",
    "3 datasync /d/a",
    "4 rename /d/a",
    "5 syncDir /d",
  ]);
  assert.equal(seen[3].to, "/d/b");
});

test("disk full: a write beyond the capacity fails with FS_NO_SPACE and writes nothing", async () => {
  const fs = withDir({ capacity: 100 });
  const f = await fs.open("/d/f", { create: true });
  await f.truncate(1000); // sparse: allocates nothing
  assert.equal(fs.used, 0);
  await f.write(new Uint8Array(60).fill(1), 0);
  await rejectsCode(f.write(new Uint8Array(50).fill(2), 500), "FS_NO_SPACE");
  assert.equal(fs.used, 60);
  assert.deepEqual(fs.readLive("/d/f")!.subarray(500, 550), new Uint8Array(50));
  await f.write(new Uint8Array(60).fill(3), 0); // overwriting allocated bytes is free
  await f.write(new Uint8Array(40).fill(4), 60); // exactly full
  assert.equal(fs.used, 100);
  await rejectsCode(f.write(new Uint8Array(1), 100), "FS_NO_SPACE");
  const g = await fs.open("/d/g", { create: true });
  await rejectsCode(g.write(new Uint8Array(1), 0), "FS_NO_SPACE");
  await f.truncate(50); // frees 50 bytes
  await g.write(new Uint8Array(50), 0);
  await rejectsCode(g.write(new Uint8Array(1), 50), "FS_NO_SPACE");
  await fs.remove("/d/f");
  await f.close();
  fs.capacity = Infinity;
  await g.write(new Uint8Array(1000), 50);
});

test("read-only paths can be read but not changed: FS_PERMISSION", async () => {
  const fs = withDir({ readOnly: ["/ro"] });
  fs.writeDurable("/ro/file", enc.encode("keep"));
  fs.writeDurable("/d/file", enc.encode("mine"));
  await rejectsCode(fs.open("/ro/new", { create: true }), "FS_PERMISSION");
  await rejectsCode(fs.open("/ro/file"), "FS_PERMISSION");
  await rejectsCode(fs.open("/ro/file", { truncate: true }), "FS_PERMISSION");
  await rejectsCode(fs.rename("/ro/file", "/d/x"), "FS_PERMISSION");
  await rejectsCode(fs.rename("/d/file", "/ro/x"), "FS_PERMISSION");
  await rejectsCode(fs.remove("/ro/file"), "FS_PERMISSION");
  await rejectsCode(fs.mkdir("/ro/sub"), "FS_PERMISSION");
  await fs.mkdir("/ro"); // exists: nothing to change
  const r = await fs.open("/ro/file", { readOnly: true });
  assert.equal(await r.size(), 4);
  await r.close();
  assert.equal(await text(fs, "/ro/file"), "keep");
  fs.setReadOnly("/d");
  await rejectsCode(fs.open("/d/file"), "FS_PERMISSION");
  fs.setReadOnly("/d", false);
  await put(fs, "/d/file", "changed");
});

test("paths are normalized; inspection helpers are not counted", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("data//sub/");
  await put(fs, "./data/sub/../sub/f", "x");
  assert.equal(fs.exists("/data/sub/f"), true);
  assert.equal(await text(fs, "data\\sub\\f"), "x");
  const count = fs.operationCount;
  fs.readLive("/data/sub/f");
  fs.readDurable("/data/sub/f");
  fs.listFiles({ durable: true });
  assert.equal(fs.operationCount, count);
  await rejectsCode(fs.rename("/data/sub", "/data/other"), "FS_ERROR");
  await rejectsCode(fs.remove("/data"), "FS_ERROR"); // not empty
  await fs.remove("/data/sub/f");
  await fs.remove("/data/sub");
  assert.equal(await fs.stat("/data/sub"), null);
});

// ---- The async block writer (a model of the worker writer) ----

/** A file system (with the default, async block writer) and a durable file /d/f of `size` zeros. */
async function withWriter(
  options: ConstructorParameters<typeof MemoryFileSystem>[0] = {},
  size = 16,
  writerOptions: { maxWriteBytes?: number } = {},
): Promise<{ fs: MemoryFileSystem; writer: BlockWriter }> {
  const fs = withDir(options);
  fs.writeDurable("/d/f", new Uint8Array(size));
  const writer = await fs.openBlockWriter("/d/f", writerOptions);
  assert.ok(writer, "no block writer");
  return { fs, writer };
}

test("openBlockWriter: async by default; null with blockWriter none or a file it cannot write", async () => {
  const plain = withDir({ blockWriter: "none" });
  plain.writeDurable("/d/f", new Uint8Array(4));
  assert.equal(await plain.openBlockWriter("/d/f"), null);
  const fs = withDir({ readOnly: ["/d/ro"] });
  fs.writeDurable("/d/f", new Uint8Array(4));
  const writer = await fs.openBlockWriter("/d/f");
  assert.ok(writer);
  await writer.close();
  fs.writeDurable("/d/ro/f", new Uint8Array(4));
  assert.equal(await fs.openBlockWriter("/d/missing"), null);
  assert.equal(await fs.openBlockWriter("/d/ro/f"), null);
  await assert.rejects(fs.openBlockWriter("/d/ro/f", { maxWriteBytes: 0 }), RangeError);
  assert.throws(() => new MemoryFileSystem({ blockWriter: "sync" as "async" }), TypeError);
  assert.equal(fs.operationCount, 0); // opening a writer is not counted
});

test("async block writer: a write lands after the call, is counted then, and hashes what landed", async () => {
  const { fs, writer } = await withWriter({ seed: 3 });
  const block = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 99]);
  const written = writer.write(block, 8, 4);
  assert.deepEqual(fs.readLive("/d/f"), new Uint8Array(16)); // not landed yet
  assert.equal(fs.operationCount, 0);
  await fs.mkdir("/d/x"); // called after the write, counted before it lands
  const { crc64: crc, block: back } = await written;
  assert.equal(back, block);
  assert.equal(crc, await crc64(block.subarray(0, 8)));
  assert.deepEqual([...fs.readLive("/d/f")!.subarray(4, 12)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(fs.operations.map((o) => `${o.op} ${o.path} ${o.offset ?? ""}`), [
    "mkdir /d/x ",
    "write /d/f 4",
  ]);
  await writer.close();
});

test("async block writer: blocks land in a seeded-random order, the same for the same seed", async () => {
  const orders = new Set<string>();
  for (let seed = 1; seed <= 10; seed++) {
    const runs: string[] = [];
    for (let again = 0; again < 2; again++) {
      const { fs, writer } = await withWriter({ seed }, 32);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => writer.write(new Uint8Array(4).fill(i + 1), 4, i * 4)),
      );
      await writer.close();
      runs.push(fs.operations.map((o) => o.offset! / 4).join(""));
      assert.deepEqual(
        [...fs.readLive("/d/f")!],
        Array.from({ length: 32 }, (_, i) => (i >> 2) + 1),
      );
    }
    assert.equal(runs[0], runs[1], `seed ${seed} is not deterministic`);
    orders.add(runs[0]);
  }
  assert.ok(orders.size > 5, `orders: ${[...orders]}`);
  assert.ok([...orders].some((o) => o !== "01234567"));
});

test("async block writer: pieces of maxWriteBytes; a crash at one stops the block there", async () => {
  const { fs, writer } = await withWriter({}, 16, { maxWriteBytes: 4 });
  await writer.write(new Uint8Array(10).fill(7), 10, 2);
  assert.deepEqual(fs.operations.map((o) => `${o.offset}+${o.length}`), ["2+4", "6+4", "10+2"]);
  fs.crashAt = fs.operationCount + 2;
  await assert.rejects(writer.write(new Uint8Array(10).fill(9), 10, 2), (e: unknown) => {
    assert.ok(e instanceof SimulatedCrash);
    assert.equal(e.operation?.op, "write");
    return true;
  });
  assert.equal(fs.halted, true);
  // The first piece landed, the second was the crash, the third was never written.
  assert.deepEqual(
    [...fs.readLive("/d/f")!],
    [0, 0, 9, 9, 9, 9, 7, 7, 7, 7, 7, 7, 0, 0, 0, 0],
  );
  await writer.close();
});

test("async block writer: a write not landed at a crash is lost, even when only the process dies", async () => {
  for (const processOnly of [false, true]) {
    const { fs, writer } = await withWriter();
    const written = writer.write(new Uint8Array(4).fill(5), 4, 0);
    fs.crash({ unsynced: "kept", processOnly });
    await assert.rejects(written, SimulatedCrash);
    assert.deepEqual(fs.readLive("/d/f"), new Uint8Array(16));
    assert.equal(fs.operationCount, 0);
    await writer.close();
    // The writer's handle died with the crash.
    await assert.rejects(writer.write(new Uint8Array(1), 1, 0));
  }
});

test("async block writer: a datasync before a write landed does not make it durable", async () => {
  const { fs, writer } = await withWriter({ seed: 5 });
  const file = await fs.open("/d/f");
  const early = writer.write(new Uint8Array(4).fill(1), 4, 0);
  await file.datasync(); // the write is still in flight: the bug the model exists to catch
  await early;
  assert.deepEqual([...fs.readLive("/d/f")!.subarray(0, 4)], [1, 1, 1, 1]);
  assert.deepEqual([...fs.readDurable("/d/f")!.subarray(0, 4)], [0, 0, 0, 0]);
  await writer.write(new Uint8Array(4).fill(2), 4, 8);
  await file.datasync(); // another handle of the same file syncs what landed
  assert.deepEqual(
    [...fs.readDurable("/d/f")!.subarray(0, 12)],
    [1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 2],
  );
  await writer.close();
  await file.close();
});

test("async block writer: the block is read when it lands, so it belongs to the writer until then", async () => {
  const { fs, writer } = await withWriter();
  const block = new Uint8Array(4).fill(1);
  const written = writer.write(block, 4, 0);
  block.fill(2); // too early: the writer owns the block until the promise settles
  const { crc64: crc } = await written;
  assert.deepEqual([...fs.readLive("/d/f")!.subarray(0, 4)], [2, 2, 2, 2]);
  assert.equal(crc, await crc64(new Uint8Array(4).fill(2)));
  await writer.close();
});

test("async block writer: close() waits for pending writes; writes after it fail", async () => {
  const { fs, writer } = await withWriter({ seed: 9 }, 64);
  const opened = fs.openFiles;
  const writes = Array.from(
    { length: 6 },
    (_, i) => writer.write(new Uint8Array(8).fill(i), 8, i * 8),
  );
  await writer.close();
  assert.equal(fs.operationCount, 6);
  assert.equal(fs.openFiles, opened - 1);
  await Promise.all(writes);
  await rejectsCode(writer.write(new Uint8Array(1), 1, 0), "FS_ERROR");
  await writer.close(); // idempotent
});

test("async block writer: faults hit when the write lands (disk full, onOperation)", async () => {
  const { fs, writer } = await withWriter({ capacity: 20 }, 16);
  await writer.write(new Uint8Array(16), 16, 0); // allocates 16 of 20
  await rejectsCode(writer.write(new Uint8Array(8), 8, 16), "FS_NO_SPACE");
  fs.capacity = Infinity;
  let failing = true;
  const { fs: fs2, writer: w2 } = await withWriter({
    onOperation: (o) => {
      if (failing && o.op === "write") throw new FileSystemError("FS_ERROR", "write", o.path);
    },
  });
  await rejectsCode(w2.write(new Uint8Array(4).fill(1), 4, 0), "FS_ERROR");
  failing = false;
  await w2.write(new Uint8Array(4).fill(2), 4, 0);
  assert.deepEqual([...fs2.readLive("/d/f")!.subarray(0, 4)], [2, 2, 2, 2]);
  await Promise.all([writer.close(), w2.close()]);
});

// ---- A failing datasync (writeback error) ----

test("failDatasyncAt: the n-th datasync fails as after a writeback error; retrying does not help", async () => {
  const outcomes = new Set<string>();
  for (let seed = 1; seed <= 60; seed++) {
    const fs = withDir({ seed, failDatasyncAt: 2 });
    fs.writeDurable("/d/f", enc.encode("AAAAAAAA"));
    const f = await fs.open("/d/f");
    await f.write(enc.encode("BB"), 1);
    await f.datasync(); // the first one works
    await f.write(enc.encode("CCCC"), 4);
    await f.truncate(10);
    await assert.rejects(f.datasync(), (e: unknown) => {
      assert.ok(e instanceof FileSystemError);
      assert.equal(e.code, "FS_ERROR");
      assert.equal(e.operation, "datasync");
      return true;
    });
    assert.equal(fs.failDatasyncAt, undefined); // one shot
    const after = fs.readLive("/d/f")!;
    assert.deepEqual(after, fs.readDurable("/d/f"), "the live image is what reached the disk");
    const s = dec.decode(after.subarray(0, 8));
    // Each un-synced operation reached the disk whole, not at all, or (a write) in part.
    assert.match(s, /^ABBA(C{0,4})A*$/);
    assert.ok(after.length === 8 || after.length === 10, `size ${after.length}`);
    outcomes.add(s === "ABBACCCC" ? "kept" : s === "ABBAAAAA" ? "dropped" : "torn");
    // A later datasync succeeds but brings nothing back.
    await f.datasync();
    assert.equal(fs.datasyncCount, 3);
    fs.crash({ unsynced: "lost" });
    assert.deepEqual(await fs.readFile("/d/f"), after);
  }
  assert.deepEqual([...outcomes].sort(), ["dropped", "kept", "torn"]);
});

test("a datasync failed by onOperation is a writeback error of that file only", async () => {
  let dropped = false;
  for (let seed = 1; seed <= 20 && !dropped; seed++) {
    const { fs, writer } = await withWriter({
      seed,
      onOperation: (o) => {
        if (o.op === "datasync" && o.path === "/d/f") {
          throw new FileSystemError("FS_ERROR", "datasync", o.path);
        }
      },
    });
    fs.writeDurable("/d/g", enc.encode("gggg"));
    const g = await fs.open("/d/g");
    await g.write(enc.encode("GG"), 0);
    // A block written by the writer (another handle) is lost or kept by the failed writeback too.
    await writer.write(new Uint8Array(8).fill(1), 8, 0);
    const f = await fs.open("/d/f");
    await rejectsCode(f.datasync(), "FS_ERROR");
    assert.deepEqual(fs.readLive("/d/f"), fs.readDurable("/d/f"));
    dropped = fs.readLive("/d/f")![0] === 0;
    // The other file keeps its pending write and syncs it.
    assert.equal(dec.decode(fs.readLive("/d/g")!), "GGgg");
    await g.datasync();
    assert.equal(dec.decode(fs.readDurable("/d/g")!), "GGgg");
    await writer.close();
  }
  assert.ok(dropped, "no seed dropped the block");
});
