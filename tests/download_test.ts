import { test } from "node:test";
import assert from "node:assert/strict";
import { download } from "../src/download/download.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import {
  DownloadLockedError,
  FileSystemError,
  IntegrityError,
  ObjectChangedError,
  OssServiceError,
} from "../src/errors.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { DEST, fixture, interruptedFixture, sameBytes, testBytes } from "./_engine_fixture.ts";

const PARTIAL = DEST + ".ossdl-part";
const JOURNAL = DEST + ".ossdl-journal";

test("download: a multi-part object arrives whole, verified, with no leftovers", async () => {
  const f = await fixture(1_000_003);
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.bytes, f.object.length);
  assert.equal(result.crc64, (await crc64(f.object)).toString());
  assert.equal(result.verified, true);
  assert.equal(result.resumed, false);
  assert.equal(result.bytesFetched, f.object.length);
  assert.ok(result.parts >= 16, `parts ${result.parts}`);
  assert.equal(f.fs.exists(PARTIAL), false);
  assert.equal(f.fs.exists(JOURNAL), false);
  // The file is durable: a power cut right after download() returns keeps it.
  const after = f.fs.restart();
  assert.ok(sameBytes(after.readLive(DEST), f.object));
});

test("download: every ranged GET carries If-Match and x-oss-range-behavior", async () => {
  const f = await fixture(300_000);
  const seen: Array<[string | null, string | null]> = [];
  f.emulator.faultsFor = (info) => {
    if (info.method === "GET") {
      seen.push([info.headers.get("if-match"), info.headers.get("x-oss-range-behavior")]);
    }
    return undefined;
  };
  await download(f.options());
  assert.ok(seen.length >= 5);
  for (const [ifMatch, behavior] of seen) {
    assert.match(ifMatch ?? "", /^"[0-9A-F]{32}"$/);
    assert.equal(behavior, "standard");
  }
});

for (
  const [name, size] of [
    ["0 bytes", 0],
    ["1 byte", 1],
    ["exactly one part", 64 * 1024],
    ["smaller than a part", 1000],
    ["part size not dividing the size", 64 * 1024 * 3 + 17],
    ["one byte over a part", 64 * 1024 + 1],
  ] as const
) {
  test(`download edge size: ${name}`, async () => {
    const f = await fixture(size, 7);
    const result = await download(f.options());
    assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
    assert.equal(result.bytes, size);
    assert.equal(result.verified, true);
    assert.equal(f.fs.exists(PARTIAL), false);
    assert.equal(f.fs.exists(JOURNAL), false);
  });
}

test("download: dropped connections are retried from the last byte received", async () => {
  const f = await fixture(500_000);
  let drops = 0;
  f.emulator.faultsFor = (info) => {
    if (info.method === "GET" && drops < 4) {
      drops++;
      return { dropAfterBytes: 20_000 };
    }
    return undefined;
  };
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.retries, 4);
  // Continuing from the last byte: nothing is fetched twice.
  assert.equal(result.bytesFetched, f.object.length);
});

test("download: a burst of 5xx errors is retried", async () => {
  const f = await fixture(300_000);
  let failures = 0;
  f.emulator.faultsFor = (info) =>
    info.method === "GET" && failures++ < 5 ? { serverError: { status: 503 } } : undefined;
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.ok(result.retries >= 4, `retries ${result.retries}`);
});

test("download: persistent 5xx ends with RETRIES_EXHAUSTED and keeps nothing", async () => {
  const f = await fixture(300_000);
  f.emulator.faultsFor = (info) =>
    info.method === "GET" ? { serverError: { status: 500 } } : undefined;
  await assert.rejects(download(f.options({ maxAttempts: 3 })), (e: unknown) => {
    assert.equal((e as { code: string }).code, "RETRIES_EXHAUSTED");
    return true;
  });
  assert.equal(f.fs.exists(DEST), false);
  assert.equal(f.fs.exists(PARTIAL), false);
  assert.equal(f.fs.exists(JOURNAL), false);
});

