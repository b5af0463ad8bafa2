import assert from "node:assert/strict";
import { test } from "node:test";
import { OssEmulator } from "../src/emulator/oss_emulator.ts";
import { downloadStream } from "../src/stream/download_stream.ts";
import { openPartStream } from "../src/stream/part_stream.ts";
import type { DownloadStreamResult } from "../src/stream/stream_options.ts";
import { AbortedError, IntegrityError, ObjectChangedError } from "../src/errors.ts";
import { seededBytes } from "../src/cli/demo_command.ts";
import { crc64 } from "../src/crc64/crc64.ts";

const KiB = 1024;
const CREDS = { accessKeyId: "LTAItestkeyid", accessKeySecret: "test-secret-value-123" };

async function setup(size: number) {
  const emulator = new OssEmulator({ credentials: CREDS });
  const data = seededBytes(size, 7);
  await emulator.put("bucket", "obj.bin", data);
  const base = {
    source: "oss://bucket/obj.bin",
    endpoint: "http://127.0.0.1:9000",
    region: "cn-hangzhou",
    credentials: CREDS,
    fetch: ((r: Request) => emulator.handle(r)) as typeof fetch,
    retryBaseDelayMs: 1,
  };
  return { emulator, data, base };
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), at += c.length);
  return out;
}

test("downloadStream: the bytes in order, verified, in parallel ranged parts", async () => {
  const { emulator, data, base } = await setup(1000 * KiB + 17);
  let result: DownloadStreamResult | null = null;
  const got = await collect(downloadStream({
    ...base,
    partSize: 64 * KiB,
    concurrency: 4,
    onResult: (r) => result = r,
  }));
  assert.deepEqual(got, data);
  const r = result as DownloadStreamResult | null;
  assert.ok(r);
  assert.equal(r.verified, true);
  assert.equal(r.bytes, data.length);
  assert.equal(r.crc64, (await crc64(data)).toString());
  assert.equal(r.parts, 16);
  const gets = emulator.stats.log.filter((e) => e.method === "GET");
  assert.equal(gets.length, 16);
  assert.ok(gets.every((e) => e.range?.startsWith("bytes=")));
});

test("downloadStream: a range, not verified (OSS has no CRC of a range)", async () => {
  const { data, base } = await setup(300 * KiB);
  let result: DownloadStreamResult | null = null;
  const got = await collect(downloadStream({
    ...base,
    partSize: 32 * KiB,
    range: { start: 1000, end: 200 * KiB },
    onResult: (r) => result = r,
  }));
  assert.deepEqual(got, data.subarray(1000, 200 * KiB));
  assert.equal((result as DownloadStreamResult | null)?.verified, false);
});

test("downloadStream: a CRC-64 mismatch errors the stream before it closes", async () => {
  const { emulator, base } = await setup(256 * KiB);
  emulator.setFaults({ flipByteAt: 100 });
  let delivered = 0;
  let closedCleanly = false;
  await assert.rejects(async () => {
    for await (const c of downloadStream({ ...base, partSize: 64 * KiB })) delivered += c.length;
    closedCleanly = true;
  }, (error: unknown) => {
    assert.ok(error instanceof IntegrityError);
    assert.equal(error.code, "INTEGRITY_MISMATCH");
    assert.match(error.message, /already written were wrong and cannot be unsent/);
    return true;
  });
  assert.equal(closedCleanly, false);
  // The last part is held back: what the reader got is everything before it.
  assert.equal(delivered, 192 * KiB);
});

test("downloadStream: a dropped body is continued from the last byte received", async () => {
  const { emulator, data, base } = await setup(200 * KiB);
  let drops = 0;
  emulator.faultsFor = (info) => {
    if (info.method === "GET" && info.range === "bytes=0-102399" && drops++ === 0) {
      return { dropAfterBytes: 30000 };
    }
    return undefined;
  };
  const got = await collect(downloadStream({ ...base, partSize: 100 * KiB, concurrency: 2 }));
  assert.deepEqual(got, data);
  const ranges = emulator.stats.log.filter((e) => e.method === "GET").map((e) => e.range);
  // The retry asks only for what was not received (the drop comes after 30000 bytes at most).
  const retry = ranges.find((r) => r !== "bytes=0-102399" && /-102399$/.test(r ?? ""));
  assert.ok(retry, `ranges: ${ranges.join(", ")}`);
  assert.ok(Number(/bytes=(\d+)-/.exec(retry!)![1]) > 0);
});

