import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { type ServedHandler, serveEmulator } from "../src/emulator/serve.ts";
import { serveDirectory } from "../src/emulator/serve_directory.ts";
import { presignUrl } from "../src/oss/presign_url.ts";
import { crc64 } from "../src/crc64/crc64.ts";
import { pattern, xmlField } from "./emulator_fixtures.ts";

const BIG = 4 * 1024 * 1024 + 123;

async function withServer(
  fn: (server: ServedHandler, emulator: OssEmulator, data: Uint8Array) => Promise<void>,
  options: ConstructorParameters<typeof OssEmulator>[0] = {},
): Promise<void> {
  const emulator = new OssEmulator(options);
  const data = pattern(BIG);
  await emulator.put("bucket", "big.bin", data);
  const server = await serveEmulator((r) => emulator.handle(r), { port: 0 });
  try {
    await fn(server, emulator, data);
  } finally {
    await server.close();
  }
}

/** Read a body to the end or to its error: [bytes received, error or null]. */
async function drain(body: ReadableStream<Uint8Array>): Promise<[Uint8Array, unknown]> {
  const chunks: Uint8Array[] = [];
  let error: unknown = null;
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (e) {
    error = e;
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return [out, error];
}

test("serve: GET streams a multi-MiB object and ranges over a real port", async () => {
  await withServer(async (server, _emulator, data) => {
    const r = await fetch(`${server.url}/bucket/big.bin`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-length"), String(BIG));
    assert.equal(r.headers.get("x-oss-hash-crc64ecma"), String(await crc64(data)));
    const [body, error] = await drain(r.body!);
    assert.equal(error, null);
    assert.equal(body.length, BIG);
    assert.ok(body.every((b, i) => b === data[i]));
    const part = await fetch(`${server.url}/bucket/big.bin`, {
      headers: { range: "bytes=1000000-1000099" },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 1000000-1000099/${BIG}`);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), data.subarray(1000000, 1000100));
    const bad = await fetch(`${server.url}/bucket/big.bin`, {
      headers: { range: `bytes=${BIG}-`, "x-oss-range-behavior": "standard" },
    });
    assert.equal(bad.status, 416);
    assert.equal(xmlField(await bad.text(), "Code"), "InvalidRange");
  });
});

test("serve: HEAD keeps Content-Length and puts errors in x-oss-err", async () => {
  await withServer(async (server) => {
    const h = await fetch(`${server.url}/bucket/big.bin`, { method: "HEAD" });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get("content-length"), String(BIG));
    assert.match(h.headers.get("etag")!, /^"[0-9A-F]{32}"$/);
    await h.body?.cancel();
    const e = await fetch(`${server.url}/bucket/none`, { method: "HEAD" });
    assert.equal(e.status, 404);
    assert.equal(xmlField(atob(e.headers.get("x-oss-err")!), "Code"), "NoSuchKey");
    await e.body?.cancel();
    const m = await fetch(`${server.url}/bucket/big.bin`, { headers: { "if-match": '"X"' } });
    assert.equal(m.status, 412);
    assert.equal(xmlField(await m.text(), "EC"), "0017-00001001");
  });
});

test("serve: a dropped connection truncates the body and fails the client's read", async () => {
  await withServer(async (server, emulator, data) => {
    emulator.faultsFor = (info) => (info.index === 1 ? { dropAfterBytes: 300_000 } : undefined);
    const r = await fetch(`${server.url}/bucket/big.bin`);
    assert.equal(r.status, 200);
    const [body, error] = await drain(r.body!);
    assert.ok(error !== null, "the client sees a network error");
    assert.ok(body.length <= 300_000, `received ${body.length}`);
    assert.ok(body.every((b, i) => b === data[i]));
    const again = await fetch(`${server.url}/bucket/big.bin`, { headers: { range: "bytes=0-9" } });
    assert.equal(again.status, 206);
    assert.deepEqual(new Uint8Array(await again.arrayBuffer()), data.subarray(0, 10));
    assert.equal(emulator.stats.requests, 2);
  });
});

test("serve: 503 fault, flipped byte and throttle over a port", async () => {
  await withServer(async (server, emulator, data) => {
    emulator.setFaults({ serverError: { next: 1 }, flipByteAt: 5 });
    const first = await fetch(`${server.url}/bucket/big.bin`, { headers: { range: "bytes=0-9" } });
    assert.equal(first.status, 503);
    assert.equal(xmlField(await first.text(), "Code"), "ServiceUnavailable");
    const second = await fetch(`${server.url}/bucket/big.bin`, { headers: { range: "bytes=0-9" } });
    const got = new Uint8Array(await second.arrayBuffer());
    assert.equal(got[5], data[5] ^ 0xff);
    emulator.setFaults({ throttle: { bytesPerSecond: 20_000 } });
    const t = Date.now();
    const slow = await fetch(`${server.url}/bucket/big.bin`, {
      headers: { range: "bytes=0-3999" },
    });
    assert.equal((await slow.arrayBuffer()).byteLength, 4000);
    assert.ok(Date.now() - t >= 180, "4000 bytes at 20000 B/s take about 200 ms");
  });
});

test("serve: presigned V4 URL against a signed emulator on a port", async () => {
  const now = Date.now();
  await withServer(async (server) => {
    const url = await presignUrl("oss://bucket/big.bin", {
      endpoint: server.url,
      region: "cn-hangzhou",
      credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
      now: () => new Date(now),
    });
    const r = await fetch(url, { headers: { range: "bytes=0-99" } });
    assert.equal(r.status, 206);
    await r.body?.cancel();
    const anonymous = await fetch(`${server.url}/bucket/big.bin`);
    assert.equal(anonymous.status, 403);
    await anonymous.body?.cancel();
  }, { credentials: { accessKeyId: "ak", accessKeySecret: "sk" }, now: () => now });
});

test("serve: serveDirectory serves files under <root>/<bucket>/<key>", async () => {
  const root = await mkdtemp(join(tmpdir(), "ossdl-serve-"));
  const server = await serveDirectory(root, { port: 0 });
  try {
    const data = pattern(1_000_000);
    await mkdir(join(root, "files", "a"), { recursive: true });
    await writeFile(join(root, "files", "a", "b c.bin"), data);
    const r = await fetch(`${server.url}/files/a/b%20c.bin`, {
      headers: { range: "bytes=999990-" },
    });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("x-oss-hash-crc64ecma"), String(await crc64(data)));
    assert.deepEqual(new Uint8Array(await r.arrayBuffer()), data.subarray(999990));
    assert.equal(server.emulator.stats.bytesSent, 10);
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});

test("serve: serveDirectory with a region rejects V4 URLs signed for another region", async () => {
  const root = await mkdtemp(join(tmpdir(), "ossdl-serve-"));
  const credentials = { accessKeyId: "ak", accessKeySecret: "sk" };
  const server = await serveDirectory(root, { port: 0, credentials, region: "cn-hangzhou" });
  try {
    await mkdir(join(root, "files"), { recursive: true });
    await writeFile(join(root, "files", "a.bin"), pattern(100));
    const url = (region: string) =>
      presignUrl("oss://files/a.bin", { endpoint: server.url, region, credentials });
    const good = await fetch(await url("cn-hangzhou"));
    assert.equal(good.status, 200);
    assert.equal((await good.arrayBuffer()).byteLength, 100);
    const bad = await fetch(await url("cn-shanghai"));
    assert.equal(bad.status, 400);
    assert.equal(bad.headers.get("x-oss-ec"), "0002-00000226");
    assert.equal(xmlField(await bad.text(), "Code"), "InvalidArgument");
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});

test("serve: a client gone before the response is ready gets its body cancelled (no open file left)", async () => {
  const { connect } = await import("node:net");
  let cancelled = 0;
  let gone!: () => void;
  const clientGone = new Promise<void>((resolve) => (gone = resolve));
  // The response is ready only after the client has closed its socket (a handler still hashing
  // files, say); the body then must be cancelled, so that a file it holds open is closed.
  const server = await serveEmulator(async () => {
    await clientGone;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new Uint8Array(256 * 1024));
        },
        cancel() {
          cancelled++;
        },
      }, { highWaterMark: 0 }),
    );
  }, { port: 0 });
  try {
    const socket = connect(server.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write("GET /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    gone();
    for (let i = 0; i < 100 && cancelled === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(cancelled, 1);
  } finally {
    await server.close();
  }
});
