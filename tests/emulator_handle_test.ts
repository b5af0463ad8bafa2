import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytes, call, emulatorWithObjects, pattern, xmlField } from "./emulator_fixtures.ts";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { nodeDirectoryStore } from "../src/emulator/directory_store_node.ts";
import { crc64 } from "../src/crc64/crc64.ts";

test("emulator: GET returns the object with OSS headers", async () => {
  const { emulator, data, etag, versionId } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/obj.bin");
  assert.equal(r.status, 200);
  assert.deepEqual(await bytes(r), data);
  assert.equal(r.headers.get("content-length"), "1000");
  assert.equal(r.headers.get("etag"), etag);
  assert.match(etag, /^"[0-9A-F]{32}"$/);
  assert.equal(r.headers.get("last-modified"), "Tue, 02 Jan 2024 03:04:05 GMT");
  assert.equal(r.headers.get("accept-ranges"), "bytes");
  assert.equal(r.headers.get("x-oss-object-type"), "Normal");
  assert.equal(r.headers.get("x-oss-version-id"), versionId);
  assert.equal(r.headers.get("x-oss-hash-crc64ecma"), String(await crc64(data)));
  assert.match(r.headers.get("x-oss-request-id")!, /^[0-9A-F]{24}$/);
  assert.equal(r.headers.get("content-range"), null);
});

test("emulator: ETag is the uppercase MD5 and CRC-64 matches the check value", async () => {
  const emulator = new OssEmulator();
  const put = await emulator.put("bucket", "k", new TextEncoder().encode("123456789"));
  assert.equal(put.etag, '"25F9E794323B453885F5181F1B624D0B"');
  assert.equal(put.crc64, 0x995dc9bbdf1939fan);
  const r = await call(emulator, "/bucket/k", { method: "HEAD" });
  assert.equal(r.headers.get("x-oss-hash-crc64ecma"), "11051210869376104954");
});

test("emulator: HEAD has the headers and no body", async () => {
  const { emulator, etag } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/obj.bin", {
    method: "HEAD",
    headers: { range: "bytes=0-9" },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-length"), "1000");
  assert.equal(r.headers.get("etag"), etag);
  assert.equal(r.body, null);
});

test("emulator: crc64 false omits the CRC header; objectType is sent", async () => {
  const emulator = new OssEmulator();
  await emulator.put("bucket", "k", pattern(10), { crc64: false, objectType: "Multipart" });
  const r = await call(emulator, "/bucket/k");
  assert.equal(r.headers.get("x-oss-hash-crc64ecma"), null);
  assert.equal(r.headers.get("x-oss-object-type"), "Multipart");
  await r.body?.cancel();
});

test("emulator: path-style and virtual-hosted addressing, whole path percent-decoded", async () => {
  const { emulator } = await emulatorWithObjects({ baseHosts: ["oss-cn-hangzhou.aliyuncs.com"] });
  const want = "hello";
  for (
    const url of [
      "http://127.0.0.1:9000/bucket/dir/a%20b%2Bc~%21.txt",
      "http://127.0.0.1:9000/bucket/dir%2Fa%20b%2Bc~!.txt",
      "http://bucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc~%21.txt",
      "http://bucket.oss-cn-hangzhou.aliyuncs.com/dir%2Fa%20b%2Bc~%21.txt",
      "http://bucket.example.test/dir/a%20b%2Bc~%21.txt", // first label is an existing bucket
    ]
  ) {
    const r = await emulator.handle(new Request(url));
    assert.equal(r.status, 200, url);
    assert.equal(await r.text(), want);
  }
  const missing = await emulator.handle(
    new Request("http://nobucket.oss-cn-hangzhou.aliyuncs.com/x"),
  );
  assert.equal(missing.status, 404);
  assert.equal(xmlField(await missing.text(), "Code"), "NoSuchBucket");
});

test("emulator: NoSuchKey and NoSuchBucket error XML with EC and x-oss-ec", async () => {
  const { emulator } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/missing.bin");
  assert.equal(r.status, 404);
  assert.equal(r.headers.get("content-type"), "application/xml");
  assert.equal(r.headers.get("x-oss-ec"), "0026-00000001");
  const xml = await r.text();
  assert.equal(xmlField(xml, "Code"), "NoSuchKey");
  assert.equal(xmlField(xml, "Message"), "The specified key does not exist.");
  assert.equal(xmlField(xml, "RequestId"), r.headers.get("x-oss-request-id"));
  assert.equal(xmlField(xml, "HostId"), "127.0.0.1:9000");
  assert.equal(xmlField(xml, "Key"), "missing.bin");
  assert.equal(xmlField(xml, "EC"), "0026-00000001");
  const b = await call(emulator, "/nobucket/x");
  assert.equal(b.status, 404);
  assert.equal(b.headers.get("x-oss-ec"), "0015-00000101");
  assert.equal(xmlField(await b.text(), "BucketName"), "nobucket");
});

test("emulator: HEAD errors have no body and the XML base64 in x-oss-err", async () => {
  const { emulator } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/missing.bin", { method: "HEAD" });
  assert.equal(r.status, 404);
  assert.equal(r.body, null);
  const xml = atob(r.headers.get("x-oss-err")!);
  assert.equal(xmlField(xml, "Code"), "NoSuchKey");
  assert.equal(xmlField(xml, "EC"), "0026-00000001");
});

