/**
 * The small-object path of `downloadPrefix()` (objects of at most one part): one GET per object
 * conditional on the listed ETag and no HEAD; an object changed since the listing is fetched again
 * by the full path; a retry continues from the last byte received; a CRC-64 mismatch leaves
 * nothing behind; an object without a server CRC-64 is reported as not verified; directory syncs
 * are shared; and a crash at any file-system operation never leaves a wrong file or a manifest
 * record for a file that is not durably complete.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ObjectOutcome } from "../src/batch/download_prefix.ts";
import { DirectorySyncs } from "../src/batch/directory_syncs.ts";
import { Manifest, MANIFEST_NAME } from "../src/batch/manifest.ts";
import {
  SMALL_STAGE_BYTES,
  SMALL_TEMP_SUFFIX,
  STAGE_BYTES,
  StagePool,
} from "../src/batch/small_object.ts";
import type { FileSystem } from "../src/fs/file_system.ts";
import type { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { MemoryFileSystem, SimulatedCrash } from "../src/fs/memory_file_system.ts";
import { sameBytes, testBytes } from "./_engine_fixture.ts";
import { DIR, emulatorWith, runPrefix, withOverrides } from "./_batch_fixture.ts";

const run = runPrefix;

const objectRequests = (emulator: OssEmulator, method: string) =>
  emulator.stats.log.filter((e) => e.method === method && e.key !== "");

test("small objects: one GET each, conditional on the listed ETag, and no HEAD", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 20; i++) keys[`data/d${i % 3}/f${i}.bin`] = 1000 + i * 3000;
  const { emulator, objects } = await emulatorWith(keys, 1);
  const fs = new MemoryFileSystem({ seed: 1 });
  const ifMatch = new Map<string, string | null>();
  const result = await run(emulator, fs, {}, (request) => {
    const key = decodeURIComponent(new URL(request.url).pathname.split("/").slice(2).join("/"));
    if (request.method === "GET" && key !== "") ifMatch.set(key, request.headers.get("if-match"));
  });
  assert.equal(result.done, 20);
  assert.equal(result.unverified, 0);
  assert.equal(objectRequests(emulator, "HEAD").length, 0, "a small object was HEADed");
  assert.equal(objectRequests(emulator, "GET").length, 20);
  const listing = await emulator.store.list!("bucket", {
    prefix: "data/",
    delimiter: "",
    after: "",
    maxKeys: 1000,
  });
  for (const entry of listing!.entries) assert.equal(ifMatch.get(entry.key), entry.etag, entry.key);
  for (const [key, bytes] of objects) {
    assert.ok(sameBytes(fs.readDurable(`${DIR}/${key.slice(5)}`), bytes), key);
    assert.equal(fs.exists(`${DIR}/${key.slice(5)}${SMALL_TEMP_SUFFIX}`), false);
  }
});

test("small objects: an object changed after the listing is fetched again by the full path", async () => {
  const { emulator } = await emulatorWith({ "data/a.bin": 5000, "data/b.bin": 6000 }, 2);
  const fs = new MemoryFileSystem({ seed: 2 });
  const replacement = testBytes(7000, 99); // another size and content
  let changed = false;
  const events: ObjectOutcome[] = [];
  const result = await run(emulator, fs, { onObject: (o) => events.push(o) }, async (request) => {
    if (!changed && request.method === "GET" && request.url.includes("/data/a.bin")) {
      changed = true;
      await emulator.put("bucket", "data/a.bin", replacement);
    }
  });
  assert.equal(result.failed, 0);
  assert.ok(sameBytes(fs.readDurable(`${DIR}/a.bin`), replacement));
  const a = events.find((e) => e.key === "data/a.bin")!;
  assert.equal(a.status, "done");
  assert.equal(a.verified, true);
  const aRequests = emulator.stats.log.filter((e) => e.key === "data/a.bin");
  assert.deepEqual(aRequests.map((e) => [e.method, e.status]), [
    ["GET", 412], // If-Match: the listed ETag
    ["HEAD", 200], // the full path looks again
    ["GET", 206],
  ]);
  // The record is of what was downloaded: a rerun fetches nothing.
  emulator.resetStats();
  const again = await run(emulator, fs);
  assert.equal(again.skipped, 2);
  assert.equal(emulator.stats.bytesSent, 0);
});

test("small objects: a dropped body is continued from the last byte received", async () => {
  const { emulator, objects } = await emulatorWith({ "data/x.bin": 50_000 }, 3);
  let gets = 0;
  emulator.faultsFor = (info) =>
    info.method === "GET" && info.key === "data/x.bin" && gets++ === 0
      ? { dropAfterBytes: 30_000 }
      : undefined;
  const fs = new MemoryFileSystem({ seed: 3 });
  const result = await run(emulator, fs);
  assert.equal(result.done, 1);
  assert.ok(sameBytes(fs.readDurable(`${DIR}/x.bin`), objects.get("data/x.bin")!));
  const requests = objectRequests(emulator, "GET");
  assert.equal(requests.length, 2);
  assert.equal(requests[0].range, null);
  const second = /^bytes=(\d+)-49999$/.exec(requests[1].range ?? "");
  assert.ok(second && Number(second[1]) > 0, `the retry asked ${requests[1].range}`);
  assert.ok(result.bytesFetched < 2 * 50_000);
});

test("small objects: a CRC-64 mismatch fails the object and leaves no file behind", async () => {
  const { emulator, objects } = await emulatorWith(
    { "data/bad.bin": 9000, "data/ok.bin": 8000 },
    4,
  );
  emulator.faultsFor = (info) => info.key === "data/bad.bin" ? { flipByteAt: 4321 } : undefined;
  const fs = new MemoryFileSystem({ seed: 4 });
  const events: ObjectOutcome[] = [];
  const result = await run(emulator, fs, { onObject: (o) => events.push(o) });
  assert.equal(result.failed, 1);
  assert.equal(result.done, 1);
  assert.equal(events.find((e) => e.key === "data/bad.bin")?.error?.code, "INTEGRITY_MISMATCH");
  assert.equal(fs.exists(`${DIR}/bad.bin`), false);
  assert.equal(fs.exists(`${DIR}/bad.bin${SMALL_TEMP_SUFFIX}`), false);
  assert.ok(sameBytes(fs.readDurable(`${DIR}/ok.bin`), objects.get("data/ok.bin")!));
});

test("small objects: without a server CRC-64 an object is done but reported not verified", async () => {
  const { emulator, objects } = await emulatorWith({ "data/n.bin": 3000 }, 5, false);
  const fs = new MemoryFileSystem({ seed: 5 });
  const events: ObjectOutcome[] = [];
  const result = await run(emulator, fs, { onObject: (o) => events.push(o) });
  assert.equal(result.done, 1);
  assert.equal(result.unverified, 1);
  assert.equal(events[0].verified, false);
  assert.ok(sameBytes(fs.readDurable(`${DIR}/n.bin`), objects.get("data/n.bin")!));
});

test("small objects: renames into one directory share its syncs", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 40; i++) keys[`data/f${i}.bin`] = 2000;
  const { emulator } = await emulatorWith(keys, 6);
  const fs = new MemoryFileSystem({ seed: 6 });
  let syncs = 0;
  const counting = withOverrides(fs, {
    syncDir: (path: string) => {
      if (path === DIR) syncs++;
      return fs.syncDir(path);
    },
  });
  const result = await run(emulator, counting, { jobs: 8 });
  assert.equal(result.done, 40);
  assert.ok(syncs < 40, `${syncs} syncs of the directory for 40 renames`);
});

test("DirectorySyncs: every caller waits for a sync that started after its call", async () => {
  const order: string[] = [];
  let release: (() => void) | null = null;
  const fs = {
    syncDir: (path: string) => {
      order.push(`sync ${path}`);
      return new Promise<void>((resolve) => {
        release = () => {
          order.push(`synced ${path}`);
          resolve();
        };
      });
    },
  } as unknown as FileSystem;
  const syncs = new DirectorySyncs(fs);
  const done: string[] = [];
  const first = syncs.sync("/d").then(() => done.push("first"));
  await Promise.resolve();
  // Arrive while the first sync runs: they must wait for a second one.
  const second = syncs.sync("/d").then(() => done.push("second"));
  const third = syncs.sync("/d").then(() => done.push("third"));
  release!();
  await first;
  assert.deepEqual(done, ["first"]);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(syncs.calls, 2);
  release!();
  await Promise.all([second, third]);
  assert.deepEqual(done, ["first", "second", "third"]);
  assert.deepEqual(order, ["sync /d", "synced /d", "sync /d", "synced /d"]);
});

test("small objects: a crash at any file-system operation leaves no wrong file and no false record", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 5; i++) keys[`data/s/f${i}.bin`] = 3000 + i * 1000;
  const { emulator, objects } = await emulatorWith(keys, 7);
  // How many operations a whole run takes.
  const probe = new MemoryFileSystem({ seed: 7 });
  await run(emulator, probe, { jobs: 3 });
  const total = probe.operationCount;
  assert.ok(total > 20, `only ${total} operations`);
  const problems: string[] = [];
  for (const mode of ["torn", "lost", "kept"] as const) {
    for (let k = 1; k <= total; k++) {
      let fs = new MemoryFileSystem({ seed: 7 + k, crashAt: k });
      await run(emulator, fs, { jobs: 3 }).catch((e) => {
        if (!(e instanceof SimulatedCrash) && !fs.halted) throw e;
      });
      fs = fs.restart({ unsynced: mode });
      // What the manifest claims must be durably in place, and every file present is exact.
      const manifest = await Manifest.open(fs, `${DIR}/${MANIFEST_NAME}`);
      for (const [key, bytes] of objects) {
        const path = `${DIR}/${key.slice(5)}`;
        const durable = fs.readDurable(path);
        if (manifest.get(key) && !sameBytes(durable, bytes)) {
          problems.push(`${mode}@${k}: ${key} recorded but not durably complete`);
        }
        if (durable !== null && !sameBytes(durable, bytes)) {
          problems.push(`${mode}@${k}: ${key} holds wrong bytes`);
        }
      }
      await manifest.close();
      emulator.resetStats();
      const result = await run(emulator, fs, { jobs: 3 });
      if (result.failed !== 0) problems.push(`${mode}@${k}: the rerun failed`);
      for (const [key, bytes] of objects) {
        if (!sameBytes(fs.readLive(`${DIR}/${key.slice(5)}`), bytes)) {
          problems.push(`${mode}@${k}: ${key} wrong after the rerun`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("--no-fsync: after a power cut, a rerun trusts no file it cannot check, and upgrades the ones it can", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 6; i++) keys[`data/f${i}.bin`] = 5000 + i;
  const { emulator, objects } = await emulatorWith(keys, 8);
  let fs = new MemoryFileSystem({ seed: 8 });
  fs.mkdirDurable(DIR);
  const first = await run(emulator, fs, { durability: "none" });
  assert.equal(first.done, 6);
  // A power cut without fsync may keep the renames and the manifest but not the files' data
  // blocks: other bytes under the same size and time. The memory file system drops unsynced
  // names too, so this is done by hand: everything survives, then two files lose their bytes.
  fs = fs.restart({ processOnly: true });
  const info = await fs.stat(`${DIR}/f1.bin`);
  fs.writeDurable(`${DIR}/f1.bin`, new Uint8Array(5001));
  fs.writeDurable(`${DIR}/f4.bin`, new Uint8Array(5004));
  // Same size and time as recorded: only the content tells them apart.
  assert.equal((await fs.stat(`${DIR}/f1.bin`))?.size, info?.size);
  fs.setMtime(`${DIR}/f1.bin`, info!.mtimeMs!);
  fs.setMtime(`${DIR}/f4.bin`, (await fs.stat(`${DIR}/f4.bin`))!.mtimeMs! - 1000);
  emulator.resetStats();
  const again = await run(emulator, fs);
  assert.equal(again.failed, 0);
  for (const [key, bytes] of objects) {
    assert.ok(sameBytes(fs.readDurable(`${DIR}/${key.slice(5)}`), bytes), key);
  }
  const fetched = objectRequests(emulator, "GET").map((e) => e.key).sort();
  assert.deepEqual(fetched, ["data/f1.bin", "data/f4.bin"]);
  // The run with fsync made the checked files durable and recorded them so: no more reads.
  const manifest = await Manifest.open(fs, `${DIR}/${MANIFEST_NAME}`);
  for (const key of objects.keys()) assert.equal(manifest.get(key)?.unsynced, undefined, key);
  await manifest.close();
});

test("big objects: at most bigJobs of them at once, however many jobs", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 6; i++) keys[`data/big${i}.bin`] = 300_000; // > partSize: the full path
  for (let i = 0; i < 6; i++) keys[`data/small${i}.bin`] = 3_000;
  const { emulator, objects } = await emulatorWith(keys, 10);
  emulator.setFaults({ throttle: { bytesPerSecond: 3_000_000 } }); // every object in flight at once
  const fs = new MemoryFileSystem({ seed: 10 });
  // A big object's download holds its block writer from start to end: count them.
  let open = 0;
  let most = 0;
  const counting = withOverrides(fs, {
    openBlockWriter: async (path: string, options?: { maxWriteBytes?: number }) => {
      const writer = await fs.openBlockWriter(path, options);
      if (writer === null) return null;
      most = Math.max(most, ++open);
      return {
        write: (block: Uint8Array, length: number, offset: number) =>
          writer.write(block, length, offset),
        close: async () => {
          open--;
          await writer.close();
        },
      };
    },
  });
  const result = await run(emulator, counting, {
    jobs: 12,
    bigJobs: 2,
    maxConnections: 48,
    writeInWorker: true,
  });
  assert.equal(result.done, 12);
  for (const [key, bytes] of objects) {
    assert.ok(sameBytes(fs.readDurable(`${DIR}/${key.slice(5)}`), bytes), key);
  }
  assert.equal(most, 2, `${most} big objects at once`);
});

test("small objects: a continuation answered with the whole object (200) is taken from byte 0", async () => {
  const { emulator, objects } = await emulatorWith({ "data/w.bin": 50_000 }, 11);
  let gets = 0;
  emulator.faultsFor = (info) => {
    if (info.method !== "GET" || info.key !== "data/w.bin") return undefined;
    return gets++ === 0 ? { dropAfterBytes: 20_000 } : { ignoreRange: true };
  };
  const fs = new MemoryFileSystem({ seed: 11 });
  const result = await run(emulator, fs);
  assert.equal(result.done, 1);
  assert.ok(sameBytes(fs.readDurable(`${DIR}/w.bin`), objects.get("data/w.bin")!));
  const requests = objectRequests(emulator, "GET");
  assert.equal(requests.length, 2, "the whole answer was used, not asked again and again");
  assert.equal(requests[1].status, 200);
});

test("--no-fsync rerun: a recorded file that cannot be read back is downloaded again, the run goes on", async () => {
  const { emulator, objects } = await emulatorWith({ "data/a.bin": 4000, "data/b.bin": 5000 }, 12);
  let fs = new MemoryFileSystem({ seed: 12 });
  fs.mkdirDurable(DIR);
  await run(emulator, fs, { durability: "none" });
  fs = fs.restart({ processOnly: true });
  // Reading a.bin back fails once (an I/O error); its stat still looks right.
  let failed = false;
  const disk = fs;
  const flaky = withOverrides(disk, {
    open: (path: string, options?: { readOnly?: boolean }) => {
      if (!failed && path.endsWith("/a.bin") && options?.readOnly) {
        failed = true;
        return Promise.reject(new Error("EIO"));
      }
      return disk.open(path, options);
    },
  });
  emulator.resetStats();
  const again = await run(emulator, flaky);
  assert.ok(failed, "the read-back was attempted");
  assert.equal(again.failed, 0);
  assert.equal(again.done + again.skipped, 2);
  for (const [key, bytes] of objects) {
    assert.ok(sameBytes(fs.readDurable(`${DIR}/${key.slice(5)}`), bytes), key);
  }
});

test("small objects: staging buffers are reused across objects, one per request at a time", async () => {
  const keys: Record<string, number> = {};
  for (let i = 0; i < 30; i++) keys[`data/s${i}.bin`] = 3000 + i;
  const { emulator, objects } = await emulatorWith(keys, 13);
  const fs = new MemoryFileSystem({ seed: 13 });
  let created = 0;
  const seen = new WeakSet<object>();
  const sizes = new Set<number>();
  const original = StagePool.prototype.take;
  StagePool.prototype.take = function (this: StagePool, objectSize?: number) {
    const buffers = original.call(this, objectSize);
    sizes.add(buffers.stage.length);
    if (!seen.has(buffers.stage)) {
      seen.add(buffers.stage);
      created++;
    }
    return buffers;
  };
  try {
    const result = await run(emulator, fs, { jobs: 8, maxConnections: 4 });
    assert.equal(result.done, 30);
  } finally {
    StagePool.prototype.take = original;
  }
  for (const [key, bytes] of objects) {
    assert.ok(sameBytes(fs.readDurable(`${DIR}/${key.slice(5)}`), bytes), key);
  }
  assert.ok(created <= 4, `${created} buffers for 30 objects over 4 connections`);
  assert.deepEqual([...sizes], [SMALL_STAGE_BYTES], "objects that fit take a small stage");
});

test("StagePool: a stage of the object's size class, reused within its class only", () => {
  const pool = new StagePool(1);
  const small = pool.take(SMALL_STAGE_BYTES);
  const large = pool.take(SMALL_STAGE_BYTES + 1);
  assert.equal(small.stage.length, SMALL_STAGE_BYTES);
  assert.equal(large.stage.length, STAGE_BYTES);
  assert.equal(pool.take().stage.length, STAGE_BYTES, "no size given: the large class");
  pool.give(small);
  pool.give(large);
  assert.equal(pool.take(1).stage, small.stage);
  assert.equal(pool.take(STAGE_BYTES).stage, large.stage);
  // At most `keep` per class: a second buffer of a class is left to the collector.
  const other = { stage: new Uint8Array(SMALL_STAGE_BYTES), landing: small.landing };
  pool.give(small);
  pool.give(other);
  assert.equal(pool.take(1).stage, small.stage);
  const next = pool.take(1).stage;
  assert.ok(next !== small.stage && next !== other.stage, "the second one was not kept");
});
