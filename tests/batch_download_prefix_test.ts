/**
 * `downloadPrefix()` against the emulator and the memory file system: everything under a prefix
 * arrives exact, a rerun fetches no object bytes, changed objects are fetched again, unsafe keys
 * and collisions are reported and never written, one bad object does not stop the rest, shards
 * cover every key once, and an interrupted run finishes without fetching complete objects again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { downloadPrefix, ObjectOutcome } from "../src/batch/download_prefix.ts";
import type { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { AbortedError } from "../src/errors.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { sameBytes, testBytes } from "./_engine_fixture.ts";
import { DIR, emulatorWith, runPrefix } from "./_batch_fixture.ts";

interface Batch {
  emulator: OssEmulator;
  fs: MemoryFileSystem;
  objects: Map<string, Uint8Array>;
  run(extra?: Partial<Parameters<typeof downloadPrefix>[0]>): ReturnType<typeof downloadPrefix>;
  events: ObjectOutcome[];
  gets(): string[];
}

async function batch(keys: Record<string, number>, seed = 1): Promise<Batch> {
  const { emulator, objects } = await emulatorWith(keys, seed);
  await emulator.put("bucket", "elsewhere/not-me.bin", testBytes(10, 99));
  const fs = new MemoryFileSystem({ seed });
  const events: ObjectOutcome[] = [];
  return {
    emulator,
    fs,
    objects,
    events,
    gets: () =>
      emulator.stats.log.filter((e) => e.method === "GET" && e.key !== "").map((e) => e.key),
    run: (extra = {}) => {
      events.length = 0;
      return runPrefix(emulator, fs, {
        maxAttempts: 2,
        caseInsensitive: undefined, // found out by the probe file, as by default
        onObject: (o) => events.push(o),
        ...extra,
      });
    },
  };
}

const KEYS: Record<string, number> = {
  "data/a.bin": 1000,
  "data/sub/b.bin": 70_000,
  "data/sub/deeper/c.bin": 200_000,
  "data/with space.txt": 10,
  "data/plus+sign.txt": 11,
  "data/percent%20.txt": 12,
  "data/ünïcödé/文件.txt": 13,
  "data/empty.bin": 0,
};

function local(b: Batch, key: string): Uint8Array | null {
  return b.fs.readLive(`${DIR}/${key.slice("data/".length)}`);
}

test("prefix: every object arrives exact, keys with spaces, +, % and unicode included", async () => {
  const b = await batch(KEYS);
  const result = await b.run();
  assert.equal(result.objects, Object.keys(KEYS).length);
  assert.equal(result.done, Object.keys(KEYS).length);
  assert.equal(result.failed, 0);
  for (const [key, bytes] of b.objects) assert.ok(sameBytes(local(b, key), bytes), key);
  assert.equal(b.fs.exists(`${DIR}/not-me.bin`), false);
  assert.ok(b.events.every((e) => e.status === "done" && e.crc64 !== null));
});

test("prefix: a rerun fetches no object bytes; changed objects are fetched again", async () => {
  const b = await batch(KEYS, 2);
  await b.run();
  b.emulator.resetStats();
  const again = await b.run();
  assert.equal(again.skipped, Object.keys(KEYS).length);
  assert.equal(again.done, 0);
  assert.equal(b.emulator.stats.bytesSent, 0, "object bytes were sent on a rerun");
  // Two objects change on the server.
  const changed = {
    "data/a.bin": testBytes(1000, 77),
    "data/sub/deeper/c.bin": testBytes(150_000, 78),
  };
  for (const [key, bytes] of Object.entries(changed)) await b.emulator.put("bucket", key, bytes);
  b.emulator.resetStats();
  const third = await b.run();
  assert.equal(third.done, 2);
  assert.equal(third.skipped, Object.keys(KEYS).length - 2);
  assert.deepEqual(new Set(b.gets()), new Set(Object.keys(changed)));
  for (const [key, bytes] of Object.entries(changed)) assert.ok(sameBytes(local(b, key), bytes));
});

test("prefix: a file changed locally after its download is fetched again", async () => {
  const b = await batch({ "data/x.bin": 5000, "data/y.bin": 6000 }, 3);
  await b.run();
  b.fs.writeDurable(`${DIR}/x.bin`, testBytes(4000, 5));
  const again = await b.run();
  assert.equal(again.done, 1);
  assert.ok(sameBytes(local(b, "data/x.bin"), b.objects.get("data/x.bin")!));
});

test("prefix: unsafe keys are reported and never written; the rest completes", async () => {
  const b = await batch({
    "data/good.bin": 100,
    "data/../escape.bin": 10,
    "data/a//b.bin": 10,
    "data/./dot.bin": 10,
    "data/back\\slash.bin": 10,
    "data/ctl\u0001.bin": 10,
  }, 4);
  const result = await b.run();
  assert.equal(result.done, 1);
  assert.equal(result.failed, 5);
  for (const e of b.events.filter((e) => e.status === "failed")) {
    assert.equal(e.error?.code, "UNSAFE_KEY", e.key);
  }
  assert.deepEqual(
    b.fs.listFiles().filter((p) => !p.includes(".ossdl-manifest")),
    [`${DIR}/good.bin`],
  );
});

test("prefix: directory markers create directories; a file/directory collision is reported", async () => {
  const b = await batch({ "data/dir/": 0, "data/a": 10, "data/a/b": 20 }, 5);
  const result = await b.run();
  assert.equal(b.fs.stat !== undefined, true);
  assert.ok((await b.fs.stat(`${DIR}/dir`))?.isDirectory);
  assert.equal(result.failed, 1);
  const failed = b.events.find((e) => e.status === "failed")!;
  assert.equal(failed.error?.code, "PATH_COLLISION");
  // Whichever came first is intact, nothing was overwritten.
  assert.ok(sameBytes(b.fs.readLive(`${DIR}/a`), b.objects.get("data/a")!));
});

test("prefix: one failing object does not stop the rest", async () => {
  const b = await batch(KEYS, 6);
  b.emulator.faultsFor = (info) =>
    info.method === "GET" && info.key === "data/sub/b.bin"
      ? { serverError: { status: 500 } }
      : undefined;
  const result = await b.run();
  assert.equal(result.failed, 1);
  assert.equal(result.done, Object.keys(KEYS).length - 1);
  const failed = b.events.find((e) => e.status === "failed")!;
  assert.equal(failed.key, "data/sub/b.bin");
  assert.ok(failed.error?.code);
  for (const [key, bytes] of b.objects) {
    if (key !== "data/sub/b.bin") assert.ok(sameBytes(local(b, key), bytes), key);
  }
  // The next run retries only the failed one.
  b.emulator.faultsFor = null;
  b.emulator.resetStats();
  const again = await b.run();
  assert.equal(again.done, 1);
  assert.deepEqual([...new Set(b.gets())], ["data/sub/b.bin"]);
});

test("prefix: filters select by relative path, in order", async () => {
  const b = await batch(KEYS, 7);
  const result = await b.run({ filters: [{ exclude: "*" }, { include: "sub/**" }] });
  assert.equal(result.objects, 2);
  assert.ok(local(b, "data/sub/b.bin"));
  assert.equal(local(b, "data/a.bin"), null);
});

test("prefix: shards together cover every key exactly once", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 60; i++) keys[`data/k${i}.bin`] = 5;
  const b = await batch(keys, 8);
  const seen: string[] = [];
  for (let k = 0; k < 3; k++) {
    await b.run({ shard: { index: k, count: 3 }, onObject: (o) => seen.push(o.key) });
  }
  assert.equal(seen.length, 60);
  assert.equal(new Set(seen).size, 60);
});

test("prefix: more keys than one listing page", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 1203; i++) keys[`data/p/${String(i).padStart(5, "0")}`] = 3;
  const b = await batch(keys, 9);
  const result = await b.run({ jobs: 16 });
  assert.equal(result.done, 1203);
  assert.ok(b.emulator.stats.log.filter((e) => e.key === "" && e.method === "GET").length >= 2);
});

test("prefix: an interrupted run finishes; objects complete before are not fetched again", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 30; i++) keys[`data/f${i}.bin`] = 20_000;
  keys["data/big.bin"] = 400_000;
  const b = await batch(keys, 10);
  const controller = new AbortController();
  const completed: string[] = [];
  await assert.rejects(
    b.run({
      signal: controller.signal,
      onObject: (o) => {
        if (o.status === "done") completed.push(o.key);
        if (completed.length === 12) controller.abort();
      },
    }),
    AbortedError,
  );
  assert.ok(completed.length >= 12);
  b.emulator.resetStats();
  const result = await b.run();
  assert.equal(result.failed, 0);
  const fetchedAgain = b.gets().filter((k) => completed.includes(k));
  assert.deepEqual(fetchedAgain, [], "complete objects were fetched again");
  for (const [key, bytes] of b.objects) assert.ok(sameBytes(local(b, key), bytes), key);
});

test("prefix: --checksum keeps files put there by another tool when their CRC-64 matches", async () => {
  const b = await batch({ "data/x.bin": 5000, "data/y.bin": 6000 }, 11);
  b.fs.writeDurable(`${DIR}/x.bin`, b.objects.get("data/x.bin")!); // identical, no record
  b.fs.writeDurable(`${DIR}/y.bin`, testBytes(6000, 1234)); // same size, other bytes
  const result = await b.run({ checksum: true });
  assert.equal(result.skipped, 1);
  assert.equal(result.done, 1);
  assert.deepEqual([...new Set(b.gets())], ["data/y.bin"]);
  assert.ok(sameBytes(local(b, "data/y.bin"), b.objects.get("data/y.bin")!));
  // Without --checksum a file without a record is downloaded again.
  const c = await batch({ "data/x.bin": 5000 }, 12);
  c.fs.writeDurable(`${DIR}/x.bin`, c.objects.get("data/x.bin")!);
  const plain = await c.run();
  assert.equal(plain.done, 1);
});

test("prefix: a denied object among good ones is reported with its OSS code and RequestId", async () => {
  const b = await batch(KEYS, 14);
  b.emulator.faultsFor = (info) => info.key === "data/sub/b.bin" ? { denyAccess: true } : undefined;
  const result = await b.run();
  assert.equal(result.failed, 1);
  assert.equal(result.done, Object.keys(KEYS).length - 1);
  const failed = result.failures[0];
  assert.equal(failed.key, "data/sub/b.bin");
  assert.equal(failed.error?.ossCode, "AccessDenied");
  assert.ok(failed.error?.requestId, "no RequestId");
});

test("prefix: on a case-insensitive file system two keys equal but for case are reported", async () => {
  const b = await batch({ "data/Readme.md": 10, "data/README.md": 20, "data/other": 5 }, 15);
  const result = await b.run({ caseInsensitive: true });
  assert.equal(result.failed, 1);
  assert.equal(result.failures[0].error?.code, "PATH_COLLISION");
  assert.equal(result.done, 2);
});