test("download: a throttled part's tail is taken over by idle workers", async () => {
  const f = await fixture(2 * 1024 * 1024);
  // The first part crawls at 256 KiB/s; without stealing the download would take ~1 s.
  f.emulator.setFaults({ throttle: { bytesPerSecond: 256 * 1024, start: 0, end: 256 * 1024 } });
  const result = await download(f.options({ partSize: 256 * 1024, concurrency: 4 }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.ok(result.steals > 0, `steals ${result.steals}`);
  assert.equal(result.verified, true);
});

test("download: a flipped byte is an integrity error and nothing reaches the destination", async () => {
  const f = await fixture(400_000);
  f.emulator.setFaults({ flipByteAt: 123_456 });
  await assert.rejects(download(f.options()), IntegrityError);
  assert.equal(f.fs.exists(DEST), false);
  assert.equal(f.fs.exists(PARTIAL), false);
  assert.equal(f.fs.exists(JOURNAL), false);
});

test("download: the object changing mid-download restarts once and gets the new object", async () => {
  const f = await fixture(400_000);
  const next = testBytes(350_000, 99);
  f.emulator.setFaults({ changeObject: { afterRequests: 3, content: next } });
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), next));
  assert.equal(result.restarts, 1);
  assert.ok(notices.includes("OBJECT_CHANGED"));
  assert.equal(result.verified, true);
});

test("download: an object that keeps changing fails with OBJECT_CHANGED", async () => {
  const f = await fixture(400_000);
  let n = 0;
  f.emulator.faultsFor = (info) => {
    if (info.method !== "GET") return undefined;
    n++;
    return n % 3 === 0
      ? { changeObject: { afterRequests: 0, content: testBytes(400_000, n) } }
      : {};
  };
  await assert.rejects(download(f.options()), ObjectChangedError);
  assert.equal(f.fs.exists(DEST), false);
});

test("download: a server that ignores Range is read with one stream, never at an offset", async () => {
  const f = await fixture(300_000);
  f.emulator.setFaults({ ignoreRange: true });
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.ok(notices.includes("RANGE_IGNORED"));
  assert.equal(result.verified, true);
  // No 200 body was ever written at a non-zero offset.
  for (const op of f.fs.operations) {
    if (op.op === "write" && op.path.endsWith(".ossdl-part") && op.offset! > 0) {
      assert.ok(op.offset! < f.object.length);
    }
  }
});

test("download: an aborted download resumes from its durable bytes", async () => {
  const size = 1_000_000;
  const f = await interruptedFixture(size, 0.5);
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.resumed, true);
  assert.ok(result.bytesResumed >= size * 0.3, `resumed ${result.bytesResumed}`);
  assert.equal(result.bytesFetched, size - result.bytesResumed);
  assert.equal(result.verified, true);
});

test("download: resume after a power cut re-fetches only what was not journaled", async () => {
  const size = 1_000_000;
  const f = await interruptedFixture(size, 0.6);
  const fs = f.fs.restart();
  const result = await download(f.options({ fs }));
  assert.ok(sameBytes(fs.readLive(DEST), f.object));
  assert.equal(result.bytesFetched, size - result.bytesResumed);
  assert.ok(result.bytesResumed > 0);
});

test("download: the object changing between runs discards the partial data and says so", async () => {
  const f = await interruptedFixture(600_000, 0.5);
  const next = testBytes(500_000, 42);
  await f.emulator.put("bucket", "dir/object.bin", next);
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), next));
  assert.ok(notices.includes("OBJECT_CHANGED"), notices.join());
  assert.equal(result.resumed, false);
});

test("download: a journal damaged in the middle is not trusted", async () => {
  const f = await interruptedFixture(800_000, 0.7);
  const journal = f.fs.readLive(JOURNAL)!;
  const damaged = journal.slice();
  damaged[Math.floor(damaged.length / 2)] ^= 0xff;
  f.fs.writeDurable(JOURNAL, damaged);
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.ok(notices.includes("JOURNAL_DAMAGED"), notices.join());
  assert.equal(result.resumed, false);
});

