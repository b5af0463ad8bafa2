import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, call, emulatorWithObjects, pattern, xmlField } from "./emulator_fixtures.ts";
import { DroppedConnectionError, seededRandom } from "../src/emulator/faults.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";

/** Read a body until it ends or errors; returns the bytes and the error. */
async function drain(body: ReadableStream<Uint8Array>): Promise<[number, unknown]> {
  const reader = body.getReader();
  let n = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return [n, null];
      n += value.length;
    }
  } catch (e) {
    return [n, e];
  }
}

test("faults: dropAfterBytes errors the body stream after exactly N bytes", async () => {
  const { emulator } = await emulatorWithObjects();
  emulator.setFaults({ dropAfterBytes: 123 });
  const r = await call(emulator, "/bucket/obj.bin");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-length"), "1000");
  const [n, error] = await drain(r.body!);
  assert.equal(n, 123);
  assert.ok(error instanceof DroppedConnectionError);
  assert.equal(emulator.stats.bytesSent, 123);
  emulator.clearFaults();
  const ok = await call(emulator, "/bucket/obj.bin");
  assert.deepEqual(await drain(ok.body!), [1000, null]);
});

test("faults: serverError next K requests get 503 ServiceUnavailable, then served", async () => {
  const { emulator } = await emulatorWithObjects();
  emulator.setFaults({ serverError: { next: 2 } });
  for (let i = 0; i < 2; i++) {
    const r = await call(emulator, "/bucket/obj.bin");
    assert.equal(r.status, 503);
    assert.equal(xmlField(await r.text(), "Code"), "ServiceUnavailable");
  }
  const r = await call(emulator, "/bucket/obj.bin");
  assert.equal(r.status, 200);
  await r.body?.cancel();
  emulator.setFaults({ serverError: { status: 500 } });
  const always = await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
  assert.equal(always.status, 500);
  assert.equal(xmlField(atob(always.headers.get("x-oss-err")!), "Code"), "InternalError");
});

test("faults: serverError rate is seeded and reproducible", async () => {
  const run = async () => {
    const { emulator } = await emulatorWithObjects();
    emulator.setFaults({ serverError: { rate: 0.5 }, seed: 7 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
      statuses.push(r.status);
    }
    return statuses;
  };
  const a = await run();
  assert.deepEqual(await run(), a);
  const failures = a.filter((s) => s === 503).length;
  assert.ok(failures > 5 && failures < 35, `${failures} failures`);
  const r = seededRandom(7);
  const expected = Array.from({ length: 40 }, () => (r() < 0.5 ? 503 : 200));
  assert.deepEqual(a, expected);
});

test("faults: throttle slows only the given object range", async () => {
  const { emulator } = await emulatorWithObjects();
  emulator.setFaults({ throttle: { bytesPerSecond: 1000, start: 500, end: 700 } });
  let t = Date.now();
  const fast = await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=0-399" } });
  assert.equal((await bytes(fast)).length, 400);
  assert.ok(Date.now() - t < 150, "a range outside the throttled bytes is fast");
  t = Date.now();
  const slow = await call(emulator, "/bucket/obj.bin");
  assert.equal((await bytes(slow)).length, 1000);
  const ms = Date.now() - t;
  assert.ok(ms >= 190 && ms < 2000, `200 bytes at 1000 B/s took ${ms} ms`);
});

test("faults: flipByteAt corrupts one byte at an object offset, also in ranges", async () => {
  const { emulator, data } = await emulatorWithObjects();
  emulator.setFaults({ flipByteAt: 600 });
  const whole = await bytes(await call(emulator, "/bucket/obj.bin"));
  const diff = whole.map((b, i) => b ^ data[i]);
  assert.equal(diff[600], 0xff);
  assert.equal(diff.reduce((a, b) => a + (b ? 1 : 0), 0), 1);
  const part = await bytes(
    await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=590-609" } }),
  );
  assert.equal(part[10], data[600] ^ 0xff);
  const other = await bytes(
    await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=0-99" } }),
  );
  assert.deepEqual(other, data.subarray(0, 100));
});

test("faults: changeObject replaces the object after N requests (new ETag, CRC, version)", async () => {
  const { emulator, etag, data } = await emulatorWithObjects();
  const next = pattern(500).reverse();
  emulator.setFaults({ changeObject: { afterRequests: 2, content: next } });
  for (let i = 0; i < 2; i++) {
    const r = await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
    assert.equal(r.headers.get("etag"), etag);
  }
  const changed = await call(emulator, "/bucket/obj.bin", { headers: { "if-match": etag } });
  assert.equal(changed.status, 412);
  await changed.body?.cancel();
  const now = await call(emulator, "/bucket/obj.bin");
  assert.notEqual(now.headers.get("etag"), etag);
  assert.equal(now.headers.get("x-oss-hash-crc64ecma"), String(await crc64(next)));
  assert.deepEqual(await bytes(now), next);
  assert.notEqual(String(await crc64(data)), String(await crc64(next)));
});

test("faults: ignoreRange answers 200 with the whole object", async () => {
  const { emulator, data } = await emulatorWithObjects();
  emulator.faults = { ignoreRange: true };
  const r = await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=10-19" } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-range"), null);
  assert.deepEqual(await bytes(r), data);
});