test("emulator: If-Match mismatch is 412 PreconditionFailed, match is served", async () => {
  const { emulator, etag } = await emulatorWithObjects();
  const bad = await call(emulator, "/bucket/obj.bin", { headers: { "if-match": '"0000"' } });
  assert.equal(bad.status, 412);
  assert.equal(bad.headers.get("x-oss-ec"), "0017-00001001");
  const xml = await bad.text();
  assert.equal(xmlField(xml, "Code"), "PreconditionFailed");
  assert.equal(xmlField(xml, "EC"), "0017-00001001");
  const ok = await call(emulator, "/bucket/obj.bin", {
    headers: { "if-match": etag, range: "bytes=0-0" },
  });
  assert.equal(ok.status, 206);
  await ok.body?.cancel();
});

test("emulator: If-None-Match match is 304, If-Unmodified-Since earlier is 412", async () => {
  const { emulator, etag } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/obj.bin", { headers: { "if-none-match": etag } });
  assert.equal(r.status, 304);
  assert.equal(r.body, null);
  const r2 = await call(emulator, "/bucket/obj.bin", {
    headers: { "if-unmodified-since": "Mon, 01 Jan 2024 00:00:00 GMT" },
  });
  assert.equal(r2.status, 412);
  await r2.body?.cancel();
  const r3 = await call(emulator, "/bucket/obj.bin", {
    headers: { "if-modified-since": "Tue, 02 Jan 2024 03:04:05 GMT" },
  });
  assert.equal(r3.status, 304);
});

test("emulator: versions are kept and selected with versionId", async () => {
  const { emulator, data, etag, versionId } = await emulatorWithObjects();
  const next = await emulator.put("bucket", "obj.bin", pattern(10).reverse());
  assert.notEqual(next.versionId, versionId);
  const current = await call(emulator, "/bucket/obj.bin");
  assert.equal(current.headers.get("x-oss-version-id"), next.versionId);
  assert.equal(current.headers.get("etag"), next.etag);
  assert.equal((await bytes(current)).length, 10);
  const old = await call(emulator, `/bucket/obj.bin?versionId=${encodeURIComponent(versionId)}`);
  assert.equal(old.status, 200);
  assert.equal(old.headers.get("etag"), etag);
  assert.equal(old.headers.get("x-oss-version-id"), versionId);
  assert.deepEqual(await bytes(old), data);
  const none = await call(emulator, "/bucket/obj.bin?versionId=nope");
  assert.equal(none.status, 404);
  assert.equal(xmlField(await none.text(), "Code"), "NoSuchVersion");
});

test("emulator: other methods and bucket-level HEAD are refused", async () => {
  const { emulator } = await emulatorWithObjects();
  // PUT and DELETE are implemented (emulator_write_test.ts); other methods are not.
  const patch = await call(emulator, "/bucket/obj.bin", { method: "PATCH" });
  assert.equal(patch.status, 405);
  await patch.body?.cancel();
  const head = await call(emulator, "/bucket/", { method: "HEAD" });
  assert.equal(head.status, 501);
  await head.body?.cancel();
  const list = await call(emulator, "/bucket/"); // ListObjects: see emulator_list_test.ts
  assert.equal(list.status, 200);
  await list.body?.cancel();
  const bad = await call(emulator, "/bucket/%E0%A4%A");
  assert.equal(bad.status, 400);
  assert.equal(xmlField(await bad.text(), "Code"), "InvalidURI");
});

test("emulator: response-content-type override", async () => {
  const { emulator } = await emulatorWithObjects();
  const r = await call(emulator, "/bucket/obj.bin?response-content-type=text%2Fplain");
  assert.equal(r.headers.get("content-type"), "text/plain");
  await r.body?.cancel();
});

test("emulator: directory store serves files, ETag/CRC computed, no path escape", async () => {
  const root = await mkdtemp(join(tmpdir(), "ossdl-emu-"));
  try {
    const data = pattern(300_000);
    await mkdir(join(root, "bucket", "dir"), { recursive: true });
    await writeFile(join(root, "bucket", "dir", "f.bin"), data);
    await writeFile(join(root, "secret.txt"), "no");
    const emulator = new OssEmulator({ store: nodeDirectoryStore(root) });
    const r = await call(emulator, "/bucket/dir/f.bin", { headers: { range: "bytes=1000-" } });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-range"), "bytes 1000-299999/300000");
    assert.equal(r.headers.get("x-oss-hash-crc64ecma"), String(await crc64(data)));
    assert.match(r.headers.get("etag")!, /^"[0-9A-F]{32}"$/);
    assert.deepEqual(await bytes(r), data.subarray(1000));
    const escape = await call(emulator, "/bucket/..%2Fsecret.txt");
    assert.equal(escape.status, 404);
    await escape.body?.cancel();
    const nob = await call(emulator, "/other/x");
    assert.equal(xmlField(await nob.text(), "Code"), "NoSuchBucket");
    const fast = new OssEmulator({ store: nodeDirectoryStore(root, { checksums: false }) });
    const h = await call(fast, "/bucket/dir/f.bin", { method: "HEAD" });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get("x-oss-hash-crc64ecma"), null);
    assert.equal(h.headers.get("content-length"), "300000");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("emulator: a failing store gives 500 InternalError, not a rejection", async () => {
  const emulator = new OssEmulator({
    store: {
      hasBucket: () => Promise.resolve(true),
      lookup: () => Promise.reject(new Error("disk on fire")),
    },
  });
  const r = await call(emulator, "/bucket/k");
  assert.equal(r.status, 500);
  assert.equal(xmlField(await r.text(), "Code"), "InternalError");
});