test("download: a truncated journal (torn tail) still resumes", async () => {
  const f = await interruptedFixture(800_000, 0.7);
  const journal = f.fs.readLive(JOURNAL)!;
  f.fs.writeDurable(JOURNAL, journal.slice(0, journal.length - 3));
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.resumed, true);
  assert.deepEqual(notices.filter((n) => n.startsWith("JOURNAL")), []);
});

test("download: a journal from another object is not used", async () => {
  const a = await interruptedFixture(700_000, 0.5);
  const journal = a.fs.readLive(JOURNAL)!;
  const b = await fixture(700_000, 5);
  await b.emulator.put("bucket", "other.bin", b.object);
  b.fs.writeDurable(JOURNAL, journal);
  b.fs.writeDurable(PARTIAL, a.fs.readLive(PARTIAL)!);
  const notices: string[] = [];
  const result = await download(b.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(b.fs.readLive(DEST), b.object));
  assert.ok(notices.some((n) => n === "OBJECT_CHANGED" || n === "JOURNAL_FOREIGN"), notices.join());
  assert.equal(result.resumed, false);
});

test("download: disk full is a clear error, the journal is kept, and a rerun resumes", async () => {
  const f = await fixture(1_000_000);
  f.fs.capacity = 600_000;
  await assert.rejects(download(f.options()), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.equal(e.code, "FS_NO_SPACE");
    return true;
  });
  assert.equal(f.fs.exists(DEST), false);
  assert.ok(f.fs.exists(JOURNAL));
  f.fs.capacity = Infinity;
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.resumed, true);
});

test("download: an unwritable destination fails with FS_PERMISSION and leaves nothing", async () => {
  const f = await fixture(300_000);
  f.fs.mkdirDurable("/ro");
  f.fs.setReadOnly("/ro");
  await assert.rejects(download(f.options({ destination: "/ro/out.bin" })), (e: unknown) => {
    assert.ok(e instanceof FileSystemError);
    assert.equal(e.code, "FS_PERMISSION");
    return true;
  });
  assert.deepEqual(f.fs.listFiles().filter((p) => p.startsWith("/ro/")), []);
});

test("download: a missing key is NoSuchKey and creates no file", async () => {
  const f = await fixture(10);
  await assert.rejects(
    download(f.options({ source: "oss://bucket/nope.bin" })),
    (e: unknown) => {
      assert.ok(e instanceof OssServiceError);
      assert.equal(e.ossCode, "NoSuchKey");
      return true;
    },
  );
  assert.deepEqual(f.fs.listFiles().filter((p) => p.startsWith("/data/")), []);
});

test("download: a byte range arrives exactly, and the result says what was verified", async () => {
  const f = await fixture(900_000);
  const result = await download(f.options({ range: { start: 1000, end: 700_001 } }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object.subarray(1000, 700_001)));
  assert.equal(result.bytes, 699_001);
  assert.equal(result.verified, false);
  assert.match(result.verification, /whole object only/);
  assert.equal(result.crc64, (await crc64(f.object.subarray(1000, 700_001))).toString());
});

test("download: a range past the end is a RangeError", async () => {
  const f = await fixture(1000);
  await assert.rejects(download(f.options({ range: { start: 10, end: 2000 } })), RangeError);
});

test("download: versionId selects an older version", async () => {
  const f = await fixture(200_000);
  const old = await f.emulator.put("bucket", "v.bin", testBytes(150_000, 3));
  await f.emulator.put("bucket", "v.bin", testBytes(120_000, 4));
  const result = await download(
    f.options({ source: "oss://bucket/v.bin", versionId: old.versionId }),
  );
  assert.ok(sameBytes(f.fs.readLive(DEST), testBytes(150_000, 3)));
  assert.equal(result.versionId, old.versionId);
});

test("download: bad options are TypeError/RangeError", async () => {
  const f = await fixture(10);
  await assert.rejects(download(f.options({ concurrency: 0 })), RangeError);
  await assert.rejects(download(f.options({ partSize: 1.5 })), RangeError);
  await assert.rejects(download(f.options({ destination: "" })), TypeError);
});