test("faults: per-request hook targets one request; counters and log", async () => {
  const { emulator } = await emulatorWithObjects();
  emulator.resetStats();
  emulator.faultsFor = (info) =>
    info.method === "GET" && info.range === "bytes=100-199" ? { dropAfterBytes: 10 } : undefined;
  const a = await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=0-99" } });
  assert.deepEqual(await drain(a.body!), [100, null]);
  const b = await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=100-199" } });
  const [n, error] = await drain(b.body!);
  assert.equal(n, 10);
  assert.ok(error instanceof Error);
  const h = await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
  assert.equal(h.status, 200);
  const stats = emulator.stats;
  assert.equal(stats.requests, 3);
  assert.equal(stats.bytesSent, 110);
  assert.deepEqual(
    stats.log.map((e) => [e.method, e.range, e.status, e.bytesSent, e.key]),
    [
      ["GET", "bytes=0-99", 206, 100, "obj.bin"],
      ["GET", "bytes=100-199", 206, 10, "obj.bin"],
      ["HEAD", null, 200, 0, "obj.bin"],
    ],
  );
});

test("faults: a hook's serverError fails its request; next is a global-only countdown", async () => {
  const { emulator } = await emulatorWithObjects();
  emulator.setFaults({ serverError: { next: 1 } });
  emulator.faultsFor = (info) =>
    info.index <= 2 ? { serverError: info.index === 1 ? { next: 1 } : { status: 500 } } : undefined;
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
    statuses.push(r.status);
  }
  // 1 and 2: the hook's spec (its `next` ignored); 3: the global countdown, untouched so far.
  assert.deepEqual(statuses, [503, 500, 503, 200, 200]);
  emulator.setFaults({});
  emulator.faultsFor = (info) => info.index === 6 ? { serverError: { next: 3 } } : undefined;
  const after: number[] = [];
  for (let i = 0; i < 3; i++) {
    after.push((await call(emulator, "/bucket/obj.bin", { method: "HEAD" })).status);
  }
  assert.deepEqual(after, [503, 200, 200]);
});

test("faults: a hook's serverError rate is a per-request probability", async () => {
  const { emulator } = await emulatorWithObjects();
  emulator.setFaults({ seed: 3 });
  emulator.faultsFor = () => ({ serverError: { rate: 0, next: 5 } });
  const r = await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
  assert.equal(r.status, 200);
  emulator.faultsFor = () => ({ serverError: { rate: 1 } });
  assert.equal((await call(emulator, "/bucket/obj.bin", { method: "HEAD" })).status, 503);
});

test("faults: the request log keeps the last maxLogEntries entries; counters stay exact", async () => {
  const { emulator } = await emulatorWithObjects({ maxLogEntries: 3 });
  emulator.resetStats();
  for (let i = 0; i < 7; i++) {
    await call(emulator, "/bucket/obj.bin", { method: "HEAD", headers: { range: `bytes=${i}-` } });
  }
  const r = await call(emulator, "/bucket/obj.bin", { headers: { range: "bytes=0-9" } });
  assert.equal((await bytes(r)).length, 10);
  const stats = emulator.stats;
  assert.equal(stats.requests, 8);
  assert.equal(stats.bytesSent, 10);
  assert.deepEqual(stats.log.map((e) => [e.method, e.range, e.bytesSent]), [
    ["HEAD", "bytes=5-", 0],
    ["HEAD", "bytes=6-", 0],
    ["GET", "bytes=0-9", 10],
  ]);
  emulator.resetStats();
  await call(emulator, "/bucket/obj.bin", { method: "HEAD" });
  assert.deepEqual(emulator.stats.log.map((e) => e.method), ["HEAD"]);
  const silent = await emulatorWithObjects({ maxLogEntries: 0 });
  await call(silent.emulator, "/bucket/obj.bin", { method: "HEAD" });
  assert.deepEqual([silent.emulator.stats.requests, silent.emulator.stats.log.length], [1, 0]);
  assert.throws(() => new OssEmulator({ maxLogEntries: -1 }), RangeError);
});

test("faults: by default the request log is capped at 10 000 entries", async () => {
  const { emulator } = await emulatorWithObjects();
  for (let i = 0; i < 10_005; i++) await call(emulator, `/none/${i}`, { method: "HEAD" });
  const stats = emulator.stats;
  assert.equal(stats.requests, 10_005);
  assert.equal(stats.log.length, 10_000);
  assert.deepEqual([stats.log[0].key, stats.log[9_999].key], ["5", "10004"]);
});
