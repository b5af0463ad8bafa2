import assert from "node:assert/strict";
import { test } from "node:test";
import { download } from "../src/download/download.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { serveEmulator } from "../src/emulator/serve.ts";
import { MemoryFileSystem } from "../src/fs/memory_file_system.ts";
import { DEST, fixture, sameBytes, testBytes } from "./_engine_fixture.ts";

const KiB = 1024;

test("a body stalled mid-part is aborted after idleTimeoutMs and continued from its last byte", async () => {
  const f = await fixture(512 * KiB, 21);
  // The second GET (the second part, bytes 65536-131071) sends 10000 bytes, then nothing.
  f.emulator.faultsFor = (info) =>
    info.method === "GET" && info.index === 3 ? { stallAfterBytes: 10_000 } : undefined;
  const started = performance.now();
  const result = await download(f.options({ idleTimeoutMs: 200, retryBaseDelayMs: 1 }));
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 3, `took ${seconds} s`);
  assert.equal(result.verified, true);
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.retries, 1);
  assert.ok(
    result.notices.some((n) => n.code === "RETRY" && /no data for 0\.2 s/.test(n.message)),
    JSON.stringify(result.notices),
  );
  const ranges = f.emulator.stats.log.map((e) => e.range);
  // The part continues from its last byte (its tail may have been split off meanwhile).
  assert.ok(ranges.some((r) => r?.startsWith(`bytes=${65536 + 10_000}-`)), JSON.stringify(ranges));
});

test("a GET whose headers never come is retried after connectTimeoutMs", async () => {
  const f = await fixture(256 * KiB, 22);
  f.emulator.faultsFor = (info) => info.index === 2 ? { stallHeaders: true } : undefined;
  const started = performance.now();
  const result = await download(f.options({ connectTimeoutMs: 200, retryBaseDelayMs: 1 }));
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 3, `took ${seconds} s`);
  assert.equal(result.verified, true);
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(result.retries, 1);
  assert.ok(
    result.notices.some((n) => n.code === "RETRY" && /no response within 0\.2 s/.test(n.message)),
    JSON.stringify(result.notices),
  );
});

test("a HEAD whose headers never come is retried after connectTimeoutMs", async () => {
  const f = await fixture(200 * KiB, 23);
  f.emulator.faultsFor = (info) => info.index === 1 ? { stallHeaders: true } : undefined;
  const result = await download(f.options({ connectTimeoutMs: 150, retryBaseDelayMs: 1 }));
  assert.equal(result.verified, true);
  assert.ok(sameBytes(f.fs.readLive(DEST), f.object));
  assert.equal(f.emulator.stats.log[0].method, "HEAD");
  assert.equal(f.emulator.stats.log[1].method, "HEAD");
  assert.ok(
    result.notices.some((n) => n.code === "RETRY" && /no response within 0\.15 s/.test(n.message)),
    JSON.stringify(result.notices),
  );
});

test("the caller's abort during a stalled body ends the download as AbortedError, not a timeout", async () => {
  const f = await fixture(256 * KiB, 24);
  f.emulator.setFaults({ stallAfterBytes: 1000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = performance.now();
  await assert.rejects(
    download(f.options({ idleTimeoutMs: 60_000, signal: controller.signal })),
    (e: unknown) => (e as { code?: string }).code === "ABORTED",
  );
  assert.ok(performance.now() - started < 2000);
});

test("over a real port: a body that stalls is aborted and the download finishes", async () => {
  const emulator = new OssEmulator();
  const object = testBytes(768 * KiB, 25);
  await emulator.put("bucket", "dir/object.bin", object);
  let stalled = false;
  emulator.faultsFor = (info) => {
    // The first part's first GET sends 20000 bytes, then nothing.
    if (stalled || info.range !== `bytes=0-${128 * KiB - 1}`) return undefined;
    stalled = true;
    return { stallAfterBytes: 20_000 };
  };
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  try {
    const fs = new MemoryFileSystem({ seed: 25 });
    fs.mkdirDurable("/data");
    const started = performance.now();
    const result = await download({
      source: "oss://bucket/dir/object.bin",
      destination: DEST,
      endpoint: server.url,
      fs,
      env: () => undefined,
      partSize: 128 * KiB,
      chunkSize: 16 * KiB,
      concurrency: 3,
      retryBaseDelayMs: 1,
      idleTimeoutMs: 300,
    });
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 5, `took ${seconds} s`);
    assert.equal(result.verified, true);
    assert.equal(result.retries, 1);
    assert.ok(sameBytes(fs.readLive(DEST), object));
    const ranges = emulator.stats.log.map((e) => e.range);
    assert.ok(ranges.some((r) => r?.startsWith("bytes=20000-")), JSON.stringify(ranges));
  } finally {
    await server.close();
  }
});