test("downloadStream: a slow reader holds the fetching at the window (memory stays bounded)", async () => {
  const partSize = 64 * KiB;
  const { emulator, data, base } = await setup(4096 * KiB);
  const stream = downloadStream({ ...base, partSize, concurrency: 3 });
  const reader = stream.getReader();
  const first = await reader.read();
  assert.equal(first.value?.length, partSize);
  // The reader now sleeps: the fetching must stop at the window, not run to the end.
  await new Promise((r) => setTimeout(r, 300));
  const sent = emulator.stats.bytesSent;
  assert.ok(sent <= 5 * partSize, `fetched ${sent} bytes ahead of a sleeping reader`);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(emulator.stats.bytesSent, sent, "still fetching while the reader sleeps");
  // And the rest still arrives, in order.
  const rest: Uint8Array[] = [first.value!];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest.push(value);
  }
  assert.deepEqual(Buffer.concat(rest), Buffer.from(data));
});

test("downloadStream: the window is capped by maxBufferBytes", async () => {
  const partSize = 64 * KiB;
  const { emulator, base } = await setup(2048 * KiB);
  const reader = downloadStream({
    ...base,
    partSize,
    concurrency: 16,
    maxBufferBytes: 2 * partSize,
  })
    .getReader();
  await reader.read();
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(emulator.stats.bytesSent <= 3 * partSize, `${emulator.stats.bytesSent} bytes`);
  await reader.cancel();
});

test("downloadStream: cancelling the stream stops every request", async () => {
  const { emulator, base } = await setup(2048 * KiB);
  const reader = downloadStream({ ...base, partSize: 64 * KiB, concurrency: 4 }).getReader();
  await reader.read();
  await reader.cancel();
  await new Promise((r) => setTimeout(r, 100));
  const sent = emulator.stats.bytesSent;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(emulator.stats.bytesSent, sent);
  assert.ok(sent < 2048 * KiB);
});

test("downloadStream: a changed object errors the stream with ObjectChangedError", async () => {
  const { emulator, base } = await setup(512 * KiB);
  emulator.setFaults({ changeObject: { afterRequests: 3, content: seededBytes(512 * KiB, 9) } });
  await assert.rejects(
    collect(downloadStream({ ...base, partSize: 64 * KiB, concurrency: 1 })),
    (e: unknown) => e instanceof ObjectChangedError,
  );
});

test("downloadStream: bad options are refused at once", () => {
  assert.throws(() => downloadStream({ source: "oss://b/k", partSize: 0 }), RangeError);
  assert.throws(() => downloadStream({ source: "ftp://x" }), TypeError);
});

test("downloadStream: one part at a time (concurrency 1) still delivers every part", async () => {
  const { data, base } = await setup(300 * KiB + 5);
  const got = await collect(downloadStream({ ...base, partSize: 64 * KiB, concurrency: 1 }));
  assert.deepEqual(got, data);
});

test("downloadStream: parts hashed on a worker thread give the same bytes and CRC-64", async () => {
  const { data, base } = await setup(700 * KiB + 1);
  let result: DownloadStreamResult | null = null;
  const got = await collect(downloadStream({
    ...base,
    partSize: 64 * KiB,
    hashInWorker: true,
    onResult: (r) => result = r,
  }));
  assert.deepEqual(got, data);
  assert.equal((result as DownloadStreamResult | null)?.crc64, (await crc64(data)).toString());
  assert.equal((result as DownloadStreamResult | null)?.verified, true);
});

test("downloadStream: a CRC-64 mismatch is found with the worker too", async () => {
  const { emulator, base } = await setup(256 * KiB);
  emulator.setFaults({ flipByteAt: 70000 });
  await assert.rejects(
    collect(downloadStream({ ...base, partSize: 64 * KiB, hashInWorker: true })),
    IntegrityError,
  );
});

test("openPartStream: released buffers are reused for later parts", async () => {
  const { data, base } = await setup(1024 * KiB);
  const parts = openPartStream({ ...base, partSize: 64 * KiB, concurrency: 2 });
  const buffers = new Set<ArrayBufferLike>();
  const out: Uint8Array[] = [];
  for (let p; (p = await parts.next()) !== null;) {
    out.push(p.slice());
    buffers.add(p.buffer);
    parts.release(p);
  }
  assert.deepEqual(Buffer.concat(out), Buffer.from(data));
  // 16 parts through a window of 2 (+1 handed over): a handful of buffers, not 16.
  assert.ok(buffers.size <= 4, `${buffers.size} buffers for 16 parts`);
});

test("openPartStream: after stop() nothing is fetched again", async () => {
  const { emulator, base } = await setup(512 * KiB);
  const parts = openPartStream({ ...base, partSize: 64 * KiB, concurrency: 2 });
  assert.ok(await parts.next());
  parts.stop();
  const requests = emulator.stats.requests;
  await assert.rejects(parts.next(), AbortedError);
  assert.equal(emulator.stats.requests, requests);
});