test("download: a maxWriteBytes that is not a positive integer is a RangeError", async () => {
  const f = await fixture(10);
  await assert.rejects(download(f.options({ maxWriteBytes: 0 })), /maxWriteBytes/);
  await assert.rejects(download(f.options({ maxWriteBytes: 1.5 })), RangeError);
});

test("download: progress reports are monotonic and end at the total", async () => {
  const f = await fixture(500_000);
  const seen: number[] = [];
  await download(f.options({ progressIntervalMs: 0, onProgress: (p) => seen.push(p.bytesDone) }));
  assert.ok(seen.length > 3);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1]);
  assert.equal(seen.at(-1), 500_000);
});

test("download: retries of the first HEAD are counted and reported", async () => {
  const f = await fixture(200_000);
  let failures = 0;
  f.emulator.faultsFor = (info) =>
    info.method === "HEAD" && failures++ < 2 ? { serverError: { status: 503 } } : undefined;
  const notices: string[] = [];
  const result = await download(f.options({ onNotice: (n) => notices.push(n.code) }));
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.retries, 2);
  assert.deepEqual(notices, ["RETRY", "RETRY"]);
});

test("download: a key that mentions security-token downloads fine in parts", async () => {
  const f = await fixture(10);
  const object = testBytes(300_000, 8);
  await f.emulator.put("bucket", "docs/security-token-guide.bin", object);
  await download(f.options({ source: "oss://bucket/docs/security-token-guide.bin" }));
  assert.ok(sameBytes(f.fs.readLive(DEST), object));
});

test("download: a failure creating the journal leaves no partial file", async () => {
  const f = await fixture(300_000);
  const fs = new MemoryFileSystem({
    onOperation: (o) => {
      if (o.op === "open" && o.path.endsWith(".ossdl-journal.tmp")) {
        throw new FileSystemError("FS_PERMISSION", "open", o.path);
      }
    },
  });
  fs.mkdirDurable("/data");
  await assert.rejects(download(f.options({ fs })), FileSystemError);
  assert.equal(fs.exists(PARTIAL), false);
});

test("download: a version id with an http(s) URL is refused, not ignored", async () => {
  const f = await fixture(10);
  await assert.rejects(
    download(f.options({ source: "http://127.0.0.1:9/bucket/dir/object.bin", versionId: "v1" })),
    TypeError,
  );
});

const LOCK = DEST + ".ossdl-lock";

test("download: a destination locked by a live process is refused, and nothing is touched", async () => {
  const f = await interruptedFixture(400_000, 0.5);
  const journalBefore = f.fs.readLive(JOURNAL);
  f.fs.writeDurable(LOCK, new TextEncoder().encode('{"pid":1}\n')); // pid 1 is always alive
  await assert.rejects(download(f.options()), (e: unknown) => {
    assert.ok(e instanceof DownloadLockedError);
    assert.equal(e.code, "DOWNLOAD_LOCKED");
    assert.equal(e.pid, 1);
    assert.match(e.hint, /remove .*ossdl-lock/);
    return true;
  });
  assert.deepEqual(f.fs.readLive(JOURNAL), journalBefore);
  assert.ok(f.fs.exists(LOCK));
});

test("download: a stale lock (its process is gone) is taken over and released", async () => {
  const f = await interruptedFixture(400_000, 0.5);
  f.fs.writeDurable(LOCK, new TextEncoder().encode('{"pid":999999999}\n'));
  const result = await download(f.options());
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.resumed, true);
  assert.equal(f.fs.exists(LOCK), false);
});

test("download: two downloads to one destination in one process: the second is refused", async () => {
  const f = await fixture(2 * 1024 * 1024);
  f.emulator.setFaults({ throttle: { bytesPerSecond: 8 * 1024 * 1024 } });
  const first = download(f.options());
  await new Promise((r) => setTimeout(r, 50));
  await assert.rejects(download(f.options()), DownloadLockedError);
  await first;
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(f.fs.exists(LOCK), false);
});
